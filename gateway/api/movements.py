"""外出报备 / 返乡报到: a member's movements, reported as sub-resources of the member."""
from flask.views import MethodView

from contracts import roster
from gateway.access import policy
from gateway.api import API_PREFIX, UNAVAILABLE, Blueprint, call
from gateway.errors import ErrorSchema

blp = Blueprint(
    "movements", __name__, url_prefix=f"{API_PREFIX}/members",
    description="外出报备 and 返乡报到: departure and return reports of a member",
)


@blp.route("/<uuid:member_id>/departures")
class Departures(MethodView):
    @blp.arguments(roster.DepartureReportSchema)
    @blp.response(201, roster.DepartureSchema)
    @blp.alt_response(400, schema=ErrorSchema, description="malformed_json")
    @blp.alt_response(404, schema=ErrorSchema, description="member_not_found (also for a member outside the caller's organisations)")
    @blp.alt_response(409, schema=ErrorSchema, description="member_already_away: the member has a departure without a return")
    @blp.alt_response(503, **UNAVAILABLE)
    @blp.requires(policy.MOVEMENTS_WRITE, audit_action="members.report_departure", resource_type="member")
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
    @blp.alt_response(400, schema=ErrorSchema, description="malformed_json")
    @blp.alt_response(404, schema=ErrorSchema, description="member_not_found (also for a member outside the caller's organisations)")
    @blp.alt_response(503, **UNAVAILABLE)
    @blp.requires(policy.MOVEMENTS_WRITE, audit_action="members.report_return", resource_type="member")
    def post(self, report, member_id):
        """Report a return (返乡报到); answers the departure it closes

        A member who left without reporting gets a departure with ``reported`` false (外出未报备).
        """
        return call(
            roster.SERVICE_NAME, "report_return", str(member_id), roster.ReturnReportSchema().dump(report),
            reply_schema=roster.DepartureSchema,
        )
