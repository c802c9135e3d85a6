"""安家工程: the projects returnees start at home (返乡创业: the industry, the investment, the
jobs created, the support given), the hometown events (回乡看看, 为家乡绘蓝图), and the
county's outreach figures over a subtree and a period: contacts, visits, problems solved,
jobs found, wages recovered, volunteering, projects, events, cadres, vanguard and members
cultivated.

Served by the outreach service; a member is an id, so nothing here is a personal-data read.
"""
from flask.views import MethodView

from contracts import outreach
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "homecoming_projects", __name__, url_prefix=API_PREFIX,
    description="安家工程: returnees' projects and hometown events, and the county's outreach figures",
)

UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")


@blp.route("/return-projects")
class ReturnProjects(MethodView):
    @blp.arguments(outreach.ProjectCreateSchema)
    @blp.response(201, outreach.ProjectSchema)
    @blp.calls(
        outreach.SERVICE_NAME,
        (ErrorCode.UNKNOWN_REFERENCE, "member_id names no member the caller sees"),
        (ErrorCode.VALIDATION_FAILED, "registered_on is in the future"),
        idempotent=True,
    )
    @blp.requires(outreach.PROJECTS_WRITE, operation_id="registerReturnProject",
                  audit_action="return_projects.register", resource_type="return_project")
    def post(self, project):
        """Register a project a returnee started at home (返乡创业): its name and industry, the day it was registered
        (not in the future), the yuan invested, the jobs it created and the support it was given

        Announced as ``project_registered``.
        """
        return call(outreach.SERVICE_NAME, "register_project", outreach.ProjectCreateSchema().dump(project),
                    reply_schema=outreach.ProjectSchema)

    @blp.arguments(outreach.ListQuerySchema, location="query")
    @blp.response(200, outreach.ProjectPageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listReturnProjects")
    def get(self, query):
        """List the returnees' projects of the caller's organisations (or of a subtree, a member), latest registered
        first"""
        return call(outreach.SERVICE_NAME, "list_projects", outreach.ListQuerySchema().dump(query),
                    reply_schema=outreach.ProjectPageSchema)


@blp.route("/hometown-events")
class HometownEvents(MethodView):
    @blp.arguments(outreach.HometownEventCreateSchema)
    @blp.response(201, outreach.HometownEventSchema)
    @blp.calls(
        outreach.SERVICE_NAME,
        (ErrorCode.UNKNOWN_REFERENCE, (
            "organisation_id names no organisation the caller sees, or member_ids a member they do not see")),
        (ErrorCode.VALIDATION_FAILED, "held_on is in the future"),
        idempotent=True,
    )
    @blp.requires(outreach.PROJECTS_WRITE, operation_id="recordHometownEvent", audit_action="hometown_events.record",
                  resource_type="hometown_event")
    def post(self, event):
        """Record a hometown event an organisation held (not in the future): 回乡看看 or 为家乡绘蓝图, how many took
        part, and the members among them where named (``participants`` is never fewer than those named)

        Announced as ``hometown_event_held``.
        """
        return call(outreach.SERVICE_NAME, "hold_hometown_event", outreach.HometownEventCreateSchema().dump(event),
                    reply_schema=outreach.HometownEventSchema)

    @blp.arguments(outreach.ListQuerySchema, location="query")
    @blp.response(200, outreach.HometownEventPageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listHometownEvents")
    def get(self, query):
        """List the hometown events of the caller's organisations (or of a subtree), latest first"""
        return call(outreach.SERVICE_NAME, "list_hometown_events", outreach.ListQuerySchema().dump(query),
                    reply_schema=outreach.HometownEventPageSchema)


@blp.route("/outreach-figures")
class OutreachFigures(MethodView):
    @blp.arguments(outreach.PeriodQuerySchema, location="query")
    @blp.response(200, outreach.OutreachFiguresSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION,
               (ErrorCode.VALIDATION_FAILED, "from is after to (from defaults to 1 January of to's year)"))
    @blp.requires(outreach.OUTREACH_READ, operation_id="getOutreachFigures")
    def get(self, query):
        """The county's outreach figures for a subtree (default: everything the caller sees) from ``from`` to
        ``to`` (default: this year to today)

        Contacts logged, visits made, help cases closed as solved with the jobs found, disputes settled and wages
        recovered, volunteer activities and hours, returnees' projects with their jobs and investment, hometown
        events, returnees nominated as village or reserve cadres, vanguard designations and candidates admitted.
        """
        return call(outreach.SERVICE_NAME, "outreach_figures", outreach.PeriodQuerySchema().dump(query),
                    reply_schema=outreach.OutreachFiguresSchema)
