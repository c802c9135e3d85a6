"""What happened, as scoring's rules see it; ``services.scoring.usecases.EVENTS``
names the contract event each one is (``contracts.scoring_events``)."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class PointsCredited:
    line_id: str
    member_id: str
    organisation_id: str
    year: int
    occurred_on: date
    rule: str
    category: str
    points: Decimal
    rule_points: Decimal
    capped_by: str | None
    source: str
    source_event_id: str
    source_event_type: str
    rule_set_id: str


@dataclass(frozen=True)
class ScoreEntrySubmitted:
    entry_id: str
    member_id: str
    organisation_id: str
    category: str
    points: Decimal
    occurred_on: date
    corrects_line_id: str | None = None


@dataclass(frozen=True)
class ScoreEntryDecided:
    entry_id: str
    member_id: str
    organisation_id: str
    decision: str
    decided_on: date


@dataclass(frozen=True)
class RuleSetPublished:
    rule_set_id: str
    effective_from: date
    starting_score: Decimal


@dataclass(frozen=True)
class GradingRunRequested:
    run_id: str
    year: int


@dataclass(frozen=True)
class GradingRunCompleted:
    run_id: str
    year: int
    graded: int
    excellent: int
    qualified: int
    warned: int
    unqualified: int


@dataclass(frozen=True)
class MemberGraded:
    run_id: str
    member_id: str
    organisation_id: str
    year: int
    score: Decimal
    grade: str


@dataclass(frozen=True)
class FollowUpOpened:
    follow_up_id: str
    member_id: str
    organisation_id: str
    year: int
    grade: str
    kind: str
    due_on: date


@dataclass(frozen=True)
class FollowUpClosed:
    follow_up_id: str
    member_id: str
    organisation_id: str
    year: int
    kind: str
    outcome: str
    closed_on: date
    overdue: bool
