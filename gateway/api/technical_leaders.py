"""技术能手, 致富带头人: members who became technical leaders in a field, often after a
training on return. Served by the education service; no personal data."""
from flask.views import MethodView

from contracts import education
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

UNKNOWN_MEMBER = (ErrorCode.UNKNOWN_REFERENCE, "member_id names no member the caller sees")

blp = Blueprint("technical_leaders", __name__, url_prefix=f"{API_PREFIX}/technical-leaders",
                description="技术能手, 致富带头人: members who became technical leaders in a field")


@blp.route("")
class TechnicalLeaders(MethodView):
    @blp.arguments(education.TechnicalLeaderCreateSchema)
    @blp.response(201, education.TechnicalLeaderSchema)
    @blp.calls(education.SERVICE_NAME, UNKNOWN_MEMBER,
                   (ErrorCode.ALREADY_RECORDED, "the member is recorded in this field already"), idempotent=True)
    @blp.requires(education.TRAININGS_WRITE, operation_id="recordTechnicalLeader",
                      audit_action="trainings.record_technical_leader", resource_type="member")
    def post(self, leader):
        """Record that a member became a technical leader in a field (announced as ``technical_leader_recorded``)"""
        return call(education.SERVICE_NAME, "record_technical_leader",
                    education.TechnicalLeaderCreateSchema().dump(leader), reply_schema=education.TechnicalLeaderSchema)

    @blp.arguments(education.TechnicalLeaderQuerySchema, location="query")
    @blp.response(200, education.TechnicalLeaderPageSchema)
    @blp.calls(education.SERVICE_NAME, (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees"))
    @blp.requires(education.EDUCATION_READ, operation_id="listTechnicalLeaders")
    def get(self, query):
        """List the technical leaders of the caller's organisations (or ``organisation_id``'s subtree)"""
        return call(education.SERVICE_NAME, "list_technical_leaders", education.TechnicalLeaderQuerySchema().dump(query),
                    reply_schema=education.TechnicalLeaderPageSchema)
