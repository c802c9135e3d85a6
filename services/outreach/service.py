"""The outreach service's entrypoints: roster's events folded into its projection
(a return also schedules a homecoming visit and opens a reserve-cadre review),
scoring's grades (an excellent one schedules a commendation visit), and the RPCs
the gateway calls.

Every RPC but ``ping`` takes the caller's signed context as its last positional
argument (``services.common.rpc.scoped_rpc``) and is checked against outreach's
own projection of the organisation tree and of members: outreach never asks
roster who may see what.
"""
from nameko.dependency_providers import Config

from contracts import outreach as contract
from contracts import outreach_events, roster_events, scoring_events
from contracts.outreach import SERVICE_NAME
from services.common import tree
from services.common.clock import Clock
from services.common.db import Database
from services.common.messaging import idempotent, reliable_event_handler
from services.common.rpc import load, rpc, scoped_rpc
from services.outreach import care, contacts, pairings, projection, projects, reserve
from services.outreach.models import metadata
from services.outreach.usecases import EVENTS

ROSTER = roster_events.SOURCE


class OutreachService(tree.FollowsOrganisationTree):
    name = SERVICE_NAME

    db = Database(metadata, migrations="services.outreach:migrations", events=EVENTS)
    config = Config()

    @property
    def clock(self):
        return Clock.from_config(self.config)

    @rpc
    def ping(self):
        return {"status": "ok"}

    # ---- roster's events: the projection, and what a return sets off -------------------------

    @reliable_event_handler(ROSTER, roster_events.MEMBER_REGISTERED)
    @idempotent()
    def project_member_registered(self, event):
        projection.member_registered(self.db.session, event, self.clock.now())

    @reliable_event_handler(ROSTER, roster_events.MEMBER_DEPARTED)
    @idempotent()
    def project_member_departed(self, event):
        projection.member_departed(self.db.session, event, self.clock.now())

    @reliable_event_handler(ROSTER, roster_events.MEMBER_STATUS_CHANGED)
    @idempotent()
    def project_member_status(self, event):
        projection.member_status_changed(self.db.session, event, self.clock.now())

    @reliable_event_handler(ROSTER, roster_events.MEMBER_TRANSFERRED)
    @idempotent()
    def project_member_transferred(self, event):
        projection.member_transferred(self.db.session, event, self.clock.now())

    @reliable_event_handler(ROSTER, roster_events.MEMBER_RETURNED)
    @idempotent()
    def welcome_home(self, event):
        """A homecoming visit and a reserve-cadre review, each announced with the return as its cause."""
        if projection.member_returned(self.db.session, event, self.clock.now()):
            care.on_return(self.db, event, self.clock)
            reserve.on_return(self.db, event, self.clock)

    # ---- scoring's events ---------------------------------------------------------------------------

    @reliable_event_handler(scoring_events.SOURCE, scoring_events.MEMBER_GRADED)
    @idempotent()
    def commend_excellent(self, event):
        projection.member_graded(self.db.session, event, self.clock.now())
        care.on_excellent_grade(self.db, event, self.clock)

    # ---- its own campaigns, listed when their launch comes back (a county's list outlives any RPC timeout) ----

    @reliable_event_handler(outreach_events.SOURCE, outreach_events.CAMPAIGN_LAUNCHED)
    @idempotent()
    def list_campaign_visits(self, event):
        care.list_campaign(self.db, str(event["data"]["campaign_id"]), self.clock)

    # ---- pairings and the four ones --------------------------------------------------------------

    @scoped_rpc(write=True)
    def form_pairing(self, payload, scope):
        command = load(contract.HelpPairingCreateSchema(), payload)
        return contract.HelpPairingSchema().dump(pairings.form(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_pairings(self, query, scope):
        query = load(contract.HelpPairingQuerySchema(), query)
        return contract.HelpPairingPageSchema().dump(pairings.list_pairings(self.db, query, scope))

    @scoped_rpc
    def get_pairing(self, pairing_id, scope):
        return contract.HelpPairingSchema().dump(pairings.get(self.db, pairing_id, scope))

    @scoped_rpc(write=True)
    def end_pairing(self, pairing_id, payload, scope):
        command = load(contract.HelpPairingEndSchema(), payload)
        return contract.HelpPairingSchema().dump(pairings.end(self.db, pairing_id, command, self.clock, scope))

    @scoped_rpc
    def four_ones(self, query, scope):
        query = load(contract.FourOnesQuerySchema(), query)
        return contract.FourOnesPageSchema().dump(pairings.four_ones(self.db, query, self.clock, scope))

    # ---- the contact log -----------------------------------------------------------------------------

    @scoped_rpc(write=True)
    def log_contact(self, payload, scope):
        command = load(contract.ContactCreateSchema(), payload)
        return contract.ContactSchema().dump(contacts.log(self.db, command, self.clock, scope))

    @scoped_rpc(write=True)
    def log_contacts(self, payload, scope):
        return contract.ContactBatchResultSchema().dump(contacts.log_batch(self.db, payload, self.clock, scope))

    @scoped_rpc
    def list_contacts(self, query, scope):
        query = load(contract.ContactQuerySchema(), query)
        return contract.ContactPageSchema().dump(contacts.list_contacts(self.db, query, self.clock, scope))

    # ---- campaigns and visits ------------------------------------------------------------------------

    @scoped_rpc(write=True)
    def launch_campaign(self, payload, scope):
        command = load(contract.CampaignCreateSchema(), payload)
        return contract.CampaignSchema().dump(care.launch_campaign(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_campaigns(self, query, scope):
        query = load(contract.CampaignQuerySchema(), query)
        return contract.CampaignPageSchema().dump(care.list_campaigns(self.db, query, scope))

    @scoped_rpc
    def get_campaign(self, campaign_id, scope):
        return contract.CampaignSchema().dump(care.get_campaign(self.db, campaign_id, scope))

    @scoped_rpc(write=True)
    def schedule_visit(self, payload, scope):
        command = load(contract.VisitCreateSchema(), payload)
        return contract.VisitSchema().dump(care.schedule_manual_visit(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_visits(self, query, scope):
        query = load(contract.VisitQuerySchema(), query)
        return contract.VisitPageSchema().dump(care.list_visits(self.db, query, self.clock, scope))

    @scoped_rpc
    def get_visit(self, visit_id, scope):
        return contract.VisitSchema().dump(care.get_visit(self.db, visit_id, self.clock, scope))

    @scoped_rpc(write=True)
    def complete_visit(self, visit_id, payload, scope):
        command = load(contract.VisitCompletionSchema(), payload)
        return contract.VisitSchema().dump(care.complete_visit(self.db, visit_id, command, self.clock, scope))

    # ---- help cases and the care service card -------------------------------------------------------

    @scoped_rpc(write=True)
    def open_help_case(self, payload, scope):
        command = load(contract.HelpCaseCreateSchema(), payload)
        return contract.HelpCaseSchema().dump(care.open_case(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_help_cases(self, query, scope):
        query = load(contract.HelpCaseQuerySchema(), query)
        return contract.HelpCasePageSchema().dump(care.list_cases(self.db, query, self.clock, scope))

    @scoped_rpc
    def get_help_case(self, case_id, scope):
        return contract.HelpCaseSchema().dump(care.get_case(self.db, case_id, self.clock, scope))

    @scoped_rpc(write=True)
    def note_help_case(self, case_id, payload, scope):
        command = load(contract.HelpCaseNoteCreateSchema(), payload)
        return contract.HelpCaseSchema().dump(care.note_case(self.db, case_id, command, self.clock, scope))

    @scoped_rpc(write=True)
    def close_help_case(self, case_id, payload, scope):
        command = load(contract.HelpCaseClosureSchema(), payload)
        return contract.HelpCaseSchema().dump(care.close_case(self.db, case_id, command, self.clock, scope))

    @scoped_rpc
    def care_service_card(self, scope):
        return contract.CareServiceCardSchema().dump(care.care_service_card())

    # ---- volunteering, projects, hometown events, figures -------------------------------------------

    @scoped_rpc(write=True)
    def hold_volunteer_activity(self, payload, scope):
        command = load(contract.VolunteerActivityCreateSchema(), payload)
        return contract.VolunteerActivitySchema().dump(projects.hold_activity(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_volunteer_activities(self, query, scope):
        query = load(contract.ListQuerySchema(), query)
        return contract.VolunteerActivityPageSchema().dump(projects.list_activities(self.db, query, scope))

    @scoped_rpc
    def get_volunteer_activity(self, activity_id, scope):
        return contract.VolunteerActivitySchema().dump(projects.get_activity(self.db, activity_id, scope))

    @scoped_rpc(write=True)
    def log_volunteer_service(self, activity_id, payload, scope):
        command = load(contract.VolunteerServiceCreateSchema(), payload)
        return contract.VolunteerServiceSchema().dump(
            projects.log_service(self.db, activity_id, command, self.clock, scope))

    @scoped_rpc
    def list_volunteer_services(self, activity_id, query, scope):
        query = load(contract.ListQuerySchema(), query)
        return contract.VolunteerServicePageSchema().dump(projects.list_services(self.db, activity_id, query, scope))

    @scoped_rpc(write=True)
    def register_project(self, payload, scope):
        command = load(contract.ProjectCreateSchema(), payload)
        return contract.ProjectSchema().dump(projects.register_project(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_projects(self, query, scope):
        query = load(contract.ListQuerySchema(), query)
        return contract.ProjectPageSchema().dump(projects.list_projects(self.db, query, scope))

    @scoped_rpc(write=True)
    def hold_hometown_event(self, payload, scope):
        command = load(contract.HometownEventCreateSchema(), payload)
        return contract.HometownEventSchema().dump(projects.hold_hometown_event(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_hometown_events(self, query, scope):
        query = load(contract.ListQuerySchema(), query)
        return contract.HometownEventPageSchema().dump(projects.list_hometown_events(self.db, query, scope))

    @scoped_rpc
    def outreach_figures(self, query, scope):
        query = load(contract.PeriodQuerySchema(), query)
        return contract.OutreachFiguresSchema().dump(projects.figures(self.db, query, self.clock, scope))

    # ---- reserve reviews, vanguard, cultivation ----------------------------------------------------------

    @scoped_rpc
    def list_reserve_reviews(self, query, scope):
        query = load(contract.ReserveReviewQuerySchema(), query)
        return contract.ReserveReviewPageSchema().dump(reserve.list_reviews(self.db, query, scope))

    @scoped_rpc
    def get_reserve_review(self, review_id, scope):
        return contract.ReserveReviewSchema().dump(reserve.get_review(self.db, review_id, scope))

    @scoped_rpc(write=True)
    def decide_reserve_review(self, review_id, payload, scope):
        command = load(contract.ReserveDecisionSchema(), payload)
        return contract.ReserveReviewSchema().dump(
            reserve.decide_review(self.db, review_id, command, self.clock, scope))

    @scoped_rpc(write=True)
    def designate_vanguard(self, payload, scope):
        command = load(contract.VanguardCreateSchema(), payload)
        return contract.VanguardSchema().dump(reserve.designate(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_vanguard(self, query, scope):
        query = load(contract.VanguardQuerySchema(), query)
        return contract.VanguardPageSchema().dump(reserve.list_vanguard(self.db, query, scope))

    @scoped_rpc(write=True)
    def identify_candidate(self, payload, scope):
        command = load(contract.CandidateCreateSchema(), payload)
        return contract.CandidateSchema().dump(reserve.identify(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_candidates(self, query, scope):
        query = load(contract.CandidateQuerySchema(), query)
        return contract.CandidatePageSchema().dump(reserve.list_candidates(self.db, query, scope))

    @scoped_rpc
    def get_candidate(self, candidate_id, scope):
        return contract.CandidateSchema().dump(reserve.get_candidate(self.db, candidate_id, scope))

    @scoped_rpc(write=True)
    def record_cultivation_step(self, candidate_id, payload, scope):
        command = load(contract.CultivationStepCreateSchema(), payload)
        return contract.CandidateSchema().dump(reserve.record_step(self.db, candidate_id, command, self.clock, scope))
