"""安全审计: the audit record, read by auditors only (permission ``audit:read``)."""
from flask.views import MethodView

from gateway import audit, auth
from gateway.access import policy, store
from gateway.access import schemas as s
from gateway.api import API_PREFIX, Blueprint

blp = Blueprint(
    "audit", __name__, url_prefix=API_PREFIX,
    description="安全审计: who read personal data, who exported, who changed what, who was refused (auditors only)",
)


@blp.route("/audit-records")
class AuditRecords(MethodView):
    @blp.arguments(s.AuditQuerySchema, location="query")
    @blp.response(200, s.AuditRecordPageSchema)
    @blp.requires(policy.AUDIT_READ, operation_id="listAuditRecords")
    def get(self, query):
        """List audit records, newest first, by principal, action, outcome, resource or time

        Reading the audit record is itself audited (``audit.read``).
        """
        filters = {name: query.get(name) for name in ("principal", "action", "outcome", "resource_id", "since", "until")}
        with auth.settings().store.connect() as conn:
            items, total = store.list_audit_records(conn, page=query["page"], per_page=query["per_page"], **filters)
        audit.record(
            "audit.read", outcome="succeeded", status=200,
            details={"filters": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items() if v is not None},
                     "page": query["page"]},
        )
        return {"items": items, "page": query["page"], "per_page": query["per_page"], "total": total}
