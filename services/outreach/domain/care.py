"""Warm heart (暖心工程): whom a care campaign visits, when a visit is due, and the
rules of a help case's timeline.

A campaign lists each member of its subtree once, under the first of its groups
the member falls in, in the order the county chose: ``away_families`` (away
now: the family at home is visited), ``returned_members`` (home again within
``RETURNED_WITHIN_DAYS`` of the campaign's start) and ``hardship`` (an open help
case). Members off the roll are not visited.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.errors import ErrorCode, RuleViolation
from contracts.outreach import COMMENDATION_VISIT_DAYS, HOMECOMING_VISIT_DAYS

RETURNED_WITHIN_DAYS = 365
# roster's statuses of a member away from home.
AWAY = ("away", "awaiting_check_in", "should_transfer", "transfer_pending", "lost_contact")
OFF_THE_ROLL = ("removed", "transferred_out", "suspended")
OPEN, CLOSED = "open", "closed"
SCHEDULED, COMPLETED = "scheduled", "completed"
LISTING, LISTED = "listing", "listed"


@dataclass(frozen=True)
class MemberSituation:
    """What outreach's projection knows of a member on the day a campaign starts."""

    member_id: str
    organisation_id: str
    status: str
    last_returned_on: date | None
    open_help_cases: int


def campaign_group(member: MemberSituation, groups, starts_on: date) -> str | None:
    """The group a member is visited under in a campaign starting ``starts_on``, or None."""
    if member.status in OFF_THE_ROLL:
        return None
    for group in groups:
        if group == "away_families" and member.status in AWAY:
            return group
        if (group == "returned_members" and member.status not in AWAY and member.last_returned_on is not None
                and timedelta(0) <= starts_on - member.last_returned_on <= timedelta(days=RETURNED_WITHIN_DAYS)):
            return group
        if group == "hardship" and member.open_help_cases > 0:
            return group
    return None


def campaign_list(members, groups, starts_on):
    """``[(member, group)]``: whom the campaign visits, each once."""
    listed = []
    for member in members:
        group = campaign_group(member, groups, starts_on)
        if group is not None:
            listed.append((member, group))
    return listed


def homecoming_visit_due(returned_on: date) -> date:
    return returned_on + timedelta(days=HOMECOMING_VISIT_DAYS)


def commendation_visit_due(graded_on: date) -> date:
    return graded_on + timedelta(days=COMMENDATION_VISIT_DAYS)


def overdue(due_on: date, done_on: date | None, today: date) -> bool:
    """Late: not done by the due day, or done after it."""
    return (done_on or today) > due_on


def not_in_future(day, today, field):
    if day > today:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, f"{field} is in the future", {field: ["not in the future"]})


def not_before(day, earliest, field, what):
    if day < earliest:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, f"{field} is before {what}", {field: [f"not before {what}"]})


def check_visit_completion(state, scheduled_on, visited_on, today):
    if state != SCHEDULED:
        raise RuleViolation(ErrorCode.ALREADY_RECORDED, "the visit has been recorded already")
    not_in_future(visited_on, today, "visited_on")
    not_before(visited_on, scheduled_on, "visited_on", "the visit was scheduled")


# ---- help cases: opened, noted, closed; a step is dated, never before the case opened ----------

def check_open(opened_on, today):
    not_in_future(opened_on, today, "opened_on")


def check_note(state, opened_on, noted_on, due_on, today):
    if state != OPEN:
        raise RuleViolation(ErrorCode.HELP_CASE_CLOSED, "the help case has been closed")
    not_in_future(noted_on, today, "noted_on")
    not_before(noted_on, opened_on, "noted_on", "the case opened")
    if due_on is not None:
        not_before(due_on, noted_on, "due_on", "the note")


def check_closure(state, opened_on, closed_on, today):
    if state != OPEN:
        raise RuleViolation(ErrorCode.HELP_CASE_CLOSED, "the help case has been closed already")
    not_in_future(closed_on, today, "closed_on")
    not_before(closed_on, opened_on, "closed_on", "the case opened")


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    kind: str  # opened, note, due_moved, closed
    note: str | None
    due_on: date | None
    recorded_by: str | None
    sequence: int  # the order it was recorded in, for entries of one day


def timeline(entries):
    """A case's entries in the order they happened: by day, then as recorded."""
    return sorted(entries, key=lambda entry: (entry.on, entry.sequence))


def due_on_after(entries, opened_due_on):
    """The case's due day now: the last one a dated entry set, else the one it opened with."""
    due = opened_due_on
    for entry in timeline(entries):
        if entry.due_on is not None:
            due = entry.due_on
    return due
