"""What happened, as education's rules see it; ``services.education.usecases.EVENTS``
names the contract event each one is (``contracts.education_events``)."""
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class TalkOpened:
    talk_id: str
    member_id: str
    organisation_id: str
    departure_id: str
    departed_on: date
    due_on: date
    late_report: bool


@dataclass(frozen=True)
class TalkCompleted:
    talk_id: str
    member_id: str
    organisation_id: str
    held_on: date
    held_by: str
    method: str
    overdue: bool


@dataclass(frozen=True)
class TalkLapsed:
    talk_id: str
    member_id: str
    organisation_id: str
    returned_on: date


@dataclass(frozen=True)
class MaterialPublished:
    material_id: str
    organisation_id: str
    title: str
    kind: str


@dataclass(frozen=True)
class MaterialPushed:
    push_id: str
    material_id: str
    organisation_id: str
    channel: str
    recipients: int


@dataclass(frozen=True)
class DeliveryRecorded:
    delivery_id: str
    push_id: str
    member_id: str
    organisation_id: str
    channel: str
    status: str
    reason: str | None = None


@dataclass(frozen=True)
class StudyRecorded:
    study_record_id: str
    member_id: str
    organisation_id: str
    studied_on: date
    kind: str
    channel: str
    minutes: int | None = None
    material_id: str | None = None


@dataclass(frozen=True)
class StudySessionHeld:
    session_id: str
    organisation_id: str
    kind: str
    held_on: date
    mode: str


@dataclass(frozen=True)
class SessionAttended:
    session_id: str
    member_id: str
    organisation_id: str
    held_on: date
    status: str
    mode: str


@dataclass(frozen=True)
class TrainingOpened:
    training_id: str
    organisation_id: str
    kind: str
    starts_on: date
    ends_on: date
    capacity: int


@dataclass(frozen=True)
class TrainingEnrolled:
    enrolment_id: str
    training_id: str
    member_id: str
    organisation_id: str
    training_kind: str
    cause: str
    departure_id: str | None = None


@dataclass(frozen=True)
class EnrolmentDeferred:
    member_id: str
    organisation_id: str
    departure_id: str
    returned_on: date


@dataclass(frozen=True)
class TrainingAttended:
    training_id: str
    training_session_id: str
    member_id: str
    organisation_id: str
    held_on: date
    status: str


@dataclass(frozen=True)
class SkillAcquired:
    skill_id: str
    member_id: str
    organisation_id: str
    skill: str
    acquired_on: date
    training_id: str | None = None


@dataclass(frozen=True)
class TechnicalLeaderRecorded:
    member_id: str
    organisation_id: str
    field: str
    recognised_on: date
