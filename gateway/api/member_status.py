"""A member's computed status: its history (the member's own record already carries the
current status). Status is derived from the history and the clock, never typed, so there is
nothing here to write. No personal data is answered."""
from flask.views import MethodView

from contracts import roster
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "member_status", __name__, url_prefix=f"{API_PREFIX}/members",
    description="状态: a member's computed status and its history",
)


@blp.route("/<uuid:member_id>/status-history")
class MemberStatusHistory(MethodView):
    @blp.response(200, roster.MemberStatusHistorySchema)
    @blp.calls(roster.SERVICE_NAME, (ErrorCode.MEMBER_NOT_FOUND, "also for a member outside the caller's organisations"))
    @blp.requires(roster.MEMBERS_READ, operation_id="getMemberStatusHistory")
    def get(self, member_id):
        """Every change of a member's computed status, oldest first: what it became, from what, since
        when, and what caused it (an event type, or the clock)"""
        return call(roster.SERVICE_NAME, "member_status_history", str(member_id),
                    reply_schema=roster.MemberStatusHistorySchema)
