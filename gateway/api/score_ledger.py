"""积分台账: the points ledger, every line credited from another service's event or
from an approved entry, never edited; a member's running score at any day explained
line by line; the members heading for 警示 or 不合格; and the grades' distribution by
branch, town and county.

Served by the scoring service from its own ledger and projections; a member is an
id, so nothing here is a personal-data read.
"""
from flask.views import MethodView

from contracts import scoring
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "score_ledger", __name__, url_prefix=API_PREFIX,
    description="积分台账: the ledger's lines, a member's score at any day, the members at risk and the "
                "grades' distribution",
)

UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")
NO_RULE_SET = (ErrorCode.NO_RULE_SET, "the day asked about is before the county's first rule set (2015-01-01)")


@blp.route("/score-ledger")
class ScoreLedger(MethodView):
    @blp.arguments(scoring.LedgerQuerySchema, location="query")
    @blp.response(200, scoring.LedgerPageSchema)
    @blp.calls(scoring.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(scoring.SCORING_READ, operation_id="listScoreLedger")
    def get(self, query):
        """List the ledger's lines of the caller's organisations (or of a subtree, a member, a year, a source),
        earliest first

        Each line says which rule it credits and why (``explanation``), what the rule gives (``rule_points``)
        and what was credited (``points``, less when a cap of the period or the category was reached).
        """
        return call(scoring.SERVICE_NAME, "list_ledger_lines", scoring.LedgerQuerySchema().dump(query),
                    reply_schema=scoring.LedgerPageSchema)


@blp.route("/members/<uuid:member_id>/score")
class MemberScore(MethodView):
    @blp.arguments(scoring.StandingQuerySchema, location="query")
    @blp.response(200, scoring.StandingSchema)
    @blp.calls(scoring.SERVICE_NAME,
               (ErrorCode.MEMBER_NOT_FOUND, "also for a member outside the caller's organisations"), NO_RULE_SET)
    @blp.requires(scoring.SCORING_READ, operation_id="getMemberScore")
    def get(self, query, member_id):
        """A member's score on a day (default today): the running score and its band, each category's points
        within its limits, the score the year ends with at this pace, and every line of the year so far

        A member reads their own.
        """
        return call(scoring.SERVICE_NAME, "member_standing", str(member_id), scoring.StandingQuerySchema().dump(query),
                    reply_schema=scoring.StandingSchema)


@blp.route("/score-standings/at-risk")
class MembersAtRisk(MethodView):
    @blp.arguments(scoring.AtRiskQuerySchema, location="query")
    @blp.response(200, scoring.AtRiskPageSchema)
    @blp.calls(scoring.SERVICE_NAME, UNKNOWN_ORGANISATION, NO_RULE_SET)
    @blp.requires(scoring.SCORING_READ, operation_id="listMembersAtRisk")
    def get(self, query):
        """List the members of the caller's organisations (or ``organisation_id``'s subtree) whose pace so far
        ends the year 警示 or 不合格, the lowest projected score first: the branch's list of whom to help"""
        return call(scoring.SERVICE_NAME, "members_at_risk", scoring.AtRiskQuerySchema().dump(query),
                    reply_schema=scoring.AtRiskPageSchema)


@blp.route("/grade-distribution")
class GradeDistribution(MethodView):
    @blp.arguments(scoring.DistributionQuerySchema, location="query")
    @blp.response(200, scoring.DistributionSchema)
    @blp.calls(scoring.SERVICE_NAME, UNKNOWN_ORGANISATION, NO_RULE_SET)
    @blp.requires(scoring.SCORING_READ, operation_id="getGradeDistribution")
    def get(self, query):
        """How many members of a year are 优秀, 合格, 警示 and 不合格, in total and for each organisation directly
        under ``organisation_id`` (default: the caller's organisations)

        Once the year has been graded, its grades (``graded`` true); while it is open, the bands of the running
        scores.
        """
        return call(scoring.SERVICE_NAME, "grade_distribution", scoring.DistributionQuerySchema().dump(query),
                    reply_schema=scoring.DistributionSchema)
