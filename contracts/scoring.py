"""The scoring service's RPC interface: permissions, the county's words, the
rule catalogue and the payload and result schemas (the gateway validates HTTP
bodies with the same ones).

Scoring owns the points assessment (积分制考核): the county's rule set as data,
versioned by the day it takes effect; an append-only ledger whose every line
comes from an event of another service or from a manual entry approved by a
second person; the yearly grading (excellent 优秀 90 and above, qualified 合格
70 up to 90, warned 警示 60 up to 70, unqualified 不合格 below 60) and the
follow-ups a grade opens; and standings at any date.
"""
from decimal import Decimal

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

SERVICE_NAME = "scoring"

# ---- permissions ------------------------------------------------------------------
SCORING_READ = "scoring:read"            # rules, ledgers, standings, grades, runs, follow-ups
SCORE_ENTRIES_WRITE = "score_entries:write"  # a branch's manual entry (points with a reason)
SCORE_ENTRIES_APPROVE = "score_entries:approve"  # approve or reject someone else's entry
SCORING_RULES_WRITE = "scoring_rules:write"      # publish a new version of the rule set
GRADING_WRITE = "grading:write"          # run a year's grading: county-wide, the county's act
FOLLOW_UPS_WRITE = "follow_ups:write"    # record what was done about a grade (表彰, 警示谈话, 处置)

PERMISSIONS = (SCORING_READ, SCORE_ENTRIES_WRITE, SCORE_ENTRIES_APPROVE, SCORING_RULES_WRITE, GRADING_WRITE,
               FOLLOW_UPS_WRITE)

# Scoring stores no personal data: a member is an id, a branch and dates.
REVEALS = {}

ROLE_PERMISSIONS = {
    "county_admin": frozenset(PERMISSIONS),
    # The town committee approves its branches' entries and sees their grades through.
    # The rule set and the grading run are the county's (they reach every member): not a town's or a branch's.
    "town_admin": frozenset({SCORING_READ, SCORE_ENTRIES_WRITE, SCORE_ENTRIES_APPROVE, FOLLOW_UPS_WRITE}),
    "branch_secretary": frozenset({SCORING_READ, SCORE_ENTRIES_WRITE, SCORE_ENTRIES_APPROVE, FOLLOW_UPS_WRITE}),
    "liaison": frozenset({SCORING_READ, SCORE_ENTRIES_WRITE}),
    "system_integration": frozenset(PERMISSIONS),
    # Over the member's own record only: their ledger, standing and grades.
    "member": frozenset({SCORING_READ}),
}

# ---- the county's words -------------------------------------------------------------
CATEGORIES = {
    "organisational_life": "参加组织生活",
    "duty": "履行党员义务",
    "discipline": "遵规守纪",
    "role": "发挥作用",
}
GRADES = {"excellent": "优秀", "qualified": "合格", "warned": "警示", "unqualified": "不合格"}
PERIODS = ("month", "quarter", "year")

# What each kind of event may be worth: the rule set (data) says how much, under which category, with
# which cap; this catalogue (code) says which event and which condition each rule reads. There is no
# rule for logging in or for time online, on purpose: points are for what a member does.
RULES = {
    "departure_reported_in_advance": ("roster", "member_departed", "外出报备: reported on or before the day of leaving"),
    "checked_in_in_time": ("roster", "member_checked_in", "双报到: checked in within 15 days of leaving"),
    "return_reported": ("roster", "member_returned", "返乡报告: a return after a reported departure"),
    "talk_held": ("education", "talk_completed", "行前提醒谈话 held"),
    "study_recorded": ("education", "study_recorded", "study recorded (per record, never per minute)"),
    "session_attended": ("education", "session_attended", "主题党日, 三会一课 attended (present or late)"),
    "training_attended": ("education", "training_attended", "归乡教育, 冬训, 轮训 session attended (present or late)"),
    "volunteer_service": ("outreach", "volunteer_service_logged", "志愿服务"),
    "contact_kept": ("outreach", "contact_logged", "kept in contact with the branch (四个一)"),
    "help_given": ("outreach", "help_case_closed", "helped solve a problem (暖心工程)"),
    "manual": ("manual", "score_entry_decided", "a branch's entry with a reason, approved by another person"),
}
RULE_SOURCES = ("roster", "education", "outreach", "manual")

FOLLOW_UP_KINDS = {
    "commendation": "表彰 (优秀)",
    "warning_talk": "警示谈话 (警示)",
    "disposition": "处置 (不合格): 限期整改, 劝退 or 除名",
}
# What closes each kind: a person's record of what was done, never the software's decision.
FOLLOW_UP_OUTCOMES = {
    "commendation": {"commended": "已表彰"},
    "warning_talk": {"talk_held": "已谈话"},
    "disposition": {"rectification": "限期整改", "persuaded_to_leave": "劝退", "removed": "除名"},
}
ENTRY_STATES = {"pending": "待审核", "approved": "已通过", "rejected": "未通过"}
RUN_STATES = {"requested": "评定中", "completed": "已评定"}

MAX_ENTRY_POINTS = 20
MAX_RULE_POINTS = 20
MAX_SCORE = 1000
ONE_PLACE = Decimal("0.1")



class PointsField(fields.Decimal):
    """A number of points to one decimal place (59.9): read exactly as a ``Decimal``, written as a JSON number."""

    def _serialize(self, value, attr, obj, **kwargs):
        value = super()._serialize(value, attr, obj, **kwargs)
        return None if value is None else float(value)

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        if number != number.quantize(ONE_PLACE):
            raise ValidationError("points have at most one decimal place (59.9)")
        return number.quantize(ONE_PLACE)


def points_field(**kwargs):
    return PointsField(**kwargs)


# ---- the rule set -------------------------------------------------------------------

class BandsSchema(StrictSchema):
    """The lowest score of each grade; below ``warned`` is unqualified."""

    excellent = points_field(required=True, validate=validate.Range(min=0, max=MAX_SCORE))
    qualified = points_field(required=True, validate=validate.Range(min=0, max=MAX_SCORE))
    warned = points_field(required=True, validate=validate.Range(min=0, max=MAX_SCORE))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if not data["excellent"] > data["qualified"] > data["warned"]:
            raise ValidationError("the bands must rise: warned < qualified < excellent", "excellent")


class CategoryLimitsSchema(StrictSchema):
    """What a category may add to (``maximum``) or take from (``minimum``) a year's score."""

    minimum = points_field(required=True, validate=validate.Range(min=-MAX_SCORE, max=0))
    maximum = points_field(required=True, validate=validate.Range(min=0, max=MAX_SCORE))


class RuleSchema(StrictSchema):
    category = fields.Str(required=True, validate=validate.OneOf(list(CATEGORIES)))
    points = points_field(required=True, validate=validate.Range(min=-MAX_RULE_POINTS, max=MAX_RULE_POINTS))
    period = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(PERIODS),
                        metadata={"description": "with period_cap: at most period_cap points of this rule per period"})
    period_cap = points_field(load_default=None, allow_none=True, validate=validate.Range(min=0, max=MAX_SCORE))

    @validates_schema
    def _cap_needs_period(self, data, **kwargs):
        if (data.get("period") is None) != (data.get("period_cap") is None):
            raise ValidationError("period and period_cap come together", "period_cap")


class FollowUpDueSchema(StrictSchema):
    """Days after the grading run by which each follow-up is due."""

    commendation = fields.Int(required=True, validate=validate.Range(min=1, max=366))
    warning_talk = fields.Int(required=True, validate=validate.Range(min=1, max=366))
    disposition = fields.Int(required=True, validate=validate.Range(min=1, max=366))


def _all_categories(value):
    if set(value) != set(CATEGORIES):
        raise ValidationError(f"give limits for exactly the four categories: {', '.join(CATEGORIES)}")


def _known_rules(value):
    unknown = sorted(set(value) - set(RULES))
    if unknown:
        raise ValidationError(f"no such rule: {', '.join(unknown)}; the rules are {', '.join(RULES)}")


class RuleSetDocumentSchema(StrictSchema):
    """The county's rules for a period: the starting score, the grade bands, each category's limits per
    year, and what each rule (``RULES``) is worth. A rule left out is worth nothing."""

    starting_score = points_field(required=True, validate=validate.Range(min=0, max=MAX_SCORE))
    bands = fields.Nested(BandsSchema, required=True)
    categories = fields.Dict(keys=fields.Str(), values=fields.Nested(CategoryLimitsSchema), required=True,
                             validate=_all_categories)
    rules = fields.Dict(keys=fields.Str(), values=fields.Nested(RuleSchema), required=True, validate=_known_rules)
    follow_up_due_days = fields.Nested(FollowUpDueSchema, required=True)


class RuleSetCreateSchema(RuleSetDocumentSchema):
    """A new version of the rule set, in force from ``effective_from``: today or later, never in a year
    already graded. Points already credited are never rewritten."""

    effective_from = fields.Date(required=True)
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RuleSetSchema(ResultSchema):
    id = fields.UUID(required=True)
    effective_from = fields.Date(required=True)
    effective_until = fields.Date(allow_none=True, metadata={"description": "the day before the next version, if any"})
    starting_score = points_field(required=True)
    bands = fields.Dict(required=True)
    categories = fields.Dict(required=True)
    rules = fields.Dict(required=True)
    follow_up_due_days = fields.Dict(required=True)
    note = fields.Str(allow_none=True)
    published_by = fields.Str(allow_none=True)
    published_at = fields.AwareDateTime(allow_none=True)


class RuleSetQuerySchema(PageQuerySchema):
    on = fields.Date(metadata={"description": "only the version in force on this day"})


class RuleSetPageSchema(PageSchema):
    items = fields.List(fields.Nested(RuleSetSchema), required=True)


# ---- the ledger -----------------------------------------------------------------------

class LedgerQuerySchema(PageQuerySchema):
    member_id = fields.UUID()
    organisation_id = fields.UUID(metadata={"description": "lines of members of this organisation's subtree"})
    year = fields.Int(validate=validate.Range(min=2000, max=2100))
    source = fields.Str(validate=validate.OneOf(RULE_SOURCES))


class LedgerLineSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    year = fields.Int(required=True)
    occurred_on = fields.Date(required=True)
    category = fields.Str(required=True)
    rule = fields.Str(required=True)
    explanation = fields.Str(required=True, metadata={"description": "what the rule rewards, in the county's words"})
    points = points_field(required=True)
    rule_points = points_field(required=True, metadata={"description": "what the rule gives; points is less when capped"})
    capped_by = fields.Str(allow_none=True, metadata={"description": "period, category, or year_closed"})
    source = fields.Str(required=True)
    source_event_id = fields.UUID(required=True)
    source_event_type = fields.Str(required=True)
    rule_set_id = fields.UUID(required=True)
    reason = fields.Str(allow_none=True, metadata={"description": "a manual entry's reason"})
    credited_at = fields.AwareDateTime(required=True)


class LedgerPageSchema(PageSchema):
    items = fields.List(fields.Nested(LedgerLineSchema), required=True)


# ---- manual entries and their approval --------------------------------------------------

class ScoreEntryCreateSchema(StrictSchema):
    """Points a branch gives or takes, with a reason; they count once another person approves them.
    A correction names the line it corrects (``corrects_line_id``): a new line, never an edit."""

    member_id = fields.UUID(required=True)
    category = fields.Str(required=True, validate=validate.OneOf(list(CATEGORIES)))
    points = points_field(required=True, validate=validate.Range(min=-MAX_ENTRY_POINTS, max=MAX_ENTRY_POINTS))
    occurred_on = fields.Date(required=True, metadata={"description": "the day of what is scored, not in the future"})
    reason = Text(required=True, validate=validate.Length(min=1, max=1000))
    corrects_line_id = fields.UUID(load_default=None, allow_none=True)

    @validates_schema
    def _not_zero(self, data, **kwargs):
        if data.get("points") == 0:
            raise ValidationError("an entry of 0 points changes nothing", "points")


class ScoreEntryDecisionSchema(StrictSchema):
    decision = fields.Str(required=True, validate=validate.OneOf(["approved", "rejected"]))
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class ScoreEntryQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID()
    member_id = fields.UUID()
    state = fields.Str(validate=validate.OneOf(list(ENTRY_STATES)))


class ScoreEntrySchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    category = fields.Str(required=True)
    points = points_field(required=True)
    occurred_on = fields.Date(required=True)
    reason = fields.Str(required=True)
    corrects_line_id = fields.UUID(allow_none=True)
    state = fields.Str(required=True)
    submitted_by = fields.Str(required=True)
    submitted_at = fields.AwareDateTime(required=True)
    decided_by = fields.Str(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_note = fields.Str(allow_none=True)
    line_id = fields.UUID(allow_none=True, metadata={"description": "the ledger line an approval wrote"})


class ScoreEntryPageSchema(PageSchema):
    items = fields.List(fields.Nested(ScoreEntrySchema), required=True)


# A county adopting the platform enters its paper ledger (纸质积分台账) of a year still open, and the
# town checks it: each item is validated and answered on its own, as the roster's batches are.

class ScoreEntryBatchSchema(StrictSchema):
    items = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=MAX_BATCH), metadata={
        "description": f"1 to {MAX_BATCH} entries, each as the body of POST /score-entries (submitScoreEntry)"})


class ScoreDecisionItemSchema(ScoreEntryDecisionSchema):
    entry_id = fields.UUID(required=True)


class ScoreDecisionBatchSchema(StrictSchema):
    items = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=MAX_BATCH), metadata={
        "description": f"1 to {MAX_BATCH} decisions, each an entry_id beside the body of "
                       "POST /score-entries/{entry_id}/decision (decideScoreEntry)"})


class ScoreEntryBatchItemSchema(BatchItemSchema):
    entry = fields.Nested(ScoreEntrySchema, allow_none=True)


class ScoreEntryBatchResultSchema(BatchResultSchema):
    items = fields.List(fields.Nested(ScoreEntryBatchItemSchema), required=True)


# ---- standings ----------------------------------------------------------------------------

class StandingQuerySchema(StrictSchema):
    on = fields.Date(metadata={"description": "the day of the standing (default today); its year is scored"})


class CategoryStandingSchema(ResultSchema):
    category = fields.Str(required=True)
    label = fields.Str(required=True)
    points = points_field(required=True)
    minimum = points_field(required=True)
    maximum = points_field(required=True)


class StandingSchema(ResultSchema):
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    year = fields.Int(required=True)
    on = fields.Date(required=True)
    starting_score = points_field(required=True)
    score = points_field(required=True, metadata={"description": "the running score on the day"})
    grade = fields.Str(required=True, metadata={"description": "the band the running score is in"})
    projected_score = points_field(required=True, metadata={
        "description": "the score the year ends with if the member keeps the pace so far (within each category's limits)"})
    projected_grade = fields.Str(required=True)
    graded = fields.Str(allow_none=True, metadata={"description": "the year's grade, once the year has been graded"})
    categories = fields.List(fields.Nested(CategoryStandingSchema), required=True)
    lines = fields.List(fields.Nested(LedgerLineSchema), required=True,
                        metadata={"description": "every line of the year up to the day: the score explained"})


class AtRiskQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID()
    on = fields.Date()


class AtRiskMemberSchema(ResultSchema):
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    score = points_field(required=True)
    projected_score = points_field(required=True)
    projected_grade = fields.Str(required=True)


class AtRiskPageSchema(PageSchema):
    year = fields.Int(required=True)
    on = fields.Date(required=True)
    items = fields.List(fields.Nested(AtRiskMemberSchema), required=True)


class DistributionQuerySchema(StrictSchema):
    year = fields.Int(required=True, validate=validate.Range(min=2000, max=2100))
    organisation_id = fields.UUID(metadata={"description": "default: the caller's organisations"})


class GradeCountsSchema(ResultSchema):
    organisation_id = fields.UUID(allow_none=True)
    name = fields.Str(allow_none=True)
    kind = fields.Str(allow_none=True)
    members = fields.Int(required=True)
    excellent = fields.Int(required=True)
    qualified = fields.Int(required=True)
    warned = fields.Int(required=True)
    unqualified = fields.Int(required=True)


class DistributionSchema(ResultSchema):
    year = fields.Int(required=True)
    graded = fields.Bool(required=True, metadata={
        "description": "true: the year's grades; false: the year is open and these are the running scores' bands"})
    total = fields.Nested(GradeCountsSchema, required=True)
    rows = fields.List(fields.Nested(GradeCountsSchema), required=True,
                       metadata={"description": "one row per organisation directly under the one asked about"})


# ---- grading runs, grades and follow-ups ----------------------------------------------------

class GradingRunCreateSchema(StrictSchema):
    year = fields.Int(required=True, validate=validate.Range(min=2000, max=2100),
                      metadata={"description": "a year that is over and not yet graded"})


class GradingRunSchema(ResultSchema):
    id = fields.UUID(required=True)
    year = fields.Int(required=True)
    state = fields.Str(required=True)
    requested_by = fields.Str(required=True)
    requested_at = fields.AwareDateTime(required=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    rule_set_id = fields.UUID(allow_none=True)
    graded = fields.Int(allow_none=True)
    excellent = fields.Int(allow_none=True)
    qualified = fields.Int(allow_none=True)
    warned = fields.Int(allow_none=True)
    unqualified = fields.Int(allow_none=True)


class GradingRunPageSchema(PageSchema):
    items = fields.List(fields.Nested(GradingRunSchema), required=True)


class GradeQuerySchema(PageQuerySchema):
    year = fields.Int(required=True, validate=validate.Range(min=2000, max=2100))
    organisation_id = fields.UUID()
    member_id = fields.UUID()
    grade = fields.Str(validate=validate.OneOf(list(GRADES)))


class GradeSchema(ResultSchema):
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    year = fields.Int(required=True)
    score = points_field(required=True)
    grade = fields.Str(required=True)
    grade_label = fields.Str(required=True)
    run_id = fields.UUID(required=True)


class GradePageSchema(PageSchema):
    items = fields.List(fields.Nested(GradeSchema), required=True)


class FollowUpQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID()
    member_id = fields.UUID()
    year = fields.Int(validate=validate.Range(min=2000, max=2100))
    kind = fields.Str(validate=validate.OneOf(list(FOLLOW_UP_KINDS)))
    state = fields.Str(validate=validate.OneOf(["open", "closed"]))
    overdue = fields.Bool(metadata={"description": "true: open follow-ups past their due day"})


class FollowUpClosureSchema(StrictSchema):
    """What a person did about the grade: commended (优秀), talk held (警示), or for the unqualified the
    branch's decision: rectification by ``rectify_by`` (限期整改), persuaded to leave (劝退) or removed (除名)."""

    outcome = fields.Str(required=True, validate=validate.OneOf(
        sorted({outcome for outcomes in FOLLOW_UP_OUTCOMES.values() for outcome in outcomes})))
    closed_on = fields.Date(required=True, metadata={"description": "not in the future"})
    decided_by = Text(required=True, validate=validate.Length(min=1, max=100),
                      metadata={"description": "who decided or did it (the branch meeting, the secretary)"})
    rectify_by = fields.Date(load_default=None, allow_none=True,
                             metadata={"description": "for rectification: the deadline (required then)"})
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _deadline(self, data, **kwargs):
        if (data.get("outcome") == "rectification") != (data.get("rectify_by") is not None):
            raise ValidationError("rectify_by comes with a rectification, and only with it", "rectify_by")


class FollowUpSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    year = fields.Int(required=True)
    grade = fields.Str(required=True)
    kind = fields.Str(required=True)
    kind_label = fields.Str(required=True)
    due_on = fields.Date(required=True)
    state = fields.Str(required=True)
    overdue = fields.Bool(required=True)
    outcome = fields.Str(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    decided_by = fields.Str(allow_none=True)
    rectify_by = fields.Date(allow_none=True)
    note = fields.Str(allow_none=True)
    recorded_by = fields.Str(allow_none=True)


class FollowUpPageSchema(PageSchema):
    items = fields.List(fields.Nested(FollowUpSchema), required=True)
