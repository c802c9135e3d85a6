"""The education service's events, on the exchange ``education.events``.

Every effect education has is one of these, through its outbox: the talk a
departure opens and the talk held, each push and each delivery, study
recorded, sessions and their attendance, trainings, enrolments, attendance at
training, skills and technical leaders. ``organisation_id`` is always the
member's home branch (or the organisation that holds the session or training),
so that a subscriber can tell the subtree without asking anyone.
"""
from marshmallow import Schema, fields

SOURCE = "education"

TALK_OPENED = "talk_opened"
TALK_COMPLETED = "talk_completed"
TALK_LAPSED = "talk_lapsed"
MATERIAL_PUBLISHED = "material_published"
MATERIAL_PUSHED = "material_pushed"
DELIVERY_RECORDED = "delivery_recorded"
STUDY_RECORDED = "study_recorded"
STUDY_SESSION_HELD = "study_session_held"
SESSION_ATTENDED = "session_attended"
TRAINING_OPENED = "training_opened"
TRAINING_ENROLLED = "training_enrolled"
ENROLMENT_DEFERRED = "enrolment_deferred"
TRAINING_ATTENDED = "training_attended"
SKILL_ACQUIRED = "skill_acquired"
TECHNICAL_LEADER_RECORDED = "technical_leader_recorded"


class TalkOpenedV1(Schema):
    """A departure opened a pre-departure reminder talk (行前提醒谈话) for the member's branch, due by
    ``due_on``. ``late_report``: the departure was reported after the member had left (the talk is
    held by phone or on the next visit, and is still due)."""

    talk_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    departure_id = fields.UUID(required=True)
    departed_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    late_report = fields.Bool(required=True)


class TalkCompletedV1(Schema):
    """The talk was held: by whom, how (heart-to-heart talk or home visit) and on which day."""

    talk_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    held_on = fields.Date(required=True)
    held_by = fields.Str(required=True)
    method = fields.Str(required=True)
    overdue = fields.Bool(required=True)


class TalkLapsedV1(Schema):
    """The member came home (``returned_on``) before the talk was held: it leaves the branch's open list."""

    talk_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    returned_on = fields.Date(required=True)


class MaterialPublishedV1(Schema):
    """A study material or course was added to the library of an organisation's subtree."""

    material_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    title = fields.Str(required=True)
    kind = fields.Str(required=True)


class MaterialPushedV1(Schema):
    """A material was pushed over one channel to ``recipients`` members of an organisation's subtree."""

    push_id = fields.UUID(required=True)
    material_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    channel = fields.Str(required=True)
    recipients = fields.Int(required=True)


class DeliveryRecordedV1(Schema):
    """One push's delivery to one member, with its status (sent, failed) and, if failed, why."""

    delivery_id = fields.UUID(required=True)
    push_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    channel = fields.Str(required=True)
    status = fields.Str(required=True)
    reason = fields.Str(allow_none=True, load_default=None)


class StudyRecordedV1(Schema):
    """A member's study: online minutes on a channel, or attested offline study (read the mailed
    material, took the phone lesson, study delivered at home)."""

    study_record_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    studied_on = fields.Date(required=True)
    kind = fields.Str(required=True)
    channel = fields.Str(required=True)
    minutes = fields.Int(allow_none=True, load_default=None)
    material_id = fields.UUID(allow_none=True, load_default=None)


class StudySessionHeldV1(Schema):
    """An organisational-life session (the monthly fixed activity day, 三会一课) was recorded."""

    session_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    held_on = fields.Date(required=True)
    mode = fields.Str(required=True)


class SessionAttendedV1(Schema):
    """A member's attendance at a session: present, late, excused or absent; online or offline."""

    session_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    held_on = fields.Date(required=True)
    status = fields.Str(required=True)
    mode = fields.Str(required=True)


class TrainingOpenedV1(Schema):
    """A training was opened: homecoming (归乡教育), winter (冬训) or rotation (轮训)."""

    training_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    capacity = fields.Int(required=True)


class TrainingEnrolledV1(Schema):
    """A member was enrolled in a training; ``cause`` is member_returned for homecoming enrolment, or
    manual. ``departure_id``: the absence whose return enrolled them."""

    enrolment_id = fields.UUID(required=True)
    training_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    training_kind = fields.Str(required=True)
    cause = fields.Str(required=True)
    departure_id = fields.UUID(allow_none=True, load_default=None)


class EnrolmentDeferredV1(Schema):
    """A member came home and no training was open for them: they wait, and are enrolled when one opens."""

    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    departure_id = fields.UUID(required=True)
    returned_on = fields.Date(required=True)


class TrainingAttendedV1(Schema):
    """A member's attendance at one session of a training: present, late, excused or absent."""

    training_id = fields.UUID(required=True)
    training_session_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    held_on = fields.Date(required=True)
    status = fields.Str(required=True)


class SkillAcquiredV1(Schema):
    """A member gained a practical skill at a training."""

    skill_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    training_id = fields.UUID(allow_none=True, load_default=None)
    skill = fields.Str(required=True)
    acquired_on = fields.Date(required=True)


class TechnicalLeaderRecordedV1(Schema):
    """A member became a technical leader (技术能手, 致富带头人) in a field."""

    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    field = fields.Str(required=True)
    recognised_on = fields.Date(required=True)


SCHEMAS = {
    (TALK_OPENED, 1): TalkOpenedV1,
    (TALK_COMPLETED, 1): TalkCompletedV1,
    (TALK_LAPSED, 1): TalkLapsedV1,
    (MATERIAL_PUBLISHED, 1): MaterialPublishedV1,
    (MATERIAL_PUSHED, 1): MaterialPushedV1,
    (DELIVERY_RECORDED, 1): DeliveryRecordedV1,
    (STUDY_RECORDED, 1): StudyRecordedV1,
    (STUDY_SESSION_HELD, 1): StudySessionHeldV1,
    (SESSION_ATTENDED, 1): SessionAttendedV1,
    (TRAINING_OPENED, 1): TrainingOpenedV1,
    (TRAINING_ENROLLED, 1): TrainingEnrolledV1,
    (ENROLMENT_DEFERRED, 1): EnrolmentDeferredV1,
    (TRAINING_ATTENDED, 1): TrainingAttendedV1,
    (SKILL_ACQUIRED, 1): SkillAcquiredV1,
    (TECHNICAL_LEADER_RECORDED, 1): TechnicalLeaderRecordedV1,
}

UPCASTERS = {}
