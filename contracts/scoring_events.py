"""The scoring service's events, on the exchange ``scoring.events``.

Every effect scoring has is one of these, through its outbox: each ledger line
(``points_credited``, one per line, so that a subscriber such as the provincial
app can show a member's points as they come), each manual entry asked for and
decided, each rule-set version, each grading run and grade, and each follow-up
a grade opens and a person closes. ``organisation_id`` is always the member's
branch when the line was written (or graded), so that a subscriber can tell the
subtree without asking anyone.
"""
from marshmallow import Schema, fields

SOURCE = "scoring"

POINTS_CREDITED = "points_credited"
SCORE_ENTRY_SUBMITTED = "score_entry_submitted"
SCORE_ENTRY_DECIDED = "score_entry_decided"
RULE_SET_PUBLISHED = "rule_set_published"
GRADING_RUN_REQUESTED = "grading_run_requested"
GRADING_RUN_COMPLETED = "grading_run_completed"
MEMBER_GRADED = "member_graded"
FOLLOW_UP_OPENED = "follow_up_opened"
FOLLOW_UP_CLOSED = "follow_up_closed"


class PointsCreditedV1(Schema):
    """One line of the member's ledger: ``points`` under ``rule`` (of ``category``) for the year of
    ``occurred_on``. ``source`` is the service whose event earned it (``roster``, ``education``,
    ``outreach``) or ``manual``; ``source_event_id`` is that event's id (or the approved manual
    entry's id). ``rule_points`` is what the rule gives; ``points`` is less when a cap was reached
    (``capped_by`` says which) and 0 for an event of a year already graded."""

    line_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    year = fields.Int(required=True)
    occurred_on = fields.Date(required=True)
    rule = fields.Str(required=True)
    category = fields.Str(required=True)
    points = fields.Decimal(required=True, places=1, as_string=True)
    rule_points = fields.Decimal(required=True, places=1, as_string=True)
    capped_by = fields.Str(allow_none=True, load_default=None)
    source = fields.Str(required=True)
    source_event_id = fields.UUID(required=True)
    source_event_type = fields.Str(required=True)
    rule_set_id = fields.UUID(required=True)


class ScoreEntrySubmittedV1(Schema):
    """A branch asked for a manual entry (points with a reason); it counts once someone else approves it."""

    entry_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    category = fields.Str(required=True)
    points = fields.Decimal(required=True, places=1, as_string=True)
    occurred_on = fields.Date(required=True)
    corrects_line_id = fields.UUID(allow_none=True, load_default=None)


class ScoreEntryDecidedV1(Schema):
    """A manual entry was approved (a ledger line follows, ``points_credited``) or rejected."""

    entry_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    decision = fields.Str(required=True)  # approved | rejected
    decided_on = fields.Date(required=True)


class RuleSetPublishedV1(Schema):
    """A new version of the county's rule set, in force from ``effective_from`` (never in a year already graded)."""

    rule_set_id = fields.UUID(required=True)
    effective_from = fields.Date(required=True)
    starting_score = fields.Decimal(required=True, places=1, as_string=True)


class GradingRunRequestedV1(Schema):
    """Someone asked for ``year`` to be graded; scoring grades it from its ledger when this arrives."""

    run_id = fields.UUID(required=True)
    year = fields.Int(required=True)


class GradingRunCompletedV1(Schema):
    """Every member on the roll in ``year`` was graded: the year is closed."""

    run_id = fields.UUID(required=True)
    year = fields.Int(required=True)
    graded = fields.Int(required=True)
    excellent = fields.Int(required=True)
    qualified = fields.Int(required=True)
    warned = fields.Int(required=True)
    unqualified = fields.Int(required=True)


class MemberGradedV1(Schema):
    """The member's grade for ``year``: excellent (优秀, 90 and above), qualified (合格, 70 up to 90),
    warned (警示, 60 up to 70) or unqualified (不合格, below 60)."""

    run_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    year = fields.Int(required=True)
    score = fields.Decimal(required=True, places=1, as_string=True)
    grade = fields.Str(required=True)


class FollowUpOpenedV1(Schema):
    """What a grade requires, due by ``due_on``: commendation (excellent), a talk (warned), or for the
    unqualified a decision the branch records (rectification within a deadline, persuasion to leave,
    removal)."""

    follow_up_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    year = fields.Int(required=True)
    grade = fields.Str(required=True)
    kind = fields.Str(required=True)
    due_on = fields.Date(required=True)


class FollowUpClosedV1(Schema):
    """A person recorded what was done about a grade: the outcome, on which day."""

    follow_up_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    year = fields.Int(required=True)
    kind = fields.Str(required=True)
    outcome = fields.Str(required=True)
    closed_on = fields.Date(required=True)
    overdue = fields.Bool(required=True)


SCHEMAS = {
    (POINTS_CREDITED, 1): PointsCreditedV1,
    (SCORE_ENTRY_SUBMITTED, 1): ScoreEntrySubmittedV1,
    (SCORE_ENTRY_DECIDED, 1): ScoreEntryDecidedV1,
    (RULE_SET_PUBLISHED, 1): RuleSetPublishedV1,
    (GRADING_RUN_REQUESTED, 1): GradingRunRequestedV1,
    (GRADING_RUN_COMPLETED, 1): GradingRunCompletedV1,
    (MEMBER_GRADED, 1): MemberGradedV1,
    (FOLLOW_UP_OPENED, 1): FollowUpOpenedV1,
    (FOLLOW_UP_CLOSED, 1): FollowUpClosedV1,
}

UPCASTERS = {}
