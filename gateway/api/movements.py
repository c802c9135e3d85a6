"""外出报备 / 返乡报到: a member's movements, reported as sub-resources of the member."""
from flask.views import MethodView

from contracts import roster
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "movements", __name__, url_prefix=f"{API_PREFIX}/members",
    description="外出报备 and 返乡报到: departure and return reports of a member",
)

NOT_FOUND = (ErrorCode.MEMBER_NOT_FOUND, "also for a member outside the caller's organisations")


@blp.route("/<uuid:member_id>/departures")
class Departures(MethodView):
    @blp.arguments(roster.DepartureReportSchema)
    @blp.response(201, roster.DepartureSchema)
    @blp.calls(
        roster.SERVICE_NAME, NOT_FOUND,
        (ErrorCode.MEMBER_ALREADY_AWAY, "the member has a departure without a return"),
        (ErrorCode.OVERLAPPING_MOVEMENT, "departed_on is before the member's last return"), idempotent=True,
    )
    @blp.requires(
        roster.MOVEMENTS_WRITE, operation_id="reportDeparture",
        audit_action="members.report_departure", resource_type="member",
    )
    def post(self, report, member_id):
        """Report a departure (外出报备): where to, what work, how long, how to reach the member"""
        return call(
            roster.SERVICE_NAME, "report_departure", str(member_id), roster.DepartureReportSchema().dump(report),
            reply_schema=roster.DepartureSchema,
        )


@blp.route("/<uuid:member_id>/returns")
class Returns(MethodView):
    @blp.arguments(roster.ReturnReportSchema)
    @blp.response(201, roster.DepartureSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND,
               (ErrorCode.OVERLAPPING_MOVEMENT, "a return never reported as a departure, dated before the last return"),
               idempotent=True)
    @blp.requires(
        roster.MOVEMENTS_WRITE, operation_id="reportReturn",
        audit_action="members.report_return", resource_type="member",
    )
    def post(self, report, member_id):
        """Report a return (返乡报到); answers the departure it closes

        A member who left without reporting gets a departure with ``reported`` false (外出未报备).
        """
        return call(
            roster.SERVICE_NAME, "report_return", str(member_id), roster.ReturnReportSchema().dump(report),
            reply_schema=roster.DepartureSchema,
        )
