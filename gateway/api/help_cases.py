"""帮扶: a member's problem taken on as a help case (就业, 住房, 子女入学, 医疗救助, 法律援助,
讨薪, 矛盾纠纷) with who handles it and by when, its timeline of notes and moved due days,
and its closure with what came of it (jobs found, disputes settled, wages recovered); and
the care service card (爱心服务卡) of the urban mobile branches, its twelve services.

Served by the outreach service; a case says what the member asked for help with, never
who they are (a member is an id), so nothing here is a personal-data read.
"""
from flask.views import MethodView

from contracts import outreach
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "help_cases", __name__, url_prefix=API_PREFIX,
    description="帮扶: help cases with their timelines and outcomes, and the care service card (爱心服务卡)",
)

UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")
CASE_NOT_FOUND = (ErrorCode.HELP_CASE_NOT_FOUND, "also for a case of a member outside the caller's organisations")


@blp.route("/help-cases")
class HelpCases(MethodView):
    @blp.arguments(outreach.HelpCaseCreateSchema)
    @blp.response(201, outreach.HelpCaseSchema)
    @blp.calls(
        outreach.SERVICE_NAME,
        (ErrorCode.UNKNOWN_REFERENCE, "member_id names no member the caller sees"),
        (ErrorCode.VALIDATION_FAILED, "opened_on is in the future"),
        idempotent=True,
    )
    @blp.requires(outreach.CARE_WRITE, operation_id="openHelpCase", audit_action="help_cases.open",
                  resource_type="help_case")
    def post(self, case):
        """Open a help case for a member: the kind of help, the card's service it falls under (if any), the problem
        as the member put it, who handles it (a person, the "workers' home", a town office), when it was opened
        (not in the future) and by when it is due

        Announced as ``help_case_opened``.
        """
        return call(outreach.SERVICE_NAME, "open_help_case", outreach.HelpCaseCreateSchema().dump(case),
                    reply_schema=outreach.HelpCaseSchema)

    @blp.arguments(outreach.HelpCaseQuerySchema, location="query")
    @blp.response(200, outreach.HelpCasePageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listHelpCases")
    def get(self, query):
        """List the help cases of the caller's organisations (or of a subtree, a member, a kind, a state), latest
        opened first, without their timelines

        ``overdue=true``: the open cases past their due day.
        """
        return call(outreach.SERVICE_NAME, "list_help_cases", outreach.HelpCaseQuerySchema().dump(query),
                    reply_schema=outreach.HelpCasePageSchema)


@blp.route("/help-cases/<uuid:case_id>")
class HelpCase(MethodView):
    @blp.response(200, outreach.HelpCaseSchema)
    @blp.calls(outreach.SERVICE_NAME, CASE_NOT_FOUND)
    @blp.requires(outreach.OUTREACH_READ, operation_id="getHelpCase")
    def get(self, case_id):
        """Get one help case with its timeline: opened, each note, each due day moved, closed; by day, then in the
        order recorded"""
        return call(outreach.SERVICE_NAME, "get_help_case", str(case_id), reply_schema=outreach.HelpCaseSchema)


@blp.route("/help-cases/<uuid:case_id>/notes")
class HelpCaseNotes(MethodView):
    @blp.arguments(outreach.HelpCaseNoteCreateSchema)
    @blp.response(201, outreach.HelpCaseSchema)
    @blp.calls(
        outreach.SERVICE_NAME, CASE_NOT_FOUND,
        (ErrorCode.HELP_CASE_CLOSED, "the case has been closed: its timeline is complete"),
        (ErrorCode.VALIDATION_FAILED, "noted_on is in the future or before the case opened, or due_on before noted_on"),
        idempotent=True,
    )
    @blp.requires(outreach.CARE_WRITE, operation_id="addHelpCaseNote", audit_action="help_cases.note",
                  resource_type="help_case")
    def post(self, note, case_id):
        """Add a dated note to an open case's timeline; with ``due_on``, the case is due on that day from then on

        Answers the case with its timeline. Announced as ``help_case_noted``.
        """
        return call(outreach.SERVICE_NAME, "note_help_case", str(case_id),
                    outreach.HelpCaseNoteCreateSchema().dump(note), reply_schema=outreach.HelpCaseSchema)


@blp.route("/help-cases/<uuid:case_id>/closure")
class HelpCaseClosure(MethodView):
    @blp.arguments(outreach.HelpCaseClosureSchema)
    @blp.response(200, outreach.HelpCaseSchema)
    @blp.calls(
        outreach.SERVICE_NAME, CASE_NOT_FOUND,
        (ErrorCode.HELP_CASE_CLOSED, "the case has been closed already"),
        (ErrorCode.VALIDATION_FAILED, "closed_on is in the future or before the case opened"),
        idempotent=True,
    )
    @blp.requires(outreach.CARE_WRITE, operation_id="closeHelpCase", audit_action="help_cases.close",
                  resource_type="help_case")
    def post(self, closure, case_id):
        """Close a case, once: the day, the outcome (``solved``, ``referred``, ``unsolved``), a note, and what came
        of it (yuan recovered for the member, jobs found, disputes settled), which count in the county's figures

        A case closed after its due day is closed all the same and stays ``overdue``. Announced as
        ``help_case_closed``.
        """
        return call(outreach.SERVICE_NAME, "close_help_case", str(case_id),
                    outreach.HelpCaseClosureSchema().dump(closure), reply_schema=outreach.HelpCaseSchema)


@blp.route("/care-service-card")
class CareServiceCard(MethodView):
    @blp.response(200, outreach.CareServiceCardSchema)
    @blp.calls(outreach.SERVICE_NAME)
    @blp.requires(outreach.OUTREACH_READ, operation_id="getCareServiceCard")
    def get(self):
        """The care service card (爱心服务卡) of the urban mobile branches: its twelve services, each a key a help
        case may name (``care_service``) and its name on the card"""
        return call(outreach.SERVICE_NAME, "care_service_card", reply_schema=outreach.CareServiceCardSchema)
