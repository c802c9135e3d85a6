"""The outreach service's events, on the exchange ``outreach.events``.

Every effect outreach has is one of these, through its outbox: each contact
logged (whichever track it came from), each visit scheduled and made, each help
case opened and closed, each volunteer service, returnee's project and hometown
event, each reserve-cadre review opened and decided, each vanguard designation,
each pairing and each step of a candidate's cultivation. What a return sets off
here (a visit and a reserve review) is two events whose ``cause_event_id`` names
roster's ``member_returned``, so that a subscriber sees the whole chain.
``organisation_id`` is always the member's home branch (or the organisation
that holds the activity), so that a subscriber can tell the subtree without
asking anyone.
"""
from marshmallow import Schema, fields

SOURCE = "outreach"

PAIRING_FORMED = "pairing_formed"
PAIRING_ENDED = "pairing_ended"
CONTACT_LOGGED = "contact_logged"
CAMPAIGN_LAUNCHED = "campaign_launched"
CAMPAIGN_LISTED = "campaign_listed"
VISIT_SCHEDULED = "visit_scheduled"
VISIT_COMPLETED = "visit_completed"
HELP_CASE_OPENED = "help_case_opened"
HELP_CASE_NOTED = "help_case_noted"
HELP_CASE_CLOSED = "help_case_closed"
VOLUNTEER_ACTIVITY_HELD = "volunteer_activity_held"
VOLUNTEER_SERVICE_LOGGED = "volunteer_service_logged"
PROJECT_REGISTERED = "project_registered"
HOMETOWN_EVENT_HELD = "hometown_event_held"
RESERVE_REVIEW_OPENED = "reserve_review_opened"
RESERVE_CADRE_NOMINATED = "reserve_cadre_nominated"
RESERVE_REVIEW_DECLINED = "reserve_review_declined"
VANGUARD_DESIGNATED = "vanguard_designated"
CANDIDATE_IDENTIFIED = "candidate_identified"
CULTIVATION_STEP_RECORDED = "cultivation_step_recorded"


class PairingFormedV1(Schema):
    """A branch committee member (``cadre_member_id``) keeps in touch with ``member_ids``: 1+1 or 1+N, the
    four ones due every ``period``."""

    pairing_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    cadre_member_id = fields.UUID(required=True)
    member_ids = fields.List(fields.UUID(), required=True)
    period = fields.Str(required=True)
    starts_on = fields.Date(required=True)


class PairingEndedV1(Schema):
    pairing_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    ended_on = fields.Date(required=True)


class ContactLoggedV1(Schema):
    """One contact with a member (phone, text, mail, letter, visit, online_chat), once however often it was
    recorded. ``four_one`` is the item of the four ones it keeps (phone_call, text_message, study_material,
    letter), if any; ``source`` the track it came from (logged, visit, help_case)."""

    contact_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    channel = fields.Str(required=True)
    four_one = fields.Str(allow_none=True, load_default=None)
    occurred_at = fields.DateTime(required=True)
    pairing_id = fields.UUID(allow_none=True, load_default=None)
    follow_up_needed = fields.Bool(required=True)
    source = fields.Str(required=True)


class CampaignLaunchedV1(Schema):
    """A care campaign (慰问) was launched; outreach lists whom it visits when this arrives (a county's
    list outlasts any RPC timeout), then announces each visit and ``campaign_listed``."""

    campaign_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    occasion = fields.Str(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    groups = fields.List(fields.Str(), required=True)


class CampaignListedV1(Schema):
    """A campaign's visits are scheduled: ``visits`` of them."""

    campaign_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    visits = fields.Int(required=True)


class VisitScheduledV1(Schema):
    """A visit is due: ``cause`` homecoming (``cause_event_id`` is roster's member_returned), campaign,
    commendation (scoring's member_graded) or manual."""

    visit_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    cause = fields.Str(required=True)
    cause_event_id = fields.UUID(allow_none=True, load_default=None)
    campaign_id = fields.UUID(allow_none=True, load_default=None)
    due_on = fields.Date(required=True)


class VisitCompletedV1(Schema):
    visit_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    cause = fields.Str(required=True)
    visited_on = fields.Date(required=True)
    overdue = fields.Bool(required=True)


class HelpCaseOpenedV1(Schema):
    help_case_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    care_service = fields.Str(allow_none=True, load_default=None)
    opened_on = fields.Date(required=True)
    due_on = fields.Date(required=True)


class HelpCaseNotedV1(Schema):
    """A step on a help case's timeline; ``due_on`` when the due date moved."""

    help_case_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    noted_on = fields.Date(required=True)
    due_on = fields.Date(allow_none=True, load_default=None)


class HelpCaseClosedV1(Schema):
    """A help case done: ``outcome`` solved, referred or unsolved, with what it recovered and found."""

    help_case_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    outcome = fields.Str(required=True)
    closed_on = fields.Date(required=True)
    overdue = fields.Bool(required=True)
    money_recovered = fields.Decimal(required=True, places=2, as_string=True)
    jobs_found = fields.Int(required=True)
    disputes_settled = fields.Int(required=True)


class VolunteerActivityHeldV1(Schema):
    activity_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    held_on = fields.Date(required=True)


class VolunteerServiceLoggedV1(Schema):
    """A member served at a volunteer activity; ``national_record_ref`` names the record in the national
    volunteer system, which stays the true total of the member's hours."""

    service_id = fields.UUID(required=True)
    activity_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    served_on = fields.Date(required=True)
    hours = fields.Decimal(required=True, places=1, as_string=True)
    national_record_ref = fields.Str(allow_none=True, load_default=None)


class ProjectRegisteredV1(Schema):
    """A returnee's project at home (返乡创业): investment in yuan and the jobs it created."""

    project_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    registered_on = fields.Date(required=True)
    investment = fields.Decimal(required=True, places=2, as_string=True)
    jobs_created = fields.Int(required=True)


class HometownEventHeldV1(Schema):
    """A "hometown visit" (回乡看看) or "blueprint for my hometown" (为家乡绘蓝图) event."""

    hometown_event_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    held_on = fields.Date(required=True)
    participants = fields.Int(required=True)


class ReserveReviewOpenedV1(Schema):
    """A returnee is to be considered as a village or reserve cadre; ``cause_event_id`` is roster's
    member_returned."""

    review_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    opened_on = fields.Date(required=True)
    cause_event_id = fields.UUID(allow_none=True, load_default=None)


class ReserveCadreNominatedV1(Schema):
    """The review's decision: ``role`` village_cadre (村干部) or reserve_cadre (后备干部)."""

    review_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    role = fields.Str(required=True)
    decided_on = fields.Date(required=True)


class ReserveReviewDeclinedV1(Schema):
    """The review's decision: not now (暂不推荐)."""

    review_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    decided_on = fields.Date(required=True)


class VanguardDesignatedV1(Schema):
    """A Party-member post (党员先锋岗) or Party-member business (党员经营户)."""

    designation_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    designated_on = fields.Date(required=True)


class CandidateIdentifiedV1(Schema):
    candidate_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    identified_on = fields.Date(required=True)


class CultivationStepRecordedV1(Schema):
    """A step of two-way cultivation: inspection and public notice at home and at the host, then admission
    (or the end of it)."""

    candidate_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    step = fields.Str(required=True)
    on = fields.Date(required=True)


SCHEMAS = {
    (PAIRING_FORMED, 1): PairingFormedV1,
    (PAIRING_ENDED, 1): PairingEndedV1,
    (CONTACT_LOGGED, 1): ContactLoggedV1,
    (CAMPAIGN_LAUNCHED, 1): CampaignLaunchedV1,
    (CAMPAIGN_LISTED, 1): CampaignListedV1,
    (VISIT_SCHEDULED, 1): VisitScheduledV1,
    (VISIT_COMPLETED, 1): VisitCompletedV1,
    (HELP_CASE_OPENED, 1): HelpCaseOpenedV1,
    (HELP_CASE_NOTED, 1): HelpCaseNotedV1,
    (HELP_CASE_CLOSED, 1): HelpCaseClosedV1,
    (VOLUNTEER_ACTIVITY_HELD, 1): VolunteerActivityHeldV1,
    (VOLUNTEER_SERVICE_LOGGED, 1): VolunteerServiceLoggedV1,
    (PROJECT_REGISTERED, 1): ProjectRegisteredV1,
    (HOMETOWN_EVENT_HELD, 1): HometownEventHeldV1,
    (RESERVE_REVIEW_OPENED, 1): ReserveReviewOpenedV1,
    (RESERVE_CADRE_NOMINATED, 1): ReserveCadreNominatedV1,
    (RESERVE_REVIEW_DECLINED, 1): ReserveReviewDeclinedV1,
    (VANGUARD_DESIGNATED, 1): VanguardDesignatedV1,
    (CANDIDATE_IDENTIFIED, 1): CandidateIdentifiedV1,
    (CULTIVATION_STEP_RECORDED, 1): CultivationStepRecordedV1,
}

UPCASTERS = {}
