"""The pre-departure reminder talk (行前提醒谈话): when it is due, and how it is held.

A departure report opens one talk for the member's branch. It is due within
``due_days`` of the day the report was recorded (that day being day 0), but
never later than the day the member leaves when that day is still ahead: the
talk is meant to happen before leaving. A report recorded after the member had
already left (``late_report``) still opens the talk, due ``due_days`` after the
report: it is held by phone or at the next visit, never dropped.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.errors import ErrorCode, RuleViolation

OPEN, COMPLETED, LAPSED = "open", "completed", "lapsed"
DEFAULT_DUE_DAYS = 7


@dataclass(frozen=True)
class TalkDue:
    due_on: date
    late_report: bool


def due(departed_on, reported_on, due_days=DEFAULT_DUE_DAYS):
    """When the talk for a departure on ``departed_on``, reported on ``reported_on``, is due."""
    by_rhythm = reported_on + timedelta(days=due_days)
    if departed_on > reported_on:
        return TalkDue(due_on=min(departed_on, by_rhythm), late_report=False)
    return TalkDue(due_on=by_rhythm, late_report=departed_on < reported_on)


def opens_for(departed_on, returned_on):
    """Whether a departure opens a talk: not when the member is already home again (a departure
    whose return arrived first, or a report made after the fact)."""
    return departed_on is not None and returned_on is None


def lapses_on_return(state):
    """A talk still open when the member comes home lapses: it is no longer the branch's to do."""
    return state == OPEN


def overdue(state, due_on, today):
    """An open talk is overdue from the day after it was due."""
    return state == OPEN and today > due_on


def check_completion(state, held_on, today):
    """Refuses recording a talk twice, or one held on a day still to come. A lapsed talk may still be
    recorded: it may have been held before the member came home and recorded only now."""
    if state == COMPLETED:
        raise RuleViolation(ErrorCode.TALK_ALREADY_COMPLETED, "the talk has been recorded as held already")
    if held_on > today:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "a talk is recorded once held, not ahead of time",
                            {"held_on": ["is in the future"]})
