"""Batches: a county system loads its roll (or a season's departures) in a few
hundred items per request, each validated and answered on its own."""
from flask.views import MethodView

from contracts import roster
from gateway import audit
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "batches", __name__, url_prefix=f"{API_PREFIX}/members",
    description="Batches of registrations and departure reports: each item answered as its single request would be",
)

@blp.route("/batch")
class MemberBatch(MethodView):
    @blp.arguments(roster.MemberBatchSchema)
    @blp.response(200, roster.MemberBatchResultSchema)
    @blp.calls(roster.SERVICE_NAME, idempotent=True)
    @blp.requires(
        roster.MEMBERS_WRITE, operation_id="registerMembers",
        audit_action="members.register_batch", resource_type="member",
    )
    def post(self, payload):
        """Register up to 500 members at once (a county's roll)

        One answer per item, in order: ``status`` 201 with what was created, or the 4xx status and
        ``error`` its single request would have had (nothing of a refused item is written). The batch
        itself is 422 only when ``items`` is not a list of 1 to 500 objects.
        """
        answer = call(roster.SERVICE_NAME, "register_members", roster.MemberBatchSchema().dump(payload),
                      reply_schema=roster.MemberBatchResultSchema)
        return _audited_items("members.register_batch", answer, "member")


@blp.route("/departures/batch")
class DepartureBatch(MethodView):
    @blp.arguments(roster.DepartureBatchSchema)
    @blp.response(200, roster.DepartureBatchResultSchema)
    @blp.calls(roster.SERVICE_NAME, idempotent=True)
    @blp.requires(
        roster.MOVEMENTS_WRITE, operation_id="reportDepartures",
        audit_action="members.report_departure_batch", resource_type="member",
    )
    def post(self, payload):
        """Report up to 500 departures at once (外出报备), each naming its member_id

        One answer per item, in order: ``status`` 201 with what was created, or the 4xx status and
        ``error`` its single request would have had (nothing of a refused item is written). The batch
        itself is 422 only when ``items`` is not a list of 1 to 500 objects.
        """
        answer = call(roster.SERVICE_NAME, "report_departures", roster.DepartureBatchSchema().dump(payload),
                      reply_schema=roster.DepartureBatchResultSchema)
        return _audited_items("members.report_departure_batch", answer, "departure")


def _audited_items(action, answer, created):
    """The batch's own record (beside the attempted/succeeded pair every write gets) names
    each member it registered or each departure it recorded, and the items it refused."""
    ids = [str(item[created]["member_id" if created == "departure" else "id"]) for item in answer["items"]
           if item["status"] == 201]
    refused = {str(item["index"]): item["error"]["code"] for item in answer["items"] if item["status"] != 201}
    audit.record(f"{action}.items", outcome="succeeded", status=200, resource_type="member", resource_ids=ids,
                 details={"refused": refused} if refused else None)
    return answer
