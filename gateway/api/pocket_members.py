"""口袋党员: pocket-member candidates (letters expired unreceived, ID numbers that
match no one on the roll), the sightings that record them and their placement
in a branch.

A candidate's ID number is personal data: masked unless the caller's roles
reveal it, and every answer that shows one in full is audited. Sightings carry
the number in the body, never in a URL.
"""
from flask.views import MethodView

from contracts import roster
from contracts.errors import ErrorCode
from gateway import audit
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "pocket_members", __name__, url_prefix=f"{API_PREFIX}/pocket-members",
    description="口袋党员: pocket-member candidates to work through, and placing one in a branch",
)

NOT_FOUND = (ErrorCode.POCKET_MEMBER_NOT_FOUND, "also for a candidate of an organisation outside the caller's")
UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")


def _audit_read(candidates):
    ids = [candidate["id"] for candidate in candidates if candidate.get("id_number")]
    if ids and audit.revealed():
        audit.record("pocket_members.read", outcome="succeeded", status=200, resource_type="pocket_member",
                     resource_ids=ids, details={"fields": audit.revealed()})


@blp.route("")
class PocketMembers(MethodView):
    @blp.arguments(roster.PocketMemberQuerySchema, location="query")
    @blp.response(200, roster.PocketMemberPageSchema)
    @blp.calls(roster.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(roster.POCKET_MEMBERS_READ, operation_id="listPocketMembers")
    def get(self, query):
        """List pocket-member candidates (口袋党员) of the caller's organisations (or ``organisation_id``'s subtree),
        newest first, by source and state (open, placed, withdrawn)"""
        page = call(roster.SERVICE_NAME, "list_pocket_members", roster.PocketMemberQuerySchema().dump(query),
                    reply_schema=roster.PocketMemberPageSchema)
        _audit_read(page["items"])
        return page


@blp.route("/sightings")
class Sightings(MethodView):
    @blp.arguments(roster.SightingSchema)
    @blp.response(200, roster.SightingResultSchema)
    @blp.calls(roster.SERVICE_NAME, UNKNOWN_ORGANISATION,
               (ErrorCode.SIGHTING_CONFLICT, "the same new number was reported at the same moment: send it again"),
               idempotent=True)
    @blp.requires(
        roster.MEMBERS_WRITE, operation_id="reportSighting", audit_action="pocket_members.report_sighting",
        resource_type="pocket_member",
    )
    def post(self, sighting):
        """Report an ID number that arrived from elsewhere (a check-in, a registration in another place)

        On the roll: ``matched``, nothing recorded (the member is named only to a caller who sees them).
        Otherwise ``candidate``: a new pocket-member candidate of ``organisation_id``, or the same number
        again added to its candidate (``new`` false).
        """
        result = call(roster.SERVICE_NAME, "report_sighting", roster.SightingSchema().dump(sighting),
                      reply_schema=roster.SightingResultSchema)
        if result.get("pocket_member"):
            _audit_read([result["pocket_member"]])
        return result


@blp.route("/<uuid:pocket_member_id>")
class PocketMember(MethodView):
    @blp.response(200, roster.PocketMemberDetailSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND)
    @blp.requires(roster.POCKET_MEMBERS_READ, operation_id="getPocketMember")
    def get(self, pocket_member_id):
        """Get one candidate, with its placement once placed"""
        candidate = call(roster.SERVICE_NAME, "get_pocket_member", str(pocket_member_id),
                         reply_schema=roster.PocketMemberDetailSchema)
        _audit_read([candidate])
        return candidate


@blp.route("/<uuid:pocket_member_id>/placement")
class Placement(MethodView):
    @blp.arguments(roster.PlacementCreateSchema)
    @blp.response(201, roster.PlacementResultSchema)
    @blp.calls(
        roster.SERVICE_NAME, NOT_FOUND,
        (ErrorCode.UNKNOWN_REFERENCE, "branch_id names no organisation the caller sees"),
        (ErrorCode.NOT_A_BRANCH, "branch_id names an organisation that holds no members"),
        (ErrorCode.POCKET_MEMBER_NOT_OPEN, "the candidate was placed already (or withdrawn)"),
        (ErrorCode.TRANSFER_ALREADY_PENDING, "the candidate's member has a pending transfer letter"),
        (ErrorCode.MEMBER_TRANSFERRED_OUT, "the candidate's member was transferred out of the platform"),
        (ErrorCode.DUPLICATE_ID_NUMBER, "the candidate's ID number was registered meanwhile"),
        idempotent=True,
    )
    @blp.requires(
        roster.MEMBERS_WRITE, operation_id="placePocketMember", audit_action="pocket_members.place",
        resource_type="pocket_member",
    )
    def post(self, placement, pocket_member_id):
        """Place a candidate in a branch, closing it

        A candidate from a transfer letter: the member's branch becomes ``branch_id`` (give no registration
        fields). A candidate from an ID number: a member is registered in ``branch_id`` from the candidate's
        name and ID number with ``phone`` and ``joined_on`` (both required). A second placement is a 409.
        """
        return call(roster.SERVICE_NAME, "place_pocket_member", str(pocket_member_id),
                    roster.PlacementCreateSchema().dump(placement), reply_schema=roster.PlacementResultSchema)
