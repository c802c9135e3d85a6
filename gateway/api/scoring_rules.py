"""积分制考核细则: the county's rule set for the points assessment, kept as data and
versioned by the day each version takes effect: the starting score, the grade bands,
each category's limits per year, and what each rule is worth.

Served by the scoring service; the rule set is the county's, one for the whole
platform, and carries no personal data.
"""
from flask.views import MethodView

from contracts import scoring
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "scoring_rules", __name__, url_prefix=f"{API_PREFIX}/scoring-rules",
    description="积分制考核细则: the rule set's versions, each in force from its day until the next one's; "
                "points already credited are never revalued",
)


@blp.route("")
class ScoringRules(MethodView):
    @blp.arguments(scoring.RuleSetQuerySchema, location="query")
    @blp.response(200, scoring.RuleSetPageSchema)
    @blp.calls(scoring.SERVICE_NAME)
    @blp.requires(scoring.SCORING_READ, operation_id="listScoringRules")
    def get(self, query):
        """List the rule set's versions, earliest first, each with the day it stops being in force

        ``on``: only the version in force that day.
        """
        return call(scoring.SERVICE_NAME, "list_rule_sets", scoring.RuleSetQuerySchema().dump(query),
                    reply_schema=scoring.RuleSetPageSchema)

    @blp.arguments(scoring.RuleSetCreateSchema)
    @blp.response(201, scoring.RuleSetSchema)
    @blp.calls(
        scoring.SERVICE_NAME,
        (ErrorCode.RULE_SET_RETROACTIVE, "effective_from is before today: credited points are never revalued"),
        (ErrorCode.YEAR_CLOSED, "effective_from falls in a year already graded"),
        (ErrorCode.ALREADY_RECORDED, "a version takes effect on that day already"),
        idempotent=True,
    )
    @blp.requires(scoring.SCORING_RULES_WRITE, operation_id="publishScoringRules",
                  audit_action="scoring_rules.publish", resource_type="rule_set")
    def post(self, rule_set):
        """Publish a new version of the rule set, in force from ``effective_from`` (today or later)

        The whole document each time (a rule left out is worth nothing): the starting score, the bands of
        优秀, 合格 and 警示 (below 警示 is 不合格), the four categories' limits, what each rule is worth and
        the days each follow-up is due. Never an edit: the version before stays in force until the day before.
        Announced as ``rule_set_published``.
        """
        return call(scoring.SERVICE_NAME, "publish_rule_set", scoring.RuleSetCreateSchema().dump(rule_set),
                    reply_schema=scoring.RuleSetSchema)
