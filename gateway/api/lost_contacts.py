"""失联: members the branch can no longer reach, reported with the search efforts made;
what the rules then propose (停止党籍 after six months, 除名 two years after that), the
confirmation of a proposal by the committee above, and contact restored, which reverses them.

No personal data is answered here (search efforts say what was tried, not where or whom to
call), so nothing here is a personal-data read.
"""
from flask.views import MethodView

from contracts import roster
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "lost_contacts", __name__, url_prefix=f"{API_PREFIX}/members",
    description="失联: lost contact with its search efforts; 停止党籍 and 除名 proposed, confirmed, reversed",
)

NOT_FOUND = (ErrorCode.MEMBER_NOT_FOUND, "also for a member outside the caller's organisations")
REMOVED = (ErrorCode.MEMBER_REMOVED, "the member has been removed (除名)")


@blp.route("/<uuid:member_id>/lost-contact")
class LostContact(MethodView):
    @blp.arguments(roster.LostContactReportSchema)
    @blp.response(201, roster.LostContactSchema)
    @blp.calls(
        roster.SERVICE_NAME, NOT_FOUND, REMOVED,
        (ErrorCode.ALREADY_LOST_CONTACT, "contact with the member is already reported lost"),
        (ErrorCode.MEMBER_TRANSFERRED_OUT, "the member's relationship has been transferred out"),
        idempotent=True,
    )
    @blp.requires(
        roster.LOST_CONTACT_WRITE, operation_id="reportLostContact",
        audit_action="members.report_lost_contact", resource_type="member",
    )
    def post(self, report, member_id):
        """Report that contact with the member is lost (失联), with the search efforts made

        ``lost_since`` is the day of the last contact; every search effort is dated between it and today.
        Suspension (停止党籍) is proposed from six calendar months after ``lost_since``.
        """
        return call(roster.SERVICE_NAME, "report_lost_contact", str(member_id),
                    roster.LostContactReportSchema().dump(report), reply_schema=roster.LostContactSchema)

    @blp.response(200, roster.LostContactListSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND)
    @blp.requires(roster.MEMBERS_READ, operation_id="listLostContacts")
    def get(self, member_id):
        """Every spell of lost contact of the member, oldest first, with its decisions and what is proposed today"""
        return call(roster.SERVICE_NAME, "list_lost_contacts", str(member_id),
                    reply_schema=roster.LostContactListSchema)


@blp.route("/<uuid:member_id>/lost-contact/restoration")
class ContactRestoration(MethodView):
    @blp.arguments(roster.ContactRestorationSchema)
    @blp.response(201, roster.LostContactSchema)
    @blp.calls(
        roster.SERVICE_NAME, NOT_FOUND, REMOVED,
        (ErrorCode.NOT_LOST_CONTACT, "contact with the member is not reported lost"),
        idempotent=True,
    )
    @blp.requires(
        roster.LOST_CONTACT_WRITE, operation_id="restoreContact",
        audit_action="members.restore_contact", resource_type="member",
    )
    def post(self, restoration, member_id):
        """Record that contact with the member is back: the spell closes, and a confirmed suspension is reversed

        A removal (除名) is final and is not reversed: restoring contact with a removed member is refused.
        """
        return call(roster.SERVICE_NAME, "restore_contact", str(member_id),
                    roster.ContactRestorationSchema().dump(restoration), reply_schema=roster.LostContactSchema)


@blp.route("/<uuid:member_id>/membership-decisions")
class MembershipDecisions(MethodView):
    @blp.arguments(roster.MembershipDecisionCreateSchema)
    @blp.response(201, roster.MembershipDecisionSchema)
    @blp.calls(
        roster.SERVICE_NAME, NOT_FOUND,
        (ErrorCode.NO_PROPOSAL, "the rules do not propose this on that date (not lost, not yet due, or decided)"),
        idempotent=True,
    )
    @blp.requires(
        roster.MEMBERSHIP_DECIDE, operation_id="decideMembership",
        audit_action="members.decide_membership", resource_type="member",
    )
    def post(self, decision, member_id):
        """Confirm a proposal for a member whose contact is lost: suspension (停止党籍) or removal (除名)

        Suspension is proposed from six calendar months after contact was lost; removal from two calendar
        years after the suspension. ``decided_on`` (today by default) must fall on or after that day.
        """
        return call(roster.SERVICE_NAME, "decide_membership", str(member_id),
                    roster.MembershipDecisionCreateSchema().dump(decision),
                    reply_schema=roster.MembershipDecisionSchema)


@blp.route("/lost-contact")
class LostMembers(MethodView):
    @blp.arguments(roster.LostContactQuerySchema, location="query")
    @blp.response(200, roster.LostMemberPageSchema)
    @blp.calls(roster.SERVICE_NAME, (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees"))
    @blp.requires(roster.MEMBERS_READ, operation_id="listLostMembers")
    def get(self, query):
        """Members whose contact is lost (失联党员), lost longest first, with what is proposed for each today

        ``proposal=suspension`` (or ``removal``) lists only those for whom it is due: the list to confirm.
        """
        return call(roster.SERVICE_NAME, "lost_members", roster.LostContactQuerySchema().dump(query),
                    reply_schema=roster.LostMemberPageSchema)
