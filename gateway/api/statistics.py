"""统计: the county's own figures for any subtree the caller sees, on any day."""
from flask.views import MethodView

from contracts import roster
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "statistics", __name__, url_prefix=f"{API_PREFIX}/statistics",
    description="统计: members by organisation and kind, away members, where they went, and how that grew",
)


@blp.route("")
class Statistics(MethodView):
    @blp.arguments(roster.StatisticsQuerySchema, location="query")
    @blp.response(200, roster.StatisticsSchema)
    @blp.calls(roster.SERVICE_NAME, (ErrorCode.ORGANISATION_NOT_FOUND, "also for an organisation outside the caller's"))
    @blp.requires(roster.MEMBERS_READ, operation_id="getStatistics")
    def get(self, query):
        """The county's figures: members, away members and their share, in county / in province / out of province,
        away members at each year end; lost contact, pocket members and transfers are null until recorded"""
        return call(
            roster.SERVICE_NAME, "county_statistics", roster.StatisticsQuerySchema().dump(query),
            reply_schema=roster.StatisticsSchema,
        )
