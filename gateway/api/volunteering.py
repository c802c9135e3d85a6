"""志愿服务: a branch's volunteer activities and each member's service at one, in hours,
with the reference of its record in the national volunteer system (全国志愿服务信息系统)
where there is one: that system stays the true total of a member's hours; the county's
figures count what its own activities recorded.

Served by the outreach service; a member is an id, so nothing here is a personal-data read.
"""
from flask.views import MethodView

from contracts import outreach
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "volunteering", __name__, url_prefix=f"{API_PREFIX}/volunteer-activities",
    description="志愿服务: volunteer activities and the hours each member served at them",
)

UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")
ACTIVITY_NOT_FOUND = (ErrorCode.VOLUNTEER_ACTIVITY_NOT_FOUND,
                      "also for an activity of an organisation outside the caller's")


@blp.route("")
class VolunteerActivities(MethodView):
    @blp.arguments(outreach.VolunteerActivityCreateSchema)
    @blp.response(201, outreach.VolunteerActivitySchema)
    @blp.calls(
        outreach.SERVICE_NAME, UNKNOWN_ORGANISATION,
        (ErrorCode.VALIDATION_FAILED, "held_on is in the future"),
        idempotent=True,
    )
    @blp.requires(outreach.PROJECTS_WRITE, operation_id="recordVolunteerActivity",
                  audit_action="volunteering.record_activity", resource_type="volunteer_activity")
    def post(self, activity):
        """Record a volunteer activity an organisation held (not in the future); its volunteers and hours follow,
        one member at a time

        Announced as ``volunteer_activity_held``.
        """
        return call(outreach.SERVICE_NAME, "hold_volunteer_activity",
                    outreach.VolunteerActivityCreateSchema().dump(activity),
                    reply_schema=outreach.VolunteerActivitySchema)

    @blp.arguments(outreach.ListQuerySchema, location="query")
    @blp.response(200, outreach.VolunteerActivityPageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listVolunteerActivities")
    def get(self, query):
        """List the volunteer activities of the caller's organisations (or of a subtree), latest first, each with
        its volunteers and hours"""
        return call(outreach.SERVICE_NAME, "list_volunteer_activities", outreach.ListQuerySchema().dump(query),
                    reply_schema=outreach.VolunteerActivityPageSchema)


@blp.route("/<uuid:activity_id>")
class VolunteerActivity(MethodView):
    @blp.response(200, outreach.VolunteerActivitySchema)
    @blp.calls(outreach.SERVICE_NAME, ACTIVITY_NOT_FOUND)
    @blp.requires(outreach.OUTREACH_READ, operation_id="getVolunteerActivity")
    def get(self, activity_id):
        """Get one volunteer activity, with how many members served and how many hours in all"""
        return call(outreach.SERVICE_NAME, "get_volunteer_activity", str(activity_id),
                    reply_schema=outreach.VolunteerActivitySchema)


@blp.route("/<uuid:activity_id>/services")
class VolunteerServices(MethodView):
    @blp.arguments(outreach.VolunteerServiceCreateSchema)
    @blp.response(201, outreach.VolunteerServiceSchema)
    @blp.calls(
        outreach.SERVICE_NAME, ACTIVITY_NOT_FOUND,
        (ErrorCode.UNKNOWN_REFERENCE, "member_id names no member the caller sees"),
        (ErrorCode.ALREADY_RECORDED, "the member's service at this activity is recorded already"),
        idempotent=True,
    )
    @blp.requires(outreach.PROJECTS_WRITE, operation_id="logVolunteerService",
                  audit_action="volunteering.log_service", resource_type="volunteer_activity")
    def post(self, service, activity_id):
        """Record a member's service at the activity, once: the hours (half an hour to 24, kept to one decimal
        place), and the reference of its record in the national volunteer system where there is one

        Served on the day the activity was held. Announced as ``volunteer_service_logged``.
        """
        return call(outreach.SERVICE_NAME, "log_volunteer_service", str(activity_id),
                    outreach.VolunteerServiceCreateSchema().dump(service),
                    reply_schema=outreach.VolunteerServiceSchema)

    @blp.arguments(outreach.ListQuerySchema, location="query")
    @blp.response(200, outreach.VolunteerServicePageSchema)
    @blp.calls(outreach.SERVICE_NAME, ACTIVITY_NOT_FOUND, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listVolunteerServices")
    def get(self, query, activity_id):
        """List the members' services at the activity that the caller sees (or of a subtree, a member)"""
        return call(outreach.SERVICE_NAME, "list_volunteer_services", str(activity_id),
                    outreach.ListQuerySchema().dump(query), reply_schema=outreach.VolunteerServicePageSchema)
