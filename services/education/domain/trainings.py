"""Trainings on return (归乡教育): which training a member who came home joins,
and what a session's register may hold.

A returning member is enrolled in homecoming training joined to the winter
training (冬训) or the town's rotation training (轮训) when one of those is
running on the day they are back; otherwise in the training of their branch's
line (their branch, its town, the county) that starts soonest and has room.
Between equals the training run closest to the member's branch wins (a
branch's own over the town's, the town's over the county's). "The day they are
back" is the later of the return day and today: a return reported late is not
enrolled in a training that has already ended. With nothing open, the member
waits and is enrolled when a training that suits them is created.
"""
from dataclasses import dataclass
from datetime import date

from contracts.errors import ErrorCode, RuleViolation

HOMECOMING, WINTER, ROTATION = "homecoming", "winter", "rotation"
JOINED_KINDS = (WINTER, ROTATION)
ON_RETURN, MANUAL = "member_returned", "manual"


@dataclass(frozen=True)
class Candidate:
    """A training run by an organisation on the member's line (``depth``: that organisation's
    depth in the tree, the branch being deepest), with ``enrolled`` members so far."""

    training_id: str
    kind: str
    starts_on: date
    ends_on: date
    capacity: int
    enrolled: int
    depth: int

    def has_room(self):
        return self.enrolled < self.capacity

    def running_on(self, day):
        return self.starts_on <= day <= self.ends_on


def day_back(returned_on, today):
    return max(returned_on, today)


def choose_training(candidates, returned_on, today):
    """The training a member back on ``returned_on`` joins, or None (they wait)."""
    day = day_back(returned_on, today)
    open_ones = [c for c in candidates if c.has_room() and c.ends_on >= day]
    if not open_ones:
        return None

    def preference(candidate):
        joined_now = candidate.kind in JOINED_KINDS and candidate.running_on(day)
        return (not joined_now, candidate.starts_on, -candidate.depth, candidate.training_id)

    return min(open_ones, key=preference)


def waiting_member_fits(training_ends_on, returned_on, today):
    """Whether a member waiting since ``returned_on`` can still join a training ending ``training_ends_on``."""
    return training_ends_on >= day_back(returned_on, today)


def check_enrolment(capacity, enrolled, already_enrolled):
    if already_enrolled:
        raise RuleViolation(ErrorCode.ALREADY_ENROLLED, "the member is enrolled in this training already",
                            {"member_id": ["already enrolled"]})
    if enrolled >= capacity:
        raise RuleViolation(ErrorCode.TRAINING_FULL, f"the training is full ({capacity} places)")


def check_session_day(held_on, starts_on, ends_on):
    if not starts_on <= held_on <= ends_on:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "a session is held within the training's days",
                            {"held_on": [f"must be between {starts_on.isoformat()} and {ends_on.isoformat()}"]})


def check_register(held_on, today, member_ids, enrolled_ids):
    """A register is taken once the session has been held, for members enrolled in the training."""
    if held_on > today:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "attendance is recorded once the session has been held",
                            {"training_session_id": ["the session is still to come"]})
    strangers = sorted(set(member_ids) - set(enrolled_ids))
    if strangers:
        raise RuleViolation(ErrorCode.NOT_ENROLLED, "the register names members not enrolled in the training",
                            {"items": {"member_id": strangers}})


def check_not_future(day, today, field):
    if day > today:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, f"{field} is in the future", {field: ["is in the future"]})
