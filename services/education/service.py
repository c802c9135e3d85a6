"""The education service's entrypoints: roster's events folded into its
projection (and what each sets off: a departure opens a talk, a return lapses
the talk if it was never held and enrols the member in homecoming training),
and the RPCs the gateway calls.

Every RPC but ``ping`` takes the caller's signed context as its last positional
argument (``services.common.rpc.scoped_rpc``) and is checked against
education's own projection of the organisation tree and of members: education
never asks roster who may see what.
"""
from nameko.dependency_providers import Config

from contracts import education as contract
from contracts import roster_events
from contracts.education import SERVICE_NAME
from services.common import tree
from services.common.clock import Clock
from services.common.db import Database
from services.common.messaging import idempotent, reliable_event_handler
from services.common.rpc import load, rpc, scoped_rpc
from services.common.service_calls import ServiceCalls
from services.education import (
    figures,
    participation,
    projection,
    pushes,
    study,
    talks,
    trainings,
)
from services.education.models import metadata
from services.education.usecases import EVENTS

ROSTER = roster_events.SOURCE


class EducationService(tree.FollowsOrganisationTree):
    name = SERVICE_NAME

    db = Database(metadata, migrations="services.education:migrations", events=EVENTS)
    config = Config()
    # Phone numbers at send time (member_contact_for_delivery), under education's own identity.
    peers = ServiceCalls("ROSTER_RPC_TIMEOUT")

    @property
    def clock(self):
        return Clock.from_config(self.config)

    @rpc
    def ping(self):
        return {"status": "ok"}

    # ---- roster's events: the projection, and what they set off -------------------

    @reliable_event_handler(ROSTER, roster_events.MEMBER_REGISTERED)
    @idempotent()
    def project_member_registered(self, event):
        projection.member_registered(self.db.session, event, self.clock.day_of(event["occurred_at"]), self.clock.now())

    @reliable_event_handler(ROSTER, roster_events.MEMBER_DEPARTED)
    @idempotent()
    def open_talk_on_departure(self, event):
        absence = projection.member_departed(self.db.session, event, self.clock.day_of(event["occurred_at"]), self.clock.now())
        talks.open_for_departure(self.db, absence, self.clock, self.config)

    @reliable_event_handler(ROSTER, roster_events.MEMBER_RETURNED)
    @idempotent()
    def enrol_on_return(self, event):
        absence = projection.member_returned(self.db.session, event, self.clock.now())
        talks.lapse_on_return(self.db, absence)
        trainings.enrol_returned_member(self.db, absence, self.clock)

    @reliable_event_handler(ROSTER, roster_events.MEMBER_CHECKED_IN)
    @idempotent()
    def project_member_checked_in(self, event):
        projection.member_checked_in(self.db.session, event, self.clock.now())

    @reliable_event_handler(ROSTER, roster_events.MEMBER_STATUS_CHANGED)
    @idempotent()
    def project_member_status(self, event):
        projection.member_status_changed(self.db.session, event, self.clock.now())

    @reliable_event_handler(ROSTER, roster_events.MEMBER_TRANSFERRED)
    @idempotent()
    def project_member_transferred(self, event):
        projection.member_transferred(self.db.session, event, self.clock.now())

    # ---- talks (行前提醒谈话) ---------------------------------------------------------

    @scoped_rpc
    def list_talks(self, query, scope):
        query = load(contract.TalkQuerySchema(), query)
        return contract.TalkPageSchema().dump(talks.list_talks(self.db, query, self.clock, scope))

    @scoped_rpc
    def get_talk(self, talk_id, scope):
        return contract.TalkSchema().dump(talks.get_talk(self.db, talk_id, self.clock, scope))

    @scoped_rpc(write=True)
    def complete_talk(self, talk_id, payload, scope):
        command = load(contract.TalkRecordSchema(), payload)
        return contract.TalkSchema().dump(talks.complete_talk(self.db, talk_id, command, self.clock, scope))

    # ---- trainings (归乡教育, 冬训, 轮训) ------------------------------------------------

    @scoped_rpc(write=True)
    def create_training(self, payload, scope):
        command = load(contract.TrainingCreateSchema(), payload)
        return contract.TrainingSchema().dump(trainings.create_training(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_trainings(self, query, scope):
        query = load(contract.TrainingQuerySchema(), query)
        return contract.TrainingPageSchema().dump(trainings.list_trainings(self.db, query, scope))

    @scoped_rpc
    def get_training(self, training_id, scope):
        return contract.TrainingSchema().dump(trainings.get_training(self.db, training_id, scope))

    @scoped_rpc(write=True)
    def enrol_member(self, training_id, payload, scope):
        command = load(contract.EnrolmentCreateSchema(), payload)
        return contract.EnrolmentSchema().dump(trainings.enrol_member(self.db, training_id, command, self.clock, scope))

    @scoped_rpc
    def list_enrolments(self, training_id, query, scope):
        query = load(contract.PageQuerySchema(), query)
        return contract.EnrolmentPageSchema().dump(trainings.list_enrolments(self.db, training_id, query, scope))

    @scoped_rpc(write=True)
    def add_training_session(self, training_id, payload, scope):
        command = load(contract.TrainingSessionCreateSchema(), payload)
        return contract.TrainingSessionSchema().dump(
            trainings.add_session(self.db, training_id, command, self.clock, scope))

    @scoped_rpc
    def list_training_sessions(self, training_id, scope):
        return contract.TrainingSessionListSchema().dump(trainings.list_sessions(self.db, training_id, scope))

    @scoped_rpc(write=True)
    def record_training_attendance(self, training_id, session_id, payload, scope):
        command = load(contract.TrainingAttendanceSchema(), payload)
        return contract.AttendanceListSchema().dump(
            trainings.record_attendance(self.db, training_id, session_id, command, self.clock, scope))

    @scoped_rpc
    def training_attendance(self, training_id, session_id, scope):
        return contract.AttendanceListSchema().dump(trainings.attendance(self.db, training_id, session_id, scope))

    @scoped_rpc(write=True)
    def record_skill(self, training_id, payload, scope):
        command = load(contract.SkillCreateSchema(), payload)
        return contract.SkillSchema().dump(trainings.record_skill(self.db, training_id, command, self.clock, scope))

    # ---- while away: sessions (主题党日, 三会一课), study records; the participation rate ---------

    @scoped_rpc(write=True)
    def create_study_session(self, payload, scope):
        command = load(contract.StudySessionCreateSchema(), payload)
        return contract.StudySessionSchema().dump(study.create_session(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_study_sessions(self, query, scope):
        query = load(contract.StudySessionQuerySchema(), query)
        return contract.StudySessionPageSchema().dump(study.list_sessions(self.db, query, scope))

    @scoped_rpc(write=True)
    def record_session_attendance(self, session_id, payload, scope):
        command = load(contract.SessionAttendanceSchema(), payload)
        return contract.SessionAttendanceListSchema().dump(
            study.record_attendance(self.db, session_id, command, self.clock, scope))

    @scoped_rpc
    def session_attendance(self, session_id, scope):
        return contract.SessionAttendanceListSchema().dump(study.attendance(self.db, session_id, scope))

    @scoped_rpc(write=True)
    def record_study(self, payload, scope):
        command = load(contract.StudyRecordCreateSchema(), payload)
        return contract.StudyRecordSchema().dump(study.record_study(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_study_records(self, query, scope):
        query = load(contract.StudyRecordQuerySchema(), query)
        return contract.StudyRecordPageSchema().dump(study.list_study(self.db, query, scope))

    @scoped_rpc
    def participation_rate(self, query, scope):
        query = load(contract.ParticipationQuerySchema(), query)
        return contract.ParticipationSchema().dump(participation.participation(self.db, query, self.clock, scope))

    # ---- while away: materials, pushes over the channels, deliveries -------------------------

    @scoped_rpc(write=True)
    def publish_material(self, payload, scope):
        command = load(contract.MaterialCreateSchema(), payload)
        return contract.MaterialSchema().dump(pushes.publish_material(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_materials(self, query, scope):
        query = load(contract.MaterialQuerySchema(), query)
        return contract.MaterialPageSchema().dump(pushes.list_materials(self.db, query, scope))

    @scoped_rpc(write=True)
    def push_material(self, payload, scope):
        command = load(contract.PushCreateSchema(), payload)
        return contract.PushSchema().dump(
            pushes.push_material(self.db, command, self.clock, scope, self.peers, self.config))

    @scoped_rpc
    def list_pushes(self, query, scope):
        query = load(contract.PushQuerySchema(), query)
        return contract.PushPageSchema().dump(pushes.list_pushes(self.db, query, scope))

    @scoped_rpc
    def get_push(self, push_id, scope):
        return contract.PushSchema().dump(pushes.get_push(self.db, push_id, scope))

    @scoped_rpc
    def list_deliveries(self, push_id, query, scope):
        query = load(contract.DeliveryQuerySchema(), query)
        return contract.DeliveryPageSchema().dump(pushes.list_deliveries(self.db, push_id, query, scope))

    @scoped_rpc(write=True)
    def record_technical_leader(self, payload, scope):
        command = load(contract.TechnicalLeaderCreateSchema(), payload)
        return contract.TechnicalLeaderSchema().dump(
            trainings.record_technical_leader(self.db, command, self.clock, scope))

    @scoped_rpc
    def list_technical_leaders(self, query, scope):
        query = load(contract.TechnicalLeaderQuerySchema(), query)
        return contract.TechnicalLeaderPageSchema().dump(trainings.list_technical_leaders(self.db, query, scope))

    @scoped_rpc
    def education_figures(self, query, scope):
        query = load(contract.EducationFiguresQuerySchema(), query)
        return contract.EducationFiguresSchema().dump(figures.figures(self.db, query, self.clock, scope))
