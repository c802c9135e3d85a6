"""The education service's RPC interface: permissions, the county's words, and the
payload and result schemas (the gateway validates HTTP bodies with the same ones).

Education owns the three phases of 三项教育: before leaving (the pre-departure
reminder talk, 行前提醒谈话), while away (materials pushed on every channel,
study records, the monthly fixed activity day and 三会一课 online or offline),
and on return (homecoming training, 归乡教育, joined to the winter training, 冬训,
or the town's rotation training, 轮训); and the participation rate (参学率).
Sections below are grouped by resource.
"""
from marshmallow import fields, validate

from contracts.roster import MAX_PAGE, MAX_PER_PAGE, PageSchema, ResultSchema, StrictSchema  # noqa: F401
from contracts.text import Text  # noqa: F401

SERVICE_NAME = "education"

# ---- permissions: what a caller may ask of education, and which roles hold them -----
EDUCATION_READ = "education:read"      # talks, materials, pushes, deliveries, study, trainings, rates
TALKS_WRITE = "talks:write"            # record a pre-departure talk as held
STUDY_WRITE = "study:write"            # study records; sessions and their attendance
PUSHES_WRITE = "pushes:write"          # materials and pushes over the channels
TRAININGS_WRITE = "trainings:write"    # trainings, their sessions, attendance, skills, technical leaders

PERMISSIONS = (EDUCATION_READ, TALKS_WRITE, STUDY_WRITE, PUSHES_WRITE, TRAININGS_WRITE)

# Education reveals no personal data: it stores none (a phone number is asked of roster at send time).
REVEALS = {}

ROLE_PERMISSIONS = {
    "county_admin": frozenset(PERMISSIONS),
    # The town runs the rotation training (轮训) and reviews its branches' study.
    "town_admin": frozenset({EDUCATION_READ, PUSHES_WRITE, TRAININGS_WRITE, STUDY_WRITE}),
    "branch_secretary": frozenset({EDUCATION_READ, TALKS_WRITE, STUDY_WRITE, PUSHES_WRITE, TRAININGS_WRITE}),
    "liaison": frozenset({EDUCATION_READ, TALKS_WRITE, STUDY_WRITE}),
    "system_integration": frozenset(PERMISSIONS),
    # Over the member's own record only: reads their talks, deliveries, study and trainings, and
    # records their own study (read the mailed material, minutes on the app).
    "member": frozenset({EDUCATION_READ, STUDY_WRITE}),
}

# ---- the county's words ----------------------------------------------------------
TALK_METHODS = {"heart_to_heart": "谈心谈话", "home_visit": "上门走访", "phone": "电话谈话"}
TALK_STATES = {"open": "待谈话", "completed": "已谈话"}
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
