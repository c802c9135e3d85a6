"""The education service's RPC interface: permissions, the county's words, and the
payload and result schemas (the gateway validates HTTP bodies with the same ones).

Education owns the three phases of 三项教育: before leaving (the pre-departure
reminder talk, 行前提醒谈话), while away (materials pushed on every channel,
study records, the monthly fixed activity day and 三会一课 online or offline),
and on return (homecoming training, 归乡教育, joined to the winter training, 冬训,
or the town's rotation training, 轮训); and the participation rate (参学率).
Sections below are grouped by resource.
"""
from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.roster import PageQuerySchema, PageSchema, ResultSchema, StrictSchema
from contracts.text import Text

SERVICE_NAME = "education"

# ---- permissions: what a caller may ask of education, and which roles hold them -----
EDUCATION_READ = "education:read"      # talks, materials, pushes, deliveries, study, trainings, rates
TALKS_WRITE = "talks:write"            # record a pre-departure talk as held
STUDY_WRITE = "study:write"            # study records (a member records their own)
SESSIONS_WRITE = "sessions:write"      # the branch's sessions (主题党日, 三会一课) and their registers
PUSHES_WRITE = "pushes:write"          # materials and pushes over the channels
TRAININGS_WRITE = "trainings:write"    # trainings, their sessions, attendance, skills, technical leaders

PERMISSIONS = (EDUCATION_READ, TALKS_WRITE, STUDY_WRITE, SESSIONS_WRITE, PUSHES_WRITE, TRAININGS_WRITE)

# Education reveals no personal data: it stores none (a phone number is asked of roster at send time).
REVEALS = {}

ROLE_PERMISSIONS = {
    "county_admin": frozenset(PERMISSIONS),
    # The town runs the rotation training (轮训) and reviews its branches' study.
    "town_admin": frozenset({EDUCATION_READ, PUSHES_WRITE, TRAININGS_WRITE, STUDY_WRITE, SESSIONS_WRITE}),
    "branch_secretary": frozenset(
        {EDUCATION_READ, TALKS_WRITE, STUDY_WRITE, SESSIONS_WRITE, PUSHES_WRITE, TRAININGS_WRITE}),
    "liaison": frozenset({EDUCATION_READ, TALKS_WRITE, STUDY_WRITE, SESSIONS_WRITE}),
    "system_integration": frozenset(PERMISSIONS),
    # Over the member's own record only: reads their talks, deliveries, study and trainings, and
    # records their own study (read the mailed material, minutes on the app).
    "member": frozenset({EDUCATION_READ, STUDY_WRITE}),
}

# ---- the county's words ----------------------------------------------------------
TALK_METHODS = {"heart_to_heart": "谈心谈话", "home_visit": "上门走访", "phone": "电话谈话"}
# lapsed: the member came home before the talk was held (it may still be recorded, if it was held).
TALK_STATES = {"open": "待谈话", "completed": "已谈话", "lapsed": "未谈即返"}
REPORTING_RHYTHMS = {"weekly": "每周", "fortnightly": "每半月", "monthly": "每月", "quarterly": "每季度"}

# Each channel is an adapter behind one interface (services.education.channels).
CHANNELS = {
    "sms": "空中学堂 (短信)",
    "wechat_group": "小微课堂 (微信群)",
    "app": "网络讲堂 (党建App、公众号)",
    "phone_call": "电话授课",
    "mail": "邮寄学习资料",
    "home_delivery": "节假日送学上门",
}
# Channels that need the member's phone number at send time (asked of roster, never stored).
PHONE_CHANNELS = ("sms", "phone_call")
DELIVERY_STATUSES = {"sent": "已发送", "failed": "发送失败"}
MATERIAL_KINDS = {"text": "学习资料", "course": "课程", "video": "视频", "audio": "音频"}

STUDY_KINDS = {
    "online": "线上学习 (分钟)",
    "read_mailed_material": "阅读邮寄资料",
    "phone_lesson": "电话授课",
    "home_delivery": "送学上门",
}

SESSION_KINDS = {
    "fixed_activity_day": "主题党日 (固定活动日)",
    "branch_general_meeting": "支部党员大会",
    "committee_meeting": "支委会",
    "group_meeting": "党小组会",
    "party_lesson": "党课",
}
SESSION_MODES = {"online": "线上", "offline": "线下", "both": "线上线下"}
ATTENDANCE_STATUSES = {"present": "出席", "late": "迟到", "excused": "请假", "absent": "缺席"}
# Present and late took part; excused and absent did not (both stay in the denominator).
PARTICIPATING = ("present", "late")
ATTENDANCE_MODES = {"online": "线上", "offline": "线下"}

TRAINING_KINDS = {"homecoming": "归乡教育", "winter": "冬训", "rotation": "轮训"}


# ---- before leaving: the pre-departure reminder talk (行前提醒谈话) ----------------

class TalkQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID(metadata={"description": "talks of members of this organisation and every one under it"})
    member_id = fields.UUID()
    state = fields.Str(validate=validate.OneOf(list(TALK_STATES)))
    overdue = fields.Bool(metadata={"description": "true: open talks past their due day (the branch's to-do list)"})


class TalkRecordSchema(StrictSchema):
    """The talk as held: who held it, how, on which day, and what was agreed."""

    held_on = fields.Date(required=True, metadata={"description": "not in the future"})
    held_by = Text(required=True, validate=validate.Length(min=1, max=100),
                   metadata={"description": "who held the talk (the branch secretary, a committee member)"})
    method = fields.Str(required=True, validate=validate.OneOf(list(TALK_METHODS)),
                        metadata={"description": ", ".join(f"{k} ({v})" for k, v in TALK_METHODS.items())})
    study_plan = Text(required=True, validate=validate.Length(min=1, max=2000),
                      metadata={"description": "the study plan agreed for the time away"})
    reporting_rhythm = fields.Str(required=True, validate=validate.OneOf(list(REPORTING_RHYTHMS)),
                                  metadata={"description": "how often the member reports back to the branch"})
    notes = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class TalkSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True, metadata={"description": "the member's branch, which holds the talk"})
    departure_id = fields.UUID(required=True)
    departed_on = fields.Date(required=True)
    reported_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    late_report = fields.Bool(required=True, metadata={"description": "the departure was reported after the member had left"})
    state = fields.Str(required=True)
    state_label = fields.Str(required=True)
    overdue = fields.Bool(required=True, metadata={"description": "open and past its due day (held late, once completed)"})
    held_on = fields.Date(allow_none=True)
    held_by = fields.Str(allow_none=True)
    method = fields.Str(allow_none=True)
    method_label = fields.Str(allow_none=True)
    study_plan = fields.Str(allow_none=True)
    reporting_rhythm = fields.Str(allow_none=True)
    notes = fields.Str(allow_none=True)
    recorded_by = fields.Str(allow_none=True)
    opened_at = fields.AwareDateTime(required=True)
    completed_at = fields.AwareDateTime(allow_none=True)


class TalkPageSchema(PageSchema):
    items = fields.List(fields.Nested(TalkSchema), required=True)


# ---- on return: trainings (归乡教育, 冬训, 轮训) ------------------------------------
MAX_CAPACITY = 10_000


class TrainingCreateSchema(StrictSchema):
    organisation_id = fields.UUID(required=True, metadata={"description": "who runs it: the county, a town or a branch; "
                                                            "returning members of its subtree are enrolled"})
    kind = fields.Str(required=True, validate=validate.OneOf(list(TRAINING_KINDS)),
                      metadata={"description": ", ".join(f"{k} ({v})" for k, v in TRAINING_KINDS.items())})
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    capacity = fields.Int(required=True, validate=validate.Range(min=1, max=MAX_CAPACITY))

    @validates_schema
    def _ends_after_it_starts(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("must not be before starts_on", "ends_on")


class TrainingQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID(metadata={"description": "trainings run by this organisation or any under it"})
    kind = fields.Str(validate=validate.OneOf(list(TRAINING_KINDS)))
    open_on = fields.Date(metadata={"description": "trainings running on this day"})


class TrainingSchema(ResultSchema):
    id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    kind_label = fields.Str(required=True)
    title = fields.Str(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    capacity = fields.Int(required=True)
    enrolled = fields.Int(required=True)
    sessions = fields.Int(required=True)
    created_by = fields.Str(required=True)
    created_at = fields.AwareDateTime(required=True)


class TrainingPageSchema(PageSchema):
    items = fields.List(fields.Nested(TrainingSchema), required=True)


class EnrolmentCreateSchema(StrictSchema):
    member_id = fields.UUID(required=True)


class EnrolmentSchema(ResultSchema):
    id = fields.UUID(required=True)
    training_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True, metadata={"description": "the member's branch"})
    cause = fields.Str(required=True, metadata={"description": "member_returned (归乡教育 on return) or manual"})
    departure_id = fields.UUID(allow_none=True)
    enrolled_at = fields.AwareDateTime(required=True)


class EnrolmentPageSchema(PageSchema):
    items = fields.List(fields.Nested(EnrolmentSchema), required=True)


class TrainingSessionCreateSchema(StrictSchema):
    held_on = fields.Date(required=True, metadata={"description": "within the training's days"})
    topic = Text(required=True, validate=validate.Length(min=1, max=200))


class TrainingSessionSchema(ResultSchema):
    id = fields.UUID(required=True)
    training_id = fields.UUID(required=True)
    held_on = fields.Date(required=True)
    topic = fields.Str(required=True)
    created_at = fields.AwareDateTime(required=True)


class TrainingSessionListSchema(ResultSchema):
    items = fields.List(fields.Nested(TrainingSessionSchema), required=True)


class AttendanceEntrySchema(StrictSchema):
    member_id = fields.UUID(required=True)
    status = fields.Str(required=True, validate=validate.OneOf(list(ATTENDANCE_STATUSES)),
                        metadata={"description": ", ".join(f"{k} ({v})" for k, v in ATTENDANCE_STATUSES.items())})


class TrainingAttendanceSchema(StrictSchema):
    """The register of one session: one entry per enrolled member; a member recorded again is corrected."""

    items = fields.List(fields.Nested(AttendanceEntrySchema), required=True, validate=validate.Length(min=1, max=500))

    @validates_schema
    def _each_member_once(self, data, **kwargs):
        seen = [str(item["member_id"]) for item in data.get("items", [])]
        if len(seen) != len(set(seen)):
            raise ValidationError("names a member more than once", "items")


class AttendanceSchema(ResultSchema):
    training_session_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    status = fields.Str(required=True)
    status_label = fields.Str(required=True)
    recorded_by = fields.Str(required=True)
    recorded_at = fields.AwareDateTime(required=True)


class AttendanceListSchema(ResultSchema):
    items = fields.List(fields.Nested(AttendanceSchema), required=True)


class SkillCreateSchema(StrictSchema):
    member_id = fields.UUID(required=True)
    skill = Text(required=True, validate=validate.Length(min=1, max=100),
                 metadata={"description": "the practical skill gained (e.g. 设施农业, 电商运营)"})
    acquired_on = fields.Date(required=True, metadata={"description": "not in the future"})


class SkillSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    training_id = fields.UUID(allow_none=True)
    skill = fields.Str(required=True)
    acquired_on = fields.Date(required=True)
    recorded_by = fields.Str(required=True)
    created_at = fields.AwareDateTime(required=True)


# ---- while away: sessions (主题党日, 三会一课) and study records ----------------------------
# Offline study is attested: by whom (the member's own word counts when they record it themselves).
OFFLINE_STUDY_KINDS = ("read_mailed_material", "phone_lesson", "home_delivery")
MAX_STUDY_MINUTES = 24 * 60


class StudySessionCreateSchema(StrictSchema):
    organisation_id = fields.UUID(required=True, metadata={"description": "who held it: a branch, or a town or the "
                                                            "county for a party lesson"})
    kind = fields.Str(required=True, validate=validate.OneOf(list(SESSION_KINDS)),
                      metadata={"description": ", ".join(f"{k} ({v})" for k, v in SESSION_KINDS.items())})
    held_on = fields.Date(required=True, metadata={"description": "not in the future"})
    mode = fields.Str(required=True, validate=validate.OneOf(list(SESSION_MODES)),
                      metadata={"description": "online: away members are expected; offline: members at home; both"})
    topic = Text(required=True, validate=validate.Length(min=1, max=200))


class StudySessionSchema(ResultSchema):
    id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    kind_label = fields.Str(required=True)
    held_on = fields.Date(required=True)
    mode = fields.Str(required=True)
    topic = fields.Str(required=True)
    created_by = fields.Str(required=True)
    created_at = fields.AwareDateTime(required=True)


class StudySessionQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID(metadata={"description": "sessions held by this organisation or any under it"})
    kind = fields.Str(validate=validate.OneOf(list(SESSION_KINDS)))
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class StudySessionPageSchema(PageSchema):
    items = fields.List(fields.Nested(StudySessionSchema), required=True)


class SessionAttendanceEntrySchema(AttendanceEntrySchema):
    mode = fields.Str(validate=validate.OneOf(list(ATTENDANCE_MODES)),
                      metadata={"description": "how they took part; by default the session's own (offline for both)"})


class SessionAttendanceSchema(TrainingAttendanceSchema):
    items = fields.List(fields.Nested(SessionAttendanceEntrySchema), required=True,
                        validate=validate.Length(min=1, max=500))


class SessionAttendanceRowSchema(ResultSchema):
    session_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    status = fields.Str(required=True)
    status_label = fields.Str(required=True)
    mode = fields.Str(required=True)
    recorded_by = fields.Str(required=True)
    recorded_at = fields.AwareDateTime(required=True)


class SessionAttendanceListSchema(ResultSchema):
    items = fields.List(fields.Nested(SessionAttendanceRowSchema), required=True)


class StudyRecordCreateSchema(StrictSchema):
    member_id = fields.UUID(required=True)
    studied_on = fields.Date(required=True, metadata={"description": "not in the future"})
    kind = fields.Str(required=True, validate=validate.OneOf(list(STUDY_KINDS)),
                      metadata={"description": ", ".join(f"{k} ({v})" for k, v in STUDY_KINDS.items())})
    channel = fields.Str(required=True, validate=validate.OneOf(list(CHANNELS)),
                         metadata={"description": ", ".join(f"{k} ({v})" for k, v in CHANNELS.items())})
    minutes = fields.Int(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_STUDY_MINUTES),
                         metadata={"description": "required for online study"})
    material_id = fields.UUID(load_default=None, allow_none=True)
    attested_by = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100),
                       metadata={"description": "who attests offline study (required for it)"})

    @validates_schema
    def _online_has_minutes_offline_is_attested(self, data, **kwargs):
        if data.get("kind") == "online" and not data.get("minutes"):
            raise ValidationError("online study is counted in minutes", "minutes")
        if data.get("kind") in OFFLINE_STUDY_KINDS and not data.get("attested_by"):
            raise ValidationError("offline study is attested by someone", "attested_by")


class StudyRecordSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    studied_on = fields.Date(required=True)
    kind = fields.Str(required=True)
    channel = fields.Str(required=True)
    minutes = fields.Int(allow_none=True)
    material_id = fields.UUID(allow_none=True)
    attested_by = fields.Str(allow_none=True)
    recorded_by = fields.Str(required=True)
    created_at = fields.AwareDateTime(required=True)


class StudyRecordQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID()
    member_id = fields.UUID()
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class StudyRecordPageSchema(PageSchema):
    items = fields.List(fields.Nested(StudyRecordSchema), required=True)


# ---- the participation rate (参学率) ---------------------------------------------------------

class ParticipationQuerySchema(StrictSchema):
    organisation_id = fields.UUID(metadata={"description": "the subtree (the county, a town, a branch)"})
    member_id = fields.UUID(metadata={"description": "one member instead"})
    from_ = fields.Date(data_key="from", metadata={"description": "by default the 1st of January of `to`'s year"})
    to = fields.Date(metadata={"description": "by default today"})

    @validates_schema
    def _one_subject_and_a_period(self, data, **kwargs):
        if bool(data.get("organisation_id")) == bool(data.get("member_id")):
            raise ValidationError("name either organisation_id or member_id", "organisation_id")
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ValidationError("must not be before from", "to")


class ParticipationRowSchema(ResultSchema):
    organisation_id = fields.UUID(required=True)
    organisation_name = fields.Str(allow_none=True)
    expected = fields.Int(required=True, metadata={"description": "member-sessions expected (the denominator)"})
    participated = fields.Int(required=True, metadata={"description": "present or late"})
    rate_percent = fields.Float(allow_none=True, metadata={"description": "one decimal; null when nobody was expected"})


class ParticipationSchema(ParticipationRowSchema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    sessions = fields.Int(required=True)
    member_id = fields.UUID(allow_none=True)
    by_organisation = fields.List(fields.Nested(ParticipationRowSchema), required=True,
                                  metadata={"description": "one row per organisation directly under it"})


# ---- while away: materials pushed over the channels, and their deliveries --------------------
AUDIENCES = {"away": "外出党员", "all": "全体党员"}


class MaterialCreateSchema(StrictSchema):
    organisation_id = fields.UUID(required=True, metadata={"description": "who publishes it; its subtree and the "
                                                            "organisations above see it"})
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Str(required=True, validate=validate.OneOf(list(MATERIAL_KINDS)),
                      metadata={"description": ", ".join(f"{k} ({v})" for k, v in MATERIAL_KINDS.items())})
    summary = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    url = fields.Url(load_default=None, allow_none=True, validate=validate.Length(max=500))
    published_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "by default today"})


class MaterialSchema(ResultSchema):
    id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    title = fields.Str(required=True)
    kind = fields.Str(required=True)
    kind_label = fields.Str(required=True)
    summary = fields.Str(allow_none=True)
    url = fields.Str(allow_none=True)
    published_on = fields.Date(required=True)
    created_by = fields.Str(required=True)
    created_at = fields.AwareDateTime(required=True)


class MaterialQuerySchema(PageQuerySchema):
    kind = fields.Str(validate=validate.OneOf(list(MATERIAL_KINDS)))


class MaterialPageSchema(PageSchema):
    items = fields.List(fields.Nested(MaterialSchema), required=True)


class PushCreateSchema(StrictSchema):
    material_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True, metadata={"description": "the subtree whose members it goes to"})
    channel = fields.Str(required=True, validate=validate.OneOf(list(CHANNELS)),
                         metadata={"description": ", ".join(f"{k} ({v})" for k, v in CHANNELS.items())})
    audience = fields.Str(load_default="away", validate=validate.OneOf(list(AUDIENCES)),
                          metadata={"description": "away (the default): members away from home; all"})
    message = Text(required=True, validate=validate.Length(min=1, max=500),
                   metadata={"description": "what the member receives (an SMS, the group post, the cover note)"})


class PushSchema(ResultSchema):
    id = fields.UUID(required=True)
    material_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    channel = fields.Str(required=True)
    channel_label = fields.Str(required=True)
    audience = fields.Str(required=True)
    message = fields.Str(required=True)
    pushed_on = fields.Date(required=True)
    recipients = fields.Int(required=True)
    sent = fields.Int(required=True)
    failed = fields.Int(required=True)
    pushed_by = fields.Str(required=True)
    created_at = fields.AwareDateTime(required=True)


class PushQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID()
    channel = fields.Str(validate=validate.OneOf(list(CHANNELS)))


class PushPageSchema(PageSchema):
    items = fields.List(fields.Nested(PushSchema), required=True)


class DeliveryQuerySchema(PageQuerySchema):
    status = fields.Str(validate=validate.OneOf(list(DELIVERY_STATUSES)))


class DeliverySchema(ResultSchema):
    id = fields.UUID(required=True)
    push_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    channel = fields.Str(required=True)
    status = fields.Str(required=True)
    reason = fields.Str(allow_none=True)
    address = fields.Str(allow_none=True, metadata={"description": "where the channel sent it, masked (139****1234)"})
    sent_at = fields.AwareDateTime(required=True)
    logged_at = fields.AwareDateTime(allow_none=True)


class DeliveryPageSchema(PageSchema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)


# ---- technical leaders (技术能手, 致富带头人) ------------------------------------------------

class TechnicalLeaderCreateSchema(StrictSchema):
    member_id = fields.UUID(required=True)
    field = Text(required=True, validate=validate.Length(min=1, max=100),
                 metadata={"description": "the field they lead in (设施农业, 电商, 养殖...)"})
    recognised_on = fields.Date(required=True, metadata={"description": "not in the future"})


class TechnicalLeaderSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    field = fields.Str(required=True)
    recognised_on = fields.Date(required=True)
    recorded_by = fields.Str(required=True)
    created_at = fields.AwareDateTime(required=True)


class TechnicalLeaderQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID()


class TechnicalLeaderPageSchema(PageSchema):
    items = fields.List(fields.Nested(TechnicalLeaderSchema), required=True)


# ---- the county's education figures --------------------------------------------------------

class EducationFiguresQuerySchema(StrictSchema):
    organisation_id = fields.UUID(metadata={"description": "the subtree (the county, a town, a branch); by default "
                                                           "everything the caller sees"})
    from_ = fields.Date(data_key="from", metadata={"description": "by default the 1st of January of `to`'s year"})
    to = fields.Date(metadata={"description": "by default today"})


class EducationFiguresSchema(ResultSchema):
    organisation_id = fields.UUID(allow_none=True)
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    classes_held = fields.Int(required=True, metadata={"description": "sessions of trainings run in the subtree"})
    person_times_trained = fields.Int(required=True, metadata={"description": "present or late at those sessions"})
    members_learned_skills = fields.Int(required=True)
    technical_leaders = fields.Int(required=True)
    talks_opened = fields.Int(required=True)
    talks_held = fields.Int(required=True)
    deliveries_sent = fields.Int(required=True)
