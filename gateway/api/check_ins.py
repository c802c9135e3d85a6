"""双报到: a member away checks in at the destination; the host and the home town
confirm it. And the two lists the county works through: members awaiting
check-in (待报到) and members who should transfer their relationship (应转接).

No personal data is answered here (hosts are organisations; the lists carry
names, branches, dates and destinations), so nothing here is a personal-data read.
"""
from flask.views import MethodView

from contracts import roster
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "check_ins", __name__, url_prefix=f"{API_PREFIX}/members",
    description="双报到: check-in at the destination, confirmed by host and home; 待报到 and 应转接 lists",
)

NOT_FOUND = (ErrorCode.MEMBER_NOT_FOUND, "also for a member outside the caller's organisations")
UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")


@blp.route("/<uuid:member_id>/check-ins")
class CheckIns(MethodView):
    @blp.arguments(roster.CheckInReportSchema)
    @blp.response(201, roster.CheckInSchema)
    @blp.calls(
        roster.SERVICE_NAME, NOT_FOUND,
        (ErrorCode.UNKNOWN_REFERENCE, "host_organisation_id names no organisation"),
        (ErrorCode.MEMBER_NOT_AWAY, "the member is at home: no open departure"),
        (ErrorCode.ALREADY_CHECKED_IN, "the member has checked in for this departure already"),
        idempotent=True,
    )
    @blp.requires(
        roster.MOVEMENTS_WRITE, operation_id="reportCheckIn",
        audit_action="members.report_check_in", resource_type="member",
    )
    def post(self, report, member_id):
        """Report a check-in at the destination (双报到), by the member or their branch

        The host is an organisation on the platform (``host_organisation_id``: it is told through
        ``member_checked_in``) or one outside it (``host_name`` and ``host_place``). One check-in per
        departure: a member who moves on reports a return and a new departure.
        """
        return call(
            roster.SERVICE_NAME, "report_check_in", str(member_id), roster.CheckInReportSchema().dump(report),
            reply_schema=roster.CheckInSchema,
        )

    @blp.response(200, roster.CheckInListSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND)
    @blp.requires(roster.MEMBERS_READ, operation_id="listCheckIns")
    def get(self, member_id):
        """Every check-in of a member, oldest first, with its confirmations"""
        return call(roster.SERVICE_NAME, "list_check_ins", str(member_id), reply_schema=roster.CheckInListSchema)


@blp.route("/<uuid:member_id>/check-ins/<uuid:check_in_id>/confirmations")
class CheckInConfirmations(MethodView):
    @blp.arguments(roster.CheckInConfirmationSchema)
    @blp.response(201, roster.CheckInSchema)
    @blp.calls(
        roster.SERVICE_NAME,
        (ErrorCode.CHECK_IN_NOT_FOUND, "also for a check-in neither the member's home side nor the host's sees"),
        (ErrorCode.NOT_THE_CONFIRMING_SIDE, "the caller's organisations are not the side named"),
        (ErrorCode.ALREADY_CONFIRMED, "this side has confirmed already"),
        idempotent=True,
    )
    @blp.requires(
        roster.CHECK_INS_CONFIRM, operation_id="confirmCheckIn",
        audit_action="members.confirm_check_in", resource_type="member",
    )
    def post(self, confirmation, member_id, check_in_id):
        """Confirm a check-in for one side: ``host`` by the host organisation, ``home`` by the member's home town or branch

        For a host outside the platform the home side records the host's confirmation.
        """
        return call(
            roster.SERVICE_NAME, "confirm_check_in", str(member_id), str(check_in_id),
            roster.CheckInConfirmationSchema().dump(confirmation), reply_schema=roster.CheckInSchema,
        )


@blp.route("/awaiting-check-in")
class AwaitingCheckIn(MethodView):
    @blp.arguments(roster.AwayQuerySchema, location="query")
    @blp.response(200, roster.AwayMemberPageSchema)
    @blp.calls(roster.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(roster.MEMBERS_READ, operation_id="listMembersAwaitingCheckIn")
    def get(self, query):
        """Members awaiting check-in (待报到): away the configured number of days or more without a check-in

        ``LIUDONG_CHECK_IN_DUE_DAYS`` (15 by default): one who left on 1 March is listed from 16 March.
        """
        return call(roster.SERVICE_NAME, "members_awaiting_check_in", roster.AwayQuerySchema().dump(query),
                    reply_schema=roster.AwayMemberPageSchema)


@blp.route("/should-transfer")
class ShouldTransfer(MethodView):
    @blp.arguments(roster.AwayQuerySchema, location="query")
    @blp.response(200, roster.AwayMemberPageSchema)
    @blp.calls(roster.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(roster.MEMBERS_READ, operation_id="listMembersWhoShouldTransfer")
    def get(self, query):
        """Members who should transfer their relationship (应转接): away at one place six calendar months or more

        Flagged from six calendar months after ``departed_on``, that day itself included (left 2 March,
        flagged from 2 September; left 31 August, from the last day of February).
        """
        return call(roster.SERVICE_NAME, "members_to_transfer", roster.AwayQuerySchema().dump(query),
                    reply_schema=roster.AwayMemberPageSchema)


@blp.route("/<uuid:member_id>/mobile-member-cards")
class MobileMemberCards(MethodView):
    @blp.arguments(roster.MobileMemberCardIssueSchema)
    @blp.response(201, roster.MobileMemberCardSchema)
    @blp.calls(
        roster.SERVICE_NAME, NOT_FOUND,
        (ErrorCode.UNKNOWN_REFERENCE, "branch_id names no organisation"),
        (ErrorCode.MEMBER_NOT_AWAY, "the member is at home: no open departure"),
        (ErrorCode.CARD_ALREADY_ISSUED, "this departure has its card already"),
        (ErrorCode.ABSENCE_TOO_LONG, "the departure expects no return within six months: transfer instead"),
        idempotent=True,
    )
    @blp.requires(
        roster.MOVEMENTS_WRITE, operation_id="issueMobileMemberCard",
        audit_action="members.issue_mobile_member_card", resource_type="member",
    )
    def post(self, payload, member_id):
        """Issue the mobile-member card (流动党员活动证) for the member's current departure

        Only for an absence under six months (the departure's ``expected_return_on`` before six calendar
        months are up): organisational life and dues at ``branch_id``, no vote there. One card per departure.
        """
        return call(roster.SERVICE_NAME, "issue_mobile_member_card", str(member_id),
                    roster.MobileMemberCardIssueSchema().dump(payload), reply_schema=roster.MobileMemberCardSchema)

    @blp.response(200, roster.MobileMemberCardListSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND)
    @blp.requires(roster.MEMBERS_READ, operation_id="listMobileMemberCards")
    def get(self, member_id):
        """Every card issued to the member, oldest first"""
        return call(roster.SERVICE_NAME, "list_mobile_member_cards", str(member_id),
                    reply_schema=roster.MobileMemberCardListSchema)
