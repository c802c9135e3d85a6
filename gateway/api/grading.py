"""年度评定: a year's grading once it is over (优秀 90 and above, 合格 70 up to 90, 警示 60
up to 70, 不合格 below 60, by the bands of the rule set in force on 31 December), the
grades it gave, and the follow-up each grade opens: 表彰 for 优秀, a 警示谈话 for 警示,
and for 不合格 the branch's decision (限期整改, 劝退 or 除名), recorded by a person,
never taken by the software.

Served by the scoring service from its own ledger; no personal data.
"""
from flask.views import MethodView

from contracts import scoring
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "grading", __name__, url_prefix=API_PREFIX,
    description="年度评定: grading runs, the grades they gave, and the follow-ups (表彰, 警示谈话, 处置) a person "
                "closes with what was done",
)

UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")
FOLLOW_UP_NOT_FOUND = (ErrorCode.FOLLOW_UP_NOT_FOUND, "also for a follow-up of a member outside the caller's organisations")


@blp.route("/grading-runs")
class GradingRuns(MethodView):
    @blp.arguments(scoring.GradingRunCreateSchema)
    @blp.response(202, scoring.GradingRunSchema)
    @blp.calls(
        scoring.SERVICE_NAME,
        (ErrorCode.YEAR_NOT_OVER, "a year is graded after 31 December"),
        (ErrorCode.YEAR_CLOSED, "the year has been graded, or is being graded, already"),
        (ErrorCode.NO_RULE_SET, "the year ends before the county's first rule set"),
        idempotent=True,
    )
    @blp.requires(scoring.GRADING_WRITE, operation_id="requestGradingRun", audit_action="grading.request_run",
                  resource_type="grading_run")
    def post(self, run):
        """Ask for a year that is over to be graded: 202 Accepted, the run ``requested``

        The year is graded a moment later, in one pass over the ledger, when the run's event
        (``grading_run_requested``) comes back to scoring: each member on the roll gets the year's grade
        (``member_graded``) and its follow-up (``follow_up_opened``), and the run becomes ``completed``
        (``grading_run_completed``). Poll ``GET /grading-runs/{run_id}``. From then on the year is closed:
        no entry, rule change or second run reaches it.
        """
        return call(scoring.SERVICE_NAME, "request_grading_run", scoring.GradingRunCreateSchema().dump(run),
                    reply_schema=scoring.GradingRunSchema)

    @blp.arguments(scoring.PageQuerySchema, location="query")
    @blp.response(200, scoring.GradingRunPageSchema)
    @blp.calls(scoring.SERVICE_NAME)
    @blp.requires(scoring.SCORING_READ, operation_id="listGradingRuns")
    def get(self, query):
        """List the grading runs, latest year first, with how many members each graded in each band"""
        return call(scoring.SERVICE_NAME, "list_grading_runs", scoring.PageQuerySchema().dump(query),
                    reply_schema=scoring.GradingRunPageSchema)


@blp.route("/grading-runs/<uuid:run_id>")
class GradingRun(MethodView):
    @blp.response(200, scoring.GradingRunSchema)
    @blp.calls(scoring.SERVICE_NAME, ErrorCode.GRADING_RUN_NOT_FOUND)
    @blp.requires(scoring.SCORING_READ, operation_id="getGradingRun")
    def get(self, run_id):
        """Get one grading run: ``requested`` while the year is being graded, ``completed`` with its counts after"""
        return call(scoring.SERVICE_NAME, "get_grading_run", str(run_id), reply_schema=scoring.GradingRunSchema)


@blp.route("/grades")
class Grades(MethodView):
    @blp.arguments(scoring.GradeQuerySchema, location="query")
    @blp.response(200, scoring.GradePageSchema)
    @blp.calls(scoring.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(scoring.SCORING_READ, operation_id="listGrades")
    def get(self, query):
        """List a graded year's grades of the caller's organisations (or of a subtree, a member, a grade),
        the lowest score first"""
        return call(scoring.SERVICE_NAME, "list_grades", scoring.GradeQuerySchema().dump(query),
                    reply_schema=scoring.GradePageSchema)


@blp.route("/follow-ups")
class FollowUps(MethodView):
    @blp.arguments(scoring.FollowUpQuerySchema, location="query")
    @blp.response(200, scoring.FollowUpPageSchema)
    @blp.calls(scoring.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(scoring.SCORING_READ, operation_id="listFollowUps")
    def get(self, query):
        """List the follow-ups of the caller's organisations (or of a subtree, a member, a year, a kind, a state),
        earliest due first

        ``overdue=true``: the open follow-ups past their due day, the branch's to-do list.
        """
        return call(scoring.SERVICE_NAME, "list_follow_ups", scoring.FollowUpQuerySchema().dump(query),
                    reply_schema=scoring.FollowUpPageSchema)


@blp.route("/follow-ups/<uuid:follow_up_id>/closure")
class FollowUpClosure(MethodView):
    @blp.arguments(scoring.FollowUpClosureSchema)
    @blp.response(200, scoring.FollowUpSchema)
    @blp.calls(
        scoring.SERVICE_NAME, FOLLOW_UP_NOT_FOUND,
        (ErrorCode.FOLLOW_UP_CLOSED, "the follow-up has been closed already"),
        (ErrorCode.VALIDATION_FAILED,
         "outcome is not one of the follow-up's kind, or closed_on is before the grade was given"),
        idempotent=True,
    )
    @blp.requires(scoring.FOLLOW_UPS_WRITE, operation_id="closeFollowUp", audit_action="grading.close_follow_up",
                  resource_type="follow_up")
    def post(self, closure, follow_up_id):
        """Close a follow-up with what a person did about the grade, once

        表彰 (优秀) closes as ``commended``, 警示谈话 (警示) as ``talk_held``; for 不合格 the branch's decision:
        ``rectification`` by ``rectify_by`` (限期整改), ``persuaded_to_leave`` (劝退) or ``removed`` (除名), with
        who decided it. A follow-up closed after its due day is closed all the same and marked ``overdue``.
        Announced as ``follow_up_closed``.
        """
        return call(scoring.SERVICE_NAME, "close_follow_up", str(follow_up_id),
                    scoring.FollowUpClosureSchema().dump(closure), reply_schema=scoring.FollowUpSchema)
