"""A member's fields changed after registration, and the member timeline: every
movement, check-in, card, transfer, meeting record and field change, with who
recorded it and when (issue 8).

The timeline may carry personal data (a departure's contact and address, a
changed phone number), masked unless the caller's roles reveal it; a read that
shows any in full is audited like a member read.
"""
from flask.views import MethodView

from contracts import roster
from contracts.errors import ErrorCode
from gateway import audit
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "member_timeline", __name__, url_prefix=f"{API_PREFIX}/members",
    description="党员信息变更 and the member timeline: what happened to a member, who recorded it and when",
)

NOT_FOUND = (ErrorCode.MEMBER_NOT_FOUND, "also for a member outside the caller's organisations")


@blp.route("/<uuid:member_id>")
class MemberChanges(MethodView):
    @blp.arguments(roster.MemberUpdateSchema)
    @blp.response(200, roster.MemberSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND, idempotent=True)
    @blp.requires(
        roster.MEMBERS_WRITE, operation_id="updateMember", audit_action="members.update", resource_type="member",
    )
    def patch(self, changes, member_id):
        """Change some of a member's fields: name, gender, phone, joined_on, or membership probationary → full

        Each field that changes is kept in the member's timeline (``field_changed``) with who, when, the old and
        the new value (a phone number masked as in the member), and the change is published as ``member_updated``
        (the fields' names, never their values). A field sent with the value it has changes nothing.
        ``membership`` goes only from probationary to full (转正), with ``full_member_on``: not before one year
        after ``joined_on``, not in the future. ``id_number`` (the member's identity), ``birth_date`` (written in
        it), ``organisation_id`` (a transfer moves a member) and ``status`` (computed) are a 422 naming the field.
        """
        return call(
            roster.SERVICE_NAME, "update_member", str(member_id), roster.MemberUpdateSchema().dump(changes),
            reply_schema=roster.MemberSchema,
        )


@blp.route("/<uuid:member_id>/timeline")
class MemberTimeline(MethodView):
    @blp.arguments(roster.TimelineQuerySchema, location="query")
    @blp.response(200, roster.TimelineSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND)
    @blp.requires(roster.MEMBERS_READ, operation_id="getMemberTimeline")
    def get(self, query, member_id):
        """The member's timeline, oldest first, a page at a time

        Registration, field changes, departures and returns, check-ins and their confirmations,
        mobile-member cards, transfer letters (issued, received, expired), 留党察看 and exclusions from
        "should attend". Each entry: ``at`` (when recorded), ``on`` (the business date), ``kind``, ``by``
        (who recorded it) and its ``details``. Whoever sees the member sees it all; a branch the member has
        left by transfer sees what happened while the member was its own, and both sides of a letter see
        its entries.
        """
        timeline = call(roster.SERVICE_NAME, "member_timeline", str(member_id),
                        roster.TimelineQuerySchema().dump(query), reply_schema=roster.TimelineSchema)
        audit.personal_data_read("members.timeline", [timeline["member_id"]])
        return timeline
