"""暖心工程: care campaigns (节日慰问: 元旦, 春节, 七一, 中秋, 重阳) and the visits they list
(外出党员家属, 返乡党员, 困难党员), the visits the platform schedules by itself (返乡走访 when a
member comes home, 表彰走访 for an 优秀 grade), visits a branch schedules by hand, and each
visit recorded once made, which also puts it on the member's record of contacts.

Served by the outreach service from its own records and its projection of roster's
members and returns; a member is an id, so nothing here is a personal-data read.
"""
from flask.views import MethodView

from contracts import outreach
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "care", __name__, url_prefix=API_PREFIX,
    description="暖心工程: care campaigns and the visits they list, homecoming and commendation visits, and each "
                "visit recorded once made",
)

UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")
CAMPAIGN_NOT_FOUND = (ErrorCode.CAMPAIGN_NOT_FOUND, "also for a campaign outside the caller's organisations")
VISIT_NOT_FOUND = (ErrorCode.VISIT_NOT_FOUND, "also for a visit of a member outside the caller's organisations")


@blp.route("/care-campaigns")
class CareCampaigns(MethodView):
    @blp.arguments(outreach.CampaignCreateSchema)
    @blp.response(202, outreach.CampaignSchema)
    @blp.calls(
        outreach.SERVICE_NAME, UNKNOWN_ORGANISATION,
        (ErrorCode.VALIDATION_FAILED, "ends_on is before today"),
        idempotent=True,
    )
    @blp.requires(outreach.CARE_WRITE, operation_id="launchCareCampaign", audit_action="care_campaigns.launch",
                  resource_type="care_campaign")
    def post(self, campaign):
        """Launch a care campaign (慰问) over a subtree, from ``starts_on`` to ``ends_on`` (not before today):
        202 Accepted, the campaign ``listing``

        Its list is made a moment later, when the campaign's ``campaign_launched`` comes back to outreach (a
        county's list outlasts any request): each member of the subtree once, under the first of ``groups`` they
        fall in, ``away_families`` (away now: the family at home is visited), ``returned_members`` (home again
        within the year before ``starts_on``) or ``hardship`` (an open help case); members off the roll are not
        listed. Each listed member gets a visit due on ``ends_on`` (``visit_scheduled``), and the campaign becomes
        ``listed`` (``campaign_listed``). Poll ``GET /care-campaigns/{campaign_id}``.
        """
        return call(outreach.SERVICE_NAME, "launch_campaign", outreach.CampaignCreateSchema().dump(campaign),
                    reply_schema=outreach.CampaignSchema)

    @blp.arguments(outreach.CampaignQuerySchema, location="query")
    @blp.response(200, outreach.CampaignPageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listCareCampaigns")
    def get(self, query):
        """List the campaigns of the caller's organisations (or of a subtree, an occasion), latest start first, each
        with its visits scheduled and made"""
        return call(outreach.SERVICE_NAME, "list_campaigns", outreach.CampaignQuerySchema().dump(query),
                    reply_schema=outreach.CampaignPageSchema)


@blp.route("/care-campaigns/<uuid:campaign_id>")
class CareCampaign(MethodView):
    @blp.response(200, outreach.CampaignSchema)
    @blp.calls(outreach.SERVICE_NAME, CAMPAIGN_NOT_FOUND)
    @blp.requires(outreach.OUTREACH_READ, operation_id="getCareCampaign")
    def get(self, campaign_id):
        """Get one campaign: ``listing`` while its list is being made, then ``listed`` with how many visits it
        scheduled and how many were made (``GET /visits?campaign_id=`` lists them)"""
        return call(outreach.SERVICE_NAME, "get_campaign", str(campaign_id), reply_schema=outreach.CampaignSchema)


@blp.route("/visits")
class Visits(MethodView):
    @blp.arguments(outreach.VisitCreateSchema)
    @blp.response(201, outreach.VisitSchema)
    @blp.calls(
        outreach.SERVICE_NAME,
        (ErrorCode.UNKNOWN_REFERENCE, "member_id names no member the caller sees"),
        (ErrorCode.VALIDATION_FAILED, "due_on is before today"),
        idempotent=True,
    )
    @blp.requires(outreach.CARE_WRITE, operation_id="scheduleVisit", audit_action="visits.schedule",
                  resource_type="visit")
    def post(self, visit):
        """Schedule a visit to a member (其他走访), due on ``due_on`` (not before today), for the ``purpose`` given

        Homecoming visits (返乡走访, within 30 days of a return), commendation visits (表彰走访, for an 优秀
        grade) and a campaign's visits are scheduled by themselves. Announced as ``visit_scheduled``.
        """
        return call(outreach.SERVICE_NAME, "schedule_visit", outreach.VisitCreateSchema().dump(visit),
                    reply_schema=outreach.VisitSchema)

    @blp.arguments(outreach.VisitQuerySchema, location="query")
    @blp.response(200, outreach.VisitPageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listVisits")
    def get(self, query):
        """List the visits of the caller's organisations (or of a subtree, a member, a campaign, a cause, a state),
        earliest due first

        ``state=scheduled``: the visits still to make, the branch's to-do list; each says whether it is ``overdue``.
        """
        return call(outreach.SERVICE_NAME, "list_visits", outreach.VisitQuerySchema().dump(query),
                    reply_schema=outreach.VisitPageSchema)


@blp.route("/visits/<uuid:visit_id>")
class Visit(MethodView):
    @blp.response(200, outreach.VisitSchema)
    @blp.calls(outreach.SERVICE_NAME, VISIT_NOT_FOUND)
    @blp.requires(outreach.OUTREACH_READ, operation_id="getVisit")
    def get(self, visit_id):
        """Get one visit: why it was scheduled, when it is due, and once made when, by whom and what was found"""
        return call(outreach.SERVICE_NAME, "get_visit", str(visit_id), reply_schema=outreach.VisitSchema)


@blp.route("/visits/<uuid:visit_id>/completion")
class VisitCompletion(MethodView):
    @blp.arguments(outreach.VisitCompletionSchema)
    @blp.response(200, outreach.VisitSchema)
    @blp.calls(
        outreach.SERVICE_NAME, VISIT_NOT_FOUND,
        (ErrorCode.ALREADY_RECORDED, "the visit has been recorded already"),
        (ErrorCode.VALIDATION_FAILED, "visited_on is in the future, or before the visit was scheduled"),
        idempotent=True,
    )
    @blp.requires(outreach.CARE_WRITE, operation_id="completeVisit", audit_action="visits.complete",
                  resource_type="visit")
    def post(self, completion, visit_id):
        """Record a visit as made, once: the day, who visited, what was found, said and given

        A visit made after its due day is recorded all the same and stays ``overdue``. It is a contact on the
        member's record too (channel ``visit``). Announced as ``visit_completed`` and ``contact_logged``.
        """
        return call(outreach.SERVICE_NAME, "complete_visit", str(visit_id),
                    outreach.VisitCompletionSchema().dump(completion), reply_schema=outreach.VisitSchema)
