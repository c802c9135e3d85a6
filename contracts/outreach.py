"""The outreach service's RPC interface: permissions, the county's words, and the
payload and result schemas (the gateway validates HTTP bodies with the same ones).

Outreach owns the help-and-contact mechanism (帮扶联系: committee members paired
with mobile members "1+1" or "1+N", each pair keeping up the "four ones", 四个一,
every period) and the five projects' people work: the contact log, visits and
care campaigns (暖心工程), help cases and the care service card (爱心服务卡),
volunteering, returnees' projects and hometown events (安家工程), reserve-cadre
reviews and vanguard designations (储备工程, 先锋工程), and the cultivation of
outstanding migrant workers towards membership (培养工程). Sections below are
grouped by resource. Outreach stores no personal data: a member is an id.
"""
from datetime import date

from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.roster import (
    MAX_BATCH,
    BatchItemSchema,
    BatchResultSchema,
    PageQuerySchema,
    PageSchema,
    ResultSchema,
    StrictSchema,
)
from contracts.text import Text

SERVICE_NAME = "outreach"

# ---- permissions ------------------------------------------------------------------
OUTREACH_READ = "outreach:read"          # pairings, contacts, visits, cases, projects, reviews, figures
PAIRINGS_WRITE = "pairings:write"        # pair committee members with mobile members, end a pairing
CONTACTS_WRITE = "contacts:write"        # log a call, text, mailing, letter, visit or chat
CARE_WRITE = "care:write"                # campaigns, visits, help cases and their timelines
PROJECTS_WRITE = "projects:write"        # volunteering, returnees' projects, hometown events
RESERVE_WRITE = "reserve:write"          # reserve-cadre reviews, vanguard designations, cultivation

PERMISSIONS = (OUTREACH_READ, PAIRINGS_WRITE, CONTACTS_WRITE, CARE_WRITE, PROJECTS_WRITE, RESERVE_WRITE)

REVEALS = {}

ROLE_PERMISSIONS = {
    "county_admin": frozenset(PERMISSIONS),
    # The town runs campaigns, help cases ("workers' home") and the reserve-cadre reviews of its villages.
    "town_admin": frozenset(PERMISSIONS),
    "branch_secretary": frozenset(PERMISSIONS),
    # A liaison keeps in touch and records visits and help; pairing and reserve decisions are the branch's.
    "liaison": frozenset({OUTREACH_READ, CONTACTS_WRITE, CARE_WRITE}),
    "system_integration": frozenset(PERMISSIONS),
    # Over the member's own record only: their contacts, visits, help cases and projects.
    "member": frozenset({OUTREACH_READ}),
}

# ---- the county's words -------------------------------------------------------------
PAIRING_KINDS = {"one_to_one": "1+1", "one_to_many": "1+N"}
PAIRING_PERIODS = {"month": "每月", "quarter": "每季度", "year": "每年"}
MAX_PAIRED_MEMBERS = 50

# The four ones (四个一) and the channel of the contact log that keeps each.
FOUR_ONES = {
    "phone_call": "一次电话",
    "text_message": "一条短信",
    "study_material": "一份学习资料",
    "letter": "一封信",
}
CONTACT_CHANNELS = {
    "phone": "电话",
    "text": "短信",
    "mail": "邮寄学习资料",
    "letter": "书信",
    "visit": "走访",
    "online_chat": "网上交流",
}
FOUR_ONES_STATES = {"done": "已完成", "due": "本期待完成", "overdue": "逾期未完成"}
CONTACT_SOURCES = {"logged": "登记", "visit": "走访", "help_case": "帮扶"}

CAMPAIGN_OCCASIONS = {
    "new_year": "元旦",
    "spring_festival": "春节",
    "july_first": "七一",
    "mid_autumn": "中秋",
    "double_ninth": "重阳",
    "other": "其他",
}
# Whom a campaign lists from outreach's projection of roster.
CAMPAIGN_STATES = {"listing": "名单生成中", "listed": "已列名单"}
CAMPAIGN_GROUPS = {
    "away_families": "外出党员家属 (members away now)",
    "returned_members": "返乡党员 (home again within the last year)",
    "hardship": "困难党员 (an open help case)",
}
VISIT_CAUSES = {
    "homecoming": "返乡走访 (member_returned)",
    "campaign": "节日慰问",
    "commendation": "表彰走访 (优秀, member_graded)",
    "manual": "其他走访",
}
VISIT_STATES = {"scheduled": "待走访", "completed": "已走访"}
HOMECOMING_VISIT_DAYS = 30
COMMENDATION_VISIT_DAYS = 60

HELP_KINDS = {
    "jobs": "就业",
    "housing": "住房",
    "schooling": "子女入学",
    "health": "医疗救助",
    "legal_aid": "法律援助",
    "unpaid_wages": "讨薪",
    "dispute": "矛盾纠纷",
    "other": "其他",
}
HELP_OUTCOMES = {"solved": "已解决", "referred": "已转办", "unsolved": "未能解决"}
HELP_STATES = {"open": "办理中", "closed": "已办结"}
# The care service card (爱心服务卡) of the urban mobile branches: its twelve services.
CARE_SERVICES = {
    "party_knowledge": "党的知识",
    "membership_records": "党籍管理",
    "relationship_transfer": "组织关系转接",
    "skills_training": "技能培训",
    "jobs_and_start_ups": "就业创业",
    "family_and_schooling": "家庭及子女入学",
    "health_and_medical_aid": "医疗卫生",
    "legal_and_policy_advice": "法律政策咨询",
    "wages_and_rights": "劳动维权",
    "housing": "租房住宿",
    "psychological_support": "心理疏导",
    "hometown_liaison": "家乡联络",
}

HOMETOWN_EVENT_KINDS = {"hometown_visit": "回乡看看", "blueprint": "为家乡绘蓝图"}
RESERVE_DECISIONS = {"village_cadre": "村干部", "reserve_cadre": "后备干部", "not_now": "暂不推荐"}
RESERVE_STATES = {"open": "待研究", "nominated": "已推荐", "declined": "暂不推荐"}
VANGUARD_KINDS = {"pioneer_post": "党员先锋岗", "party_business": "党员经营户"}
# Two-way cultivation (双向培养): each step in both places before admission.
CULTIVATION_STEPS = {
    "home_inspection": "流出地考察",
    "host_inspection": "流入地考察",
    "home_notice": "流出地公示",
    "host_notice": "流入地公示",
    "admitted": "发展入党",
    "dropped": "终止培养",
}
CULTIVATION_STATES = {"following": "培养中", "admitted": "已发展", "dropped": "已终止"}

MAX_YUAN = 10 ** 10
MAX_TEXT = 2000
# Days a query or a contact may name: the calendar arithmetic (a period's bounds, a county day's first moment in UTC)
# stays inside what Python's dates hold.
EARLIEST_DAY, LATEST_DAY = date(1950, 1, 1), date(2099, 12, 31)


def day(**kwargs):
    """A date between ``EARLIEST_DAY`` and ``LATEST_DAY``."""
    return fields.Date(validate=validate.Range(min=EARLIEST_DAY, max=LATEST_DAY), **kwargs)


def _within_days(moment):
    if not EARLIEST_DAY <= moment.date() <= LATEST_DAY:
        raise ValidationError(f"between {EARLIEST_DAY} and {LATEST_DAY}")


def _one_of(words, metadata=None, **kwargs):
    """One of the county's words, each named with its Chinese term in the description."""
    described = ", ".join(f"{k} ({v})" for k, v in words.items())
    if metadata:
        described = f"{metadata['description']}: {described}"
    return fields.Str(validate=validate.OneOf(list(words)), metadata={"description": described}, **kwargs)


def _note(**kwargs):
    return Text(load_default=None, allow_none=True, validate=validate.Length(max=MAX_TEXT), **kwargs)


class NumberField(fields.Decimal):
    """A decimal number (yuan to the fen, hours to the tenth): read exactly as a ``Decimal``, written as a JSON
    number (an answer is JSON: the idempotency store keeps it as such)."""

    def _serialize(self, value, attr, obj, **kwargs):
        value = super()._serialize(value, attr, obj, **kwargs)
        return None if value is None else float(value)


def yuan(**kwargs):
    return NumberField(places=2, validate=validate.Range(min=0, max=MAX_YUAN), **kwargs)


def hours_field(**kwargs):
    return NumberField(places=1, **kwargs)


class PeriodQuerySchema(StrictSchema):
    organisation_id = fields.UUID(metadata={"description": "the subtree (the county, a town, a branch); by default "
                                                           "everything the caller sees"})
    from_ = day(data_key="from", metadata={"description": "by default the 1st of January of `to`'s year"})
    to = day(metadata={"description": "by default today"})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("from is after to", "from")


class ListQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID(metadata={"description": "a subtree; by default everything the caller sees"})
    member_id = fields.UUID()


# ---- pairings (帮扶联系) and the four ones ---------------------------------------------

class HelpPairingCreateSchema(StrictSchema):
    organisation_id = fields.UUID(required=True, metadata={"description": "the branch whose committee pairs"})
    cadre_member_id = fields.UUID(required=True, metadata={
        "description": "the branch committee member (支委) who keeps in touch"})
    member_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=MAX_PAIRED_MEMBERS),
                             metadata={"description": "the mobile members paired: one (1+1) or many (1+N)"})
    period = _one_of(PAIRING_PERIODS, load_default="quarter")
    starts_on = fields.Date(required=True)

    @validates_schema
    def _distinct(self, data, **kwargs):
        ids = data.get("member_ids") or []
        if len(set(ids)) != len(ids):
            raise ValidationError("a member is named twice", "member_ids")
        if data.get("cadre_member_id") in ids:
            raise ValidationError("the committee member is not paired with themself", "member_ids")


class HelpPairingEndSchema(StrictSchema):
    ended_on = fields.Date(required=True)
    reason = _note()


class HelpPairingSchema(ResultSchema):
    id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    cadre_member_id = fields.UUID(required=True)
    member_ids = fields.List(fields.UUID(), required=True)
    kind = fields.Str(required=True, metadata={"description": "one_to_one (1+1) or one_to_many (1+N)"})
    period = fields.Str(required=True)
    starts_on = fields.Date(required=True)
    ended_on = fields.Date(allow_none=True)
    end_reason = fields.Str(allow_none=True)
    created_by = fields.Str(allow_none=True)


class HelpPairingQuerySchema(ListQuerySchema):
    cadre_member_id = fields.UUID()
    active = fields.Bool(metadata={"description": "true: pairings not ended; false: ended ones"})


class HelpPairingPageSchema(PageSchema):
    items = fields.List(fields.Nested(HelpPairingSchema), required=True)


class FourOnesQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID(metadata={"description": "a branch or a town: its pairs; by default all the "
                                                           "caller sees"})
    pairing_id = fields.UUID()
    member_id = fields.UUID(metadata={"description": "one paired member's four ones"})
    on = day(metadata={"description": "the day the list is of; by default today"})
    state = _one_of(FOUR_ONES_STATES, metadata={"description": "due is this period's, overdue a period's that "
                                                               "ended without it"})


class FourOneSchema(ResultSchema):
    pairing_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    cadre_member_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    item = fields.Str(required=True, metadata={"description": "phone_call, text_message, study_material, letter"})
    state = fields.Str(required=True)
    done_on = fields.Date(allow_none=True)


class FourOnesCountSchema(ResultSchema):
    organisation_id = fields.UUID(required=True)
    done = fields.Int(required=True)
    due = fields.Int(required=True)
    overdue = fields.Int(required=True)


class FourOnesPageSchema(PageSchema):
    on = fields.Date(required=True)
    items = fields.List(fields.Nested(FourOneSchema), required=True)
    by_organisation = fields.List(fields.Nested(FourOnesCountSchema), required=True, metadata={
        "description": "the counts of every item listed, per branch (before paging)"})


# ---- the contact log --------------------------------------------------------------------

class ContactCreateSchema(StrictSchema):
    member_id = fields.UUID(required=True)
    channel = _one_of(CONTACT_CHANNELS, required=True)
    occurred_at = fields.AwareDateTime(required=True, validate=_within_days, metadata={
        "description": "when it happened (with its offset); the same member, channel and minute is one contact"})
    contacted_by = Text(required=True, validate=validate.Length(min=1, max=100),
                        metadata={"description": "who made the contact (a committee member, the liaison)"})
    summary = Text(required=True, validate=validate.Length(min=1, max=MAX_TEXT),
                   metadata={"description": "what was said or sent"})
    follow_up_needed = fields.Bool(load_default=False)
    follow_up = _note(metadata={"description": "what is to follow, when follow_up_needed"})
    pairing_id = fields.UUID(load_default=None, allow_none=True,
                             metadata={"description": "the pairing this contact keeps, if any"})

    @validates_schema
    def _follow_up(self, data, **kwargs):
        if data.get("follow_up") and not data.get("follow_up_needed"):
            raise ValidationError("follow_up given but follow_up_needed is false", "follow_up")


class ContactSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    channel = fields.Str(required=True)
    occurred_at = fields.DateTime(required=True)
    contacted_by = fields.Str(required=True)
    summary = fields.Str(required=True)
    follow_up_needed = fields.Bool(required=True)
    follow_up = fields.Str(allow_none=True)
    pairing_id = fields.UUID(allow_none=True)
    source = fields.Str(required=True, metadata={"description": "logged, visit or help_case: the track it came "
                                                                "from"})
    source_id = fields.UUID(allow_none=True)
    recorded_by = fields.Str(allow_none=True)
    recorded_at = fields.DateTime(required=True)
    duplicate = fields.Bool(metadata={"description": "true when this contact was logged before (nothing new "
                                                     "was written)"})


class ContactBatchSchema(StrictSchema):
    items = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=MAX_BATCH), metadata={
        "description": f"1 to {MAX_BATCH} contacts, each as the body of POST /contacts (logContact): a device "
                       "that kept its log offline syncs it in one go"})


class ContactBatchItemSchema(BatchItemSchema):
    status = fields.Int(required=True, metadata={"description": "201 logged, 200 logged before (the same member, "
                                                                "channel and minute), or the 4xx of its single request"})
    contact = fields.Nested(ContactSchema, allow_none=True)


class ContactBatchResultSchema(BatchResultSchema):
    items = fields.List(fields.Nested(ContactBatchItemSchema), required=True)


class ContactQuerySchema(ListQuerySchema):
    channel = _one_of(CONTACT_CHANNELS)
    follow_up_needed = fields.Bool()
    from_ = day(data_key="from")
    to = day()


class ContactPageSchema(PageSchema):
    items = fields.List(fields.Nested(ContactSchema), required=True)


# ---- visits and care campaigns (暖心工程) ----------------------------------------------

class CampaignCreateSchema(StrictSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    occasion = _one_of(CAMPAIGN_OCCASIONS, required=True)
    organisation_id = fields.UUID(required=True, metadata={"description": "whose members are listed (a subtree)"})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    groups = fields.List(_one_of(CAMPAIGN_GROUPS), required=True, validate=validate.Length(min=1, max=3))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("ends before it starts", "ends_on")
        if len(set(data.get("groups") or [])) != len(data.get("groups") or []):
            raise ValidationError("a group is named twice", "groups")


class CampaignSchema(ResultSchema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    occasion = fields.Str(required=True)
    organisation_id = fields.UUID(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    groups = fields.List(fields.Str(), required=True)
    state = fields.Str(required=True, metadata={"description": "listing (its visits being scheduled) or listed"})
    visits_scheduled = fields.Int(required=True)
    visits_completed = fields.Int(required=True)
    created_by = fields.Str(allow_none=True)


class CampaignQuerySchema(ListQuerySchema):
    occasion = _one_of(CAMPAIGN_OCCASIONS)


class CampaignPageSchema(PageSchema):
    items = fields.List(fields.Nested(CampaignSchema), required=True)


class VisitCreateSchema(StrictSchema):
    member_id = fields.UUID(required=True)
    due_on = fields.Date(required=True)
    purpose = Text(required=True, validate=validate.Length(min=1, max=500))


class VisitCompletionSchema(StrictSchema):
    visited_on = fields.Date(required=True, metadata={"description": "not in the future"})
    visited_by = Text(required=True, validate=validate.Length(min=1, max=100))
    summary = Text(required=True, validate=validate.Length(min=1, max=MAX_TEXT),
                   metadata={"description": "what was found, said and given"})
    follow_up_needed = fields.Bool(load_default=False)


class VisitSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    cause = fields.Str(required=True)
    campaign_id = fields.UUID(allow_none=True)
    group = fields.Str(allow_none=True)
    purpose = fields.Str(required=True)
    due_on = fields.Date(required=True)
    state = fields.Str(required=True)
    visited_on = fields.Date(allow_none=True)
    visited_by = fields.Str(allow_none=True)
    summary = fields.Str(allow_none=True)
    overdue = fields.Bool(required=True)


class VisitQuerySchema(ListQuerySchema):
    campaign_id = fields.UUID()
    cause = _one_of(VISIT_CAUSES)
    state = _one_of(VISIT_STATES)


class VisitPageSchema(PageSchema):
    items = fields.List(fields.Nested(VisitSchema), required=True)


# ---- help cases and the care service card ------------------------------------------------

class HelpCaseCreateSchema(StrictSchema):
    member_id = fields.UUID(required=True)
    kind = _one_of(HELP_KINDS, required=True)
    care_service = _one_of(CARE_SERVICES, load_default=None, allow_none=True)
    summary = Text(required=True, validate=validate.Length(min=1, max=MAX_TEXT),
                   metadata={"description": "the problem as the member put it"})
    owner = Text(required=True, validate=validate.Length(min=1, max=100),
                 metadata={"description": "who handles it (a person, the \"workers' home\", a town office)"})
    opened_on = fields.Date(required=True, metadata={"description": "not in the future"})
    due_on = fields.Date(required=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("opened_on") and data.get("due_on") and data["due_on"] < data["opened_on"]:
            raise ValidationError("due before it was opened", "due_on")


class HelpCaseNoteCreateSchema(StrictSchema):
    noted_on = fields.Date(required=True, metadata={"description": "not in the future, nor before the case opened"})
    note = Text(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    due_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "a new due date, if moved"})


class HelpCaseClosureSchema(StrictSchema):
    closed_on = fields.Date(required=True, metadata={"description": "not in the future, nor before the case opened"})
    outcome = _one_of(HELP_OUTCOMES, required=True)
    note = Text(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    money_recovered = yuan(load_default=0, metadata={"description": "yuan recovered for the member (unpaid wages)"})
    jobs_found = fields.Int(load_default=0, validate=validate.Range(min=0, max=10000))
    disputes_settled = fields.Int(load_default=0, validate=validate.Range(min=0, max=10000))


class HelpCaseEntrySchema(ResultSchema):
    on = fields.Date(required=True)
    kind = fields.Str(required=True, metadata={"description": "opened, note, due_moved or closed"})
    note = fields.Str(allow_none=True)
    due_on = fields.Date(allow_none=True)
    recorded_by = fields.Str(allow_none=True)


class HelpCaseSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    care_service = fields.Str(allow_none=True)
    summary = fields.Str(required=True)
    owner = fields.Str(required=True)
    opened_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    state = fields.Str(required=True)
    overdue = fields.Bool(required=True)
    closed_on = fields.Date(allow_none=True)
    outcome = fields.Str(allow_none=True)
    money_recovered = yuan(required=True)
    jobs_found = fields.Int(required=True)
    disputes_settled = fields.Int(required=True)
    timeline = fields.List(fields.Nested(HelpCaseEntrySchema), metadata={"description": "one case only"})


class HelpCaseQuerySchema(ListQuerySchema):
    kind = _one_of(HELP_KINDS)
    state = _one_of(HELP_STATES)
    overdue = fields.Bool()


class HelpCasePageSchema(PageSchema):
    items = fields.List(fields.Nested(HelpCaseSchema), required=True)


class CareServiceSchema(ResultSchema):
    key = fields.Str(required=True)
    name = fields.Str(required=True)


class CareServiceCardSchema(ResultSchema):
    services = fields.List(fields.Nested(CareServiceSchema), required=True)


# ---- volunteering --------------------------------------------------------------------------

class VolunteerActivityCreateSchema(StrictSchema):
    organisation_id = fields.UUID(required=True)
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    held_on = fields.Date(required=True, metadata={"description": "not in the future"})
    description = _note()


class VolunteerActivitySchema(ResultSchema):
    id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    title = fields.Str(required=True)
    held_on = fields.Date(required=True)
    description = fields.Str(allow_none=True)
    volunteers = fields.Int(required=True)
    hours = hours_field(required=True)


class VolunteerActivityPageSchema(PageSchema):
    items = fields.List(fields.Nested(VolunteerActivitySchema), required=True)


class VolunteerServiceCreateSchema(StrictSchema):
    member_id = fields.UUID(required=True)
    hours = hours_field(required=True, validate=validate.Range(min=0.5, max=24))
    national_record_ref = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "the service's record in the national volunteer system (全国志愿服务信息系统), which "
                       "stays the member's true total; none where there is no record"})


class VolunteerServiceSchema(ResultSchema):
    id = fields.UUID(required=True)
    activity_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    served_on = fields.Date(required=True)
    hours = hours_field(required=True)
    national_record_ref = fields.Str(allow_none=True)


class VolunteerServicePageSchema(PageSchema):
    items = fields.List(fields.Nested(VolunteerServiceSchema), required=True)


# ---- return entrepreneurship (安家工程) ----------------------------------------------------

class ProjectCreateSchema(StrictSchema):
    member_id = fields.UUID(required=True, metadata={"description": "the returnee who started it"})
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    industry = Text(required=True, validate=validate.Length(min=1, max=100))
    registered_on = fields.Date(required=True, metadata={"description": "not in the future"})
    investment = yuan(required=True)
    jobs_created = fields.Int(required=True, validate=validate.Range(min=0, max=100000))
    support = Text(load_default=None, allow_none=True, validate=validate.Length(max=MAX_TEXT),
                   metadata={"description": "the support given (loans, land, training, an incubator place)"})


class ProjectSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    name = fields.Str(required=True)
    industry = fields.Str(required=True)
    registered_on = fields.Date(required=True)
    investment = yuan(required=True)
    jobs_created = fields.Int(required=True)
    support = fields.Str(allow_none=True)


class ProjectPageSchema(PageSchema):
    items = fields.List(fields.Nested(ProjectSchema), required=True)


class HometownEventCreateSchema(StrictSchema):
    organisation_id = fields.UUID(required=True)
    kind = _one_of(HOMETOWN_EVENT_KINDS, required=True)
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    held_on = fields.Date(required=True, metadata={"description": "not in the future"})
    participants = fields.Int(required=True, validate=validate.Range(min=0, max=100000))
    member_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=500),
                             metadata={"description": "the members who took part, where named"})


class HometownEventSchema(ResultSchema):
    id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    title = fields.Str(required=True)
    held_on = fields.Date(required=True)
    participants = fields.Int(required=True)
    member_ids = fields.List(fields.UUID(), required=True)


class HometownEventPageSchema(PageSchema):
    items = fields.List(fields.Nested(HometownEventSchema), required=True)


# ---- reserve cadres (储备工程) and vanguard (先锋工程) -----------------------------------

class ReserveReviewSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    opened_on = fields.Date(required=True)
    cause = fields.Str(required=True, metadata={"description": "member_returned"})
    returned_on = fields.Date(allow_none=True)
    months_away = fields.Int(allow_none=True, metadata={"description": "the member's record: the last absence"})
    last_grade = fields.Str(allow_none=True, metadata={"description": "the member's record: the latest yearly grade"})
    last_grade_year = fields.Int(allow_none=True)
    state = fields.Str(required=True)
    decision = fields.Str(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    note = fields.Str(allow_none=True)


class ReserveReviewQuerySchema(ListQuerySchema):
    state = _one_of(RESERVE_STATES)


class ReserveReviewPageSchema(PageSchema):
    items = fields.List(fields.Nested(ReserveReviewSchema), required=True)


class ReserveDecisionSchema(StrictSchema):
    decision = _one_of(RESERVE_DECISIONS, required=True)
    decided_on = fields.Date(required=True, metadata={"description": "not in the future, nor before the review opened"})
    note = Text(required=True, validate=validate.Length(min=1, max=MAX_TEXT),
                metadata={"description": "the committee's reasons"})


class VanguardCreateSchema(StrictSchema):
    member_id = fields.UUID(required=True)
    kind = _one_of(VANGUARD_KINDS, required=True)
    title = Text(required=True, validate=validate.Length(min=1, max=200),
                 metadata={"description": "the post or the business"})
    designated_on = fields.Date(required=True, metadata={"description": "not in the future"})


class VanguardSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    title = fields.Str(required=True)
    designated_on = fields.Date(required=True)


class VanguardQuerySchema(ListQuerySchema):
    kind = _one_of(VANGUARD_KINDS)


class VanguardPageSchema(PageSchema):
    items = fields.List(fields.Nested(VanguardSchema), required=True)


# ---- cultivation (培养工程) ---------------------------------------------------------------

class CandidateCreateSchema(StrictSchema):
    organisation_id = fields.UUID(required=True, metadata={"description": "the home branch that cultivates"})
    candidate_ref = Text(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "the applicant's file number (入党申请人档案号); the person's details stay in that file"})
    host = Text(required=True, validate=validate.Length(min=1, max=200),
                metadata={"description": "the organisation where they work, which cultivates with the branch"})
    identified_on = fields.Date(required=True, metadata={"description": "not in the future"})


class CultivationStepCreateSchema(StrictSchema):
    step = _one_of(CULTIVATION_STEPS, required=True)
    on = fields.Date(required=True, metadata={"description": "not in the future"})
    note = _note()


class CultivationStepSchema(ResultSchema):
    step = fields.Str(required=True)
    on = fields.Date(required=True)
    note = fields.Str(allow_none=True)


class CandidateSchema(ResultSchema):
    id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    candidate_ref = fields.Str(required=True)
    host = fields.Str(required=True)
    identified_on = fields.Date(required=True)
    state = fields.Str(required=True)
    steps = fields.List(fields.Nested(CultivationStepSchema), required=True)


class CandidateQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID()
    state = _one_of(CULTIVATION_STATES)


class CandidatePageSchema(PageSchema):
    items = fields.List(fields.Nested(CandidateSchema), required=True)


# ---- the county's figures ----------------------------------------------------------------

class OutreachFiguresSchema(ResultSchema):
    organisation_id = fields.UUID(allow_none=True)
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    contacts_logged = fields.Int(required=True)
    visits_made = fields.Int(required=True, metadata={"description": "visits completed (慰问, 走访)"})
    problems_solved = fields.Int(required=True, metadata={"description": "help cases closed as solved"})
    jobs_found = fields.Int(required=True)
    disputes_settled = fields.Int(required=True)
    wages_recovered = yuan(required=True, metadata={"description": "yuan of unpaid wages recovered"})
    volunteer_activities = fields.Int(required=True)
    volunteer_hours = hours_field(required=True)
    projects = fields.Int(required=True, metadata={"description": "returnees' projects registered"})
    project_jobs = fields.Int(required=True, metadata={"description": "jobs those projects created"})
    project_investment = yuan(required=True)
    hometown_events = fields.Int(required=True)
    village_cadres = fields.Int(required=True, metadata={"description": "returnees nominated as village cadres"})
    reserve_cadres = fields.Int(required=True)
    vanguard = fields.Int(required=True, metadata={"description": "Party-member posts and businesses designated"})
    members_cultivated = fields.Int(required=True, metadata={"description": "candidates admitted"})
