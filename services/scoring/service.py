"""The scoring service's entrypoints: roster's, education's and outreach's events credited
to the ledger (and roster's folded into the projection), its own grading-run
request graded when it comes back, and the RPCs the gateway calls.

Every RPC but ``ping`` takes the caller's signed context as its last positional
argument (``services.common.rpc.scoped_rpc``) and is checked against scoring's
own projection of the organisation tree and of members: scoring never asks
roster who may see what, and grading never calls another service.
"""
from nameko.dependency_providers import Config

from contracts import education_events, outreach_events, roster_events, scoring_events
from contracts import scoring as contract
from contracts.scoring import SERVICE_NAME
from services.common import tree
from services.common.clock import Clock
from services.common.db import Database
from services.common.messaging import idempotent, reliable_event_handler
from services.common.rpc import load, rpc, scoped_rpc
from services.scoring import (
    grading,
    ledger,
    projection,
    rule_sets,
    score_entries,
    standings,
)
from services.scoring.models import metadata
from services.scoring.usecases import EVENTS

ROSTER = roster_events.SOURCE
EDUCATION = education_events.SOURCE
OUTREACH = outreach_events.SOURCE


class ScoringService(tree.FollowsOrganisationTree):
    name = SERVICE_NAME

    db = Database(metadata, migrations="services.scoring:migrations", events=EVENTS)
    config = Config()

    @property
    def clock(self):
        return Clock.from_config(self.config)

    @rpc
    def ping(self):
        return {"status": "ok"}

    # ---- roster's events: the projection, and the duties they show ---------------------

    @reliable_event_handler(ROSTER, roster_events.MEMBER_REGISTERED)
    @idempotent()
    def project_member_registered(self, event):
        projection.member_registered(self.db.session, event, self.clock.day_of(event["occurred_at"]), self.clock.now())

    @reliable_event_handler(ROSTER, roster_events.MEMBER_DEPARTED)
    @idempotent()
    def credit_departure(self, event):
        absence = projection.member_departed(self.db.session, event, self.clock.now())
        ledger.on_departure(self.db, self.clock, event, self.clock.day_of(event["occurred_at"]), absence)

    @reliable_event_handler(ROSTER, roster_events.MEMBER_CHECKED_IN)
    @idempotent()
    def credit_check_in(self, event):
        absence = projection.member_checked_in(self.db.session, event, self.clock.now())
        ledger.on_check_in(self.db, self.clock, absence)

    @reliable_event_handler(ROSTER, roster_events.MEMBER_RETURNED)
    @idempotent()
    def credit_return(self, event):
        ledger.on_return(self.db, self.clock, event)

    @reliable_event_handler(ROSTER, roster_events.MEMBER_STATUS_CHANGED)
    @idempotent()
    def project_member_status(self, event):
        projection.member_status_changed(self.db.session, event, self.clock.now())

    @reliable_event_handler(ROSTER, roster_events.MEMBER_TRANSFERRED)
    @idempotent()
    def project_member_transferred(self, event):
        projection.member_transferred(self.db.session, event, self.clock.now())

    # ---- education's events: organisational life and duties ------------------------------

    @reliable_event_handler(EDUCATION, education_events.TALK_COMPLETED)
    @idempotent()
    def credit_talk(self, event):
        ledger.on_talk_completed(self.db, self.clock, event)

    @reliable_event_handler(EDUCATION, education_events.STUDY_RECORDED)
    @idempotent()
    def credit_study(self, event):
        ledger.on_study_recorded(self.db, self.clock, event)

    @reliable_event_handler(EDUCATION, education_events.SESSION_ATTENDED)
    @idempotent()
    def credit_session_attendance(self, event):
        ledger.on_attendance(self.db, self.clock, event, "session_attended")

    @reliable_event_handler(EDUCATION, education_events.TRAINING_ATTENDED)
    @idempotent()
    def credit_training_attendance(self, event):
        ledger.on_attendance(self.db, self.clock, event, "training_attended")

    # ---- outreach's events: the role played --------------------------------------------------------
    # (A help case closed is help the member received, not help they gave: it earns nothing.)

    @reliable_event_handler(OUTREACH, outreach_events.VOLUNTEER_SERVICE_LOGGED)
    @idempotent()
    def credit_volunteer_service(self, event):
        ledger.on_volunteer_service(self.db, self.clock, event)

    @reliable_event_handler(OUTREACH, outreach_events.CONTACT_LOGGED)
    @idempotent()
    def credit_contact_kept(self, event):
        ledger.on_contact_logged(self.db, self.clock, event)

    # ---- its own request, graded when it comes back (the run outlives any RPC timeout) ----

    @reliable_event_handler(scoring_events.SOURCE, scoring_events.GRADING_RUN_REQUESTED)
    @idempotent()
    def grade_year(self, event):
        grading.grade_year(self.db, event["data"]["run_id"], self.clock)

    # ---- the rule set ------------------------------------------------------------------------

    @scoped_rpc
    def list_rule_sets(self, query, scope):
        query = load(contract.RuleSetQuerySchema(), query)
        return contract.RuleSetPageSchema().dump(rule_sets.list_rule_sets(self.db, query))

    @scoped_rpc(write=True)
    def publish_rule_set(self, payload, scope):
        command = load(contract.RuleSetCreateSchema(), payload)
        return contract.RuleSetSchema().dump(rule_sets.publish(self.db, command, self.clock, scope))

    # ---- the ledger and standings ----------------------------------------------------------------

    @scoped_rpc
    def list_ledger_lines(self, query, scope):
        query = load(contract.LedgerQuerySchema(), query)
        return contract.LedgerPageSchema().dump(ledger.list_lines(self.db, query, scope))

    @scoped_rpc
    def member_standing(self, member_id, query, scope):
        query = load(contract.StandingQuerySchema(), query)
        return contract.StandingSchema().dump(
            standings.member_standing(self.db, member_id, query, self.clock, scope))

    @scoped_rpc
    def members_at_risk(self, query, scope):
        query = load(contract.AtRiskQuerySchema(), query)
        return contract.AtRiskPageSchema().dump(standings.at_risk(self.db, query, self.clock, scope))

    @scoped_rpc
    def grade_distribution(self, query, scope):
        query = load(contract.DistributionQuerySchema(), query)
        return contract.DistributionSchema().dump(standings.distribution(self.db, query, self.clock, scope))

    # ---- manual entries and their approval ------------------------------------------------------

    @scoped_rpc(write=True)
    def submit_score_entry(self, payload, scope):
        command = load(contract.ScoreEntryCreateSchema(), payload)
        return contract.ScoreEntrySchema().dump(score_entries.submit(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_score_entries(self, query, scope):
        query = load(contract.ScoreEntryQuerySchema(), query)
        return contract.ScoreEntryPageSchema().dump(score_entries.list_entries(self.db, query, scope))

    @scoped_rpc
    def get_score_entry(self, entry_id, scope):
        return contract.ScoreEntrySchema().dump(score_entries.get(self.db, entry_id, scope))

    @scoped_rpc(write=True)
    def decide_score_entry(self, entry_id, payload, scope):
        command = load(contract.ScoreEntryDecisionSchema(), payload)
        return contract.ScoreEntrySchema().dump(score_entries.decide(self.db, entry_id, command, self.clock, scope))

    @scoped_rpc(write=True)
    def submit_score_entries(self, payload, scope):
        return contract.ScoreEntryBatchResultSchema().dump(score_entries.submit_batch(self.db, payload, self.clock, scope))

    @scoped_rpc(write=True)
    def decide_score_entries(self, payload, scope):
        return contract.ScoreEntryBatchResultSchema().dump(score_entries.decide_batch(self.db, payload, self.clock, scope))

    # ---- year end: grading runs, grades, follow-ups ------------------------------------------------

    @scoped_rpc(write=True)
    def request_grading_run(self, payload, scope):
        command = load(contract.GradingRunCreateSchema(), payload)
        return contract.GradingRunSchema().dump(grading.request_run(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_grading_runs(self, query, scope):
        query = load(contract.PageQuerySchema(), query)
        return contract.GradingRunPageSchema().dump(grading.list_runs(self.db, query))

    @scoped_rpc
    def get_grading_run(self, run_id, scope):
        return contract.GradingRunSchema().dump(grading.get_run(self.db, run_id))

    @scoped_rpc
    def list_grades(self, query, scope):
        query = load(contract.GradeQuerySchema(), query)
        return contract.GradePageSchema().dump(grading.list_grades(self.db, query, scope))

    @scoped_rpc
    def list_follow_ups(self, query, scope):
        query = load(contract.FollowUpQuerySchema(), query)
        return contract.FollowUpPageSchema().dump(grading.list_follow_ups(self.db, query, self.clock, scope))

    @scoped_rpc(write=True)
    def close_follow_up(self, follow_up_id, payload, scope):
        command = load(contract.FollowUpClosureSchema(), payload)
        return contract.FollowUpSchema().dump(
            grading.close_follow_up(self.db, follow_up_id, command, self.clock, scope))
