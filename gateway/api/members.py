"""党员: the members, where they belong and whether they are at home or away.

Personal fields (``contracts.access.PERSONAL_FIELDS``: ID number, birth date,
phone, a departure's contact and address) come back masked unless the caller's
roles reveal them; every answer that shows them in full is audited
(``gateway.audit``), and so is every lookup by ID number and every export.
"""
from datetime import datetime, timezone

from flask import Response
from flask.views import MethodView

from contracts import roster
from contracts.errors import HTTP_STATUS, ErrorCode, ServiceError
from gateway import audit
from gateway.api import API_PREFIX, Blueprint, call
from gateway.xlsx import XLSX_MIMETYPE, members_workbook

blp = Blueprint(
    "members", __name__, url_prefix=f"{API_PREFIX}/members",
    description="党员: members, their home branch and their computed status (正常, 外出, 待报到, 应转接, ...)",
)



@blp.route("")
class Members(MethodView):
    @blp.arguments(roster.MemberQuerySchema, location="query")
    @blp.response(200, roster.MemberPageSchema)
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(roster.MEMBERS_READ, operation_id="listMembers")
    def get(self, query):
        """List members, a page at a time, filtered by organisation subtree, status, membership, gender or name

        Only members of the caller's organisations are listed.
        """
        page = call(
            roster.SERVICE_NAME, "list_members", roster.MemberQuerySchema().dump(query),
            reply_schema=roster.MemberPageSchema,
        )
        audit.personal_data_read("members.list", [member["id"] for member in page["items"]])
        return page

    @blp.arguments(roster.MemberCreateSchema)
    @blp.response(201, roster.MemberSchema)
    @blp.calls(roster.SERVICE_NAME, (ErrorCode.DUPLICATE_ID_NUMBER, "a member with this ID number exists"),
               idempotent=True)
    @blp.requires(
        roster.MEMBERS_WRITE, operation_id="registerMember", audit_action="members.register", resource_type="member",
    )
    def post(self, payload):
        """Register a member in a home branch

        422 ``unknown_reference`` when ``organisation_id`` names no organisation the caller sees,
        ``not_a_branch`` when it names an organisation that holds no members.
        """
        return call(
            roster.SERVICE_NAME, "register_member", roster.MemberCreateSchema().dump(payload),
            reply_schema=roster.MemberSchema,
        )


@blp.route("/<uuid:member_id>")
class Member(MethodView):
    @blp.response(200, roster.MemberSchema)
    @blp.calls(roster.SERVICE_NAME, (ErrorCode.MEMBER_NOT_FOUND, "also for a member outside the caller's organisations"))
    @blp.requires(roster.MEMBERS_READ, operation_id="getMember")
    def get(self, member_id):
        """Get one member, with the current departure when away"""
        member = call(roster.SERVICE_NAME, "get_member", str(member_id), reply_schema=roster.MemberSchema)
        audit.personal_data_read("members.read", [member["id"]])
        return member


@blp.route("/lookup")
class MemberLookup(MethodView):
    @blp.arguments(roster.MemberLookupSchema)
    @blp.response(200, roster.MemberSchema)
    @blp.calls(
        roster.SERVICE_NAME, (ErrorCode.MEMBER_NOT_FOUND, "no member with this ID number among the caller's organisations"),
    )
    @blp.requires(roster.MEMBERS_READ, operation_id="lookupMember")
    def post(self, lookup):
        """Find a member by ID number (exact match)

        The ID number travels in the body so that it never lands in a URL, a proxy's log or the
        access log. Every lookup is audited, found or not, without the ID number.
        """
        try:
            member = call(
                roster.SERVICE_NAME, "find_member_by_id_number", lookup["id_number"],
                reply_schema=roster.MemberSchema,
            )
        except ServiceError as exc:
            audit.record(
                "members.lookup", outcome="failed", status=HTTP_STATUS.get(exc.code, 500), resource_type="member",
                details={"error": exc.code},
            )
            raise
        audit.record(
            "members.lookup", outcome="succeeded", status=200, resource_type="member", resource_ids=[member["id"]],
            details={"fields": audit.revealed()},
        )
        return member


@blp.route("/export")
class MemberExport(MethodView):
    @blp.arguments(roster.MemberExportQuerySchema, location="query")
    @blp.response(
        200, {"type": "string", "format": "binary"}, content_type=XLSX_MIMETYPE,
        description=f"an Excel workbook, one row per member (at most {roster.MAX_EXPORT_ROWS})",
    )
    @blp.calls(
        roster.SERVICE_NAME,
        (ErrorCode.EXPORT_TOO_LARGE, f"more than {roster.MAX_EXPORT_ROWS} members match; narrow the filters"),
    )
    @blp.requires(roster.MEMBERS_EXPORT, operation_id="exportMembers")
    def get(self, query):
        """Export every matching member of the caller's organisations as an .xlsx workbook

        Personal fields are masked exactly as in the JSON answers; 出生日期 is empty where the birth date is
        masked, and 出生年份 is always filled. Text stored before the API refused invisible characters is
        written with each control, bidirectional or zero-width character replaced by U+FFFD (�).
        Every export is audited with its filters and the number of rows, once the workbook is built.
        """
        filters = roster.MemberExportQuerySchema().dump(query)
        try:
            export = call(roster.SERVICE_NAME, "export_members", filters, reply_schema=roster.MemberExportSchema)
        except ServiceError as exc:
            audit.record(
                "members.export", outcome="failed", status=HTTP_STATUS.get(exc.code, 500), resource_type="member",
                details={"filters": filters, "error": exc.code},
            )
            raise
        members = export["items"]
        # The record says the members were exported: only once the workbook exists.
        try:
            workbook = members_workbook(members)
        except Exception:
            audit.record(
                "members.export", outcome="failed", status=500, resource_type="member",
                details={"filters": filters, "error": ErrorCode.INTERNAL_ERROR},
            )
            raise
        audit.record(
            "members.export", outcome="succeeded", status=200, resource_type="member",
            resource_ids=[member["id"] for member in members],
            details={"filters": filters, "rows": len(members), "fields": audit.revealed()},
        )
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        return Response(
            workbook, mimetype=XLSX_MIMETYPE,
            headers={"Content-Disposition": f'attachment; filename="members-{stamp}.xlsx"'},
        )
