"""Year end: which year may be graded, and what each grade opens.

A year is graded once, after it is over, in one run over the ledger: each
member's score is the starting score plus the year's lines (caps were applied
as the lines were credited), graded by the bands of the rule set in force on
the last day of the year. Grading closes the year: later events of that year
are kept on the ledger at 0 points, and no entry or rule change reaches it.

A grade opens its follow-up, due some days after the run (the rule set says
how many): commendation by the branch for excellent, a talk for warned, and for
unqualified the branch's decision (限期整改, 劝退 or 除名) — a decision a person
records when closing it, never one the software takes. Qualified opens none.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.errors import ErrorCode, RuleViolation
from contracts.scoring import FOLLOW_UP_OUTCOMES

# roster's statuses that take a member off the county's roll from the day they took effect: not graded
# for a year they left before its end (a member transferred out is graded where they went).
OFF_THE_ROLL = ("removed", "transferred_out", "suspended")
FOLLOW_UP_OF_GRADE = {"excellent": "commendation", "warned": "warning_talk", "unqualified": "disposition"}
OPEN, CLOSED = "open", "closed"


def check_year(year, today, closed_years, requested_years=()):
    if year >= today.year:
        raise RuleViolation(ErrorCode.YEAR_NOT_OVER, f"{year} is not over: a year is graded after 31 December",
                            {"year": ["not over yet"]})
    if year in closed_years or year in requested_years:
        raise RuleViolation(ErrorCode.YEAR_CLOSED, f"{year} has been graded (or is being graded) already",
                            {"year": ["graded already"]})


def year_end(year):
    return date(year, 12, 31)


@dataclass(frozen=True)
class FollowUpDue:
    kind: str
    due_on: date


def follow_up(grade, graded_on, due_days) -> FollowUpDue | None:
    kind = FOLLOW_UP_OF_GRADE.get(grade)
    if kind is None:
        return None
    return FollowUpDue(kind, graded_on + timedelta(days=int(due_days[kind])))


def check_closure(state, kind, outcome, closed_on, opened_on, today):
    if state != OPEN:
        raise RuleViolation(ErrorCode.FOLLOW_UP_CLOSED, "the follow-up has been closed already")
    if outcome not in FOLLOW_UP_OUTCOMES[kind]:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, f"a {kind} is closed with one of "
                            f"{', '.join(FOLLOW_UP_OUTCOMES[kind])}", {"outcome": [f"not an outcome of a {kind}"]})
    if closed_on > today:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "closed_on is in the future", {"closed_on": ["not in the future"]})
    if closed_on < opened_on:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "closed_on is before the grade was given",
                            {"closed_on": ["not before the grading run"]})
