"""口袋党员 (pocket members): Party members who carry their transfer letter but
never join a branch, and people whose ID number turns up somewhere (a check-in,
a registration elsewhere) but matches no one on the roll. The county keeps a
list of these candidates to work through, and places each in a branch.

Where candidates come from, as decided for the county:

- ``transfer_letter``: a transfer letter expired unreceived (whether it went to a
  branch on the platform or to an organisation outside it: both expire at the end
  of their validity). The candidate is recorded when the expiry is recorded (by the
  sweep or the next read of the letter), once per member: a member with an open
  candidate whose next letter expires too keeps that one candidate, which then
  names the newest letter. A letter re-issued (or a new letter issued) for the
  member withdraws the open candidate: the member is in transfer again. The
  candidate belongs to the sending branch, which remains responsible for the
  member while the relationship is not received anywhere.
- ``check_in``, ``registration_elsewhere``, ``other``: a sighting of an ID number
  that matches no member. It belongs to the organisation that recorded it. The
  same number sighted again adds to the same candidate (one candidate per number).

States: ``open``, then ``placed`` (in a branch) or ``withdrawn`` (a letter
candidate whose transfer was started again). A candidate counts as open on a
day from ``found_on`` until the day before ``closed_on``.
"""
from dataclasses import dataclass
from datetime import date

from contracts import id_number as id_numbers
from contracts.errors import ErrorCode, RuleViolation

TRANSFER_LETTER = "transfer_letter"
CHECK_IN = "check_in"
REGISTRATION_ELSEWHERE = "registration_elsewhere"
OTHER = "other"
SIGHTING_SOURCES = (CHECK_IN, REGISTRATION_ELSEWHERE, OTHER)
SOURCES = (TRANSFER_LETTER, *SIGHTING_SOURCES)

OPEN = "open"
PLACED = "placed"
WITHDRAWN = "withdrawn"
STATES = (OPEN, PLACED, WITHDRAWN)


@dataclass(frozen=True)
class PocketMemberFound:
    pocket_member_id: str
    source: str
    organisation_id: str
    member_id: str | None
    transfer_id: str | None
    found_on: date


@dataclass(frozen=True)
class PocketMemberPlaced:
    pocket_member_id: str
    placement_id: str
    member_id: str
    from_organisation_id: str | None
    branch_id: str
    placed_on: date
    registered: bool


class PocketMember:
    """A candidate. ``id_number`` is personal data (encrypted, indexed by keyed hash,
    masked in answers); letter candidates have none of their own (the member has it)."""

    def __init__(self, *, id, source, organisation_id, name, found_on, found_at, found_by=None, member_id=None,
                 transfer_id=None, id_number=None, place=None, note=None):
        if source not in SOURCES:
            raise ValueError(f"unknown source {source}")
        self.id = id
        self.source = source
        self.organisation_id = organisation_id
        self.name = name
        self.member_id = member_id
        # Set while a letter candidate is open; unique, so the database refuses a second open one per member.
        self.open_for_member_id = member_id
        self.transfer_id = transfer_id
        self.id_number = id_number
        self.place = place
        self.note = note
        self.sightings = 0 if source == TRANSFER_LETTER else 1
        self.found_on = found_on
        self.last_seen_on = found_on
        self.found_at = found_at
        self.found_by = found_by
        self.state = OPEN
        self.closed_on = None
        self.placed_branch_id = None
        self.placed_member_id = None

    @property
    def from_letter(self):
        return self.source == TRANSFER_LETTER

    def found(self):
        return PocketMemberFound(pocket_member_id=self.id, source=self.source, organisation_id=self.organisation_id,
                                 member_id=self.member_id, transfer_id=self.transfer_id, found_on=self.found_on)

    def open_on(self, day):
        return self.found_on <= day and (self.closed_on is None or day < self.closed_on)

    def seen_again(self, seen_on):
        """A repeated sighting of the same number: counted on this candidate, nothing new."""
        self.sightings += 1
        self.last_seen_on = max(self.last_seen_on, seen_on)

    def letter_expired_again(self, transfer_id):
        self.transfer_id = transfer_id

    def withdraw(self, today):
        if self.state != OPEN:
            return
        self.state = WITHDRAWN
        self.closed_on = today
        self.open_for_member_id = None

    def check_placeable(self, placed_on, today):
        if self.state != OPEN:
            raise RuleViolation(ErrorCode.POCKET_MEMBER_NOT_OPEN, f"the candidate is {self.state}, not open",
                                {"state": self.state, "placed_branch_id": self.placed_branch_id})
        if placed_on > today:
            raise RuleViolation(ErrorCode.VALIDATION_FAILED, "a placement is recorded once made",
                                {"placed_on": [f"must not be after today ({today.isoformat()})"]})
        if placed_on < self.found_on:
            raise RuleViolation(ErrorCode.VALIDATION_FAILED, "placed before the candidate was found",
                                {"placed_on": [f"must not be before found_on ({self.found_on.isoformat()})"]})

    def place_in(self, *, placement_id, branch, member, from_organisation_id, placed_on, registered):
        """Close the candidate in ``branch``: the member (moved there, or registered there) is on the roll."""
        self.state = PLACED
        self.closed_on = placed_on
        self.open_for_member_id = None
        self.placed_branch_id = branch.id
        self.placed_member_id = member.id
        return PocketMemberPlaced(pocket_member_id=self.id, placement_id=placement_id, member_id=member.id,
                                  from_organisation_id=from_organisation_id, branch_id=branch.id,
                                  placed_on=placed_on, registered=registered)


class PocketMemberPlacement:
    """The movement a placement makes, appended to the member's history and never changed:
    from which branch (None for someone newly registered) to which, when, by whom."""

    def __init__(self, *, id, pocket_member_id, member_id, from_organisation_id, branch_id, placed_on, registered,
                 recorded_at, recorded_by=None, note=None):
        self.id = id
        self.pocket_member_id = pocket_member_id
        self.member_id = member_id
        self.from_organisation_id = from_organisation_id
        self.branch_id = branch_id
        self.placed_on = placed_on
        self.registered = registered
        self.note = note
        self.recorded_at = recorded_at
        self.recorded_by = recorded_by


def ensure_branch(branch):
    if not branch.holds_members:
        raise RuleViolation(ErrorCode.NOT_A_BRANCH, f"a pocket member is placed in a branch, and a {branch.kind} is not one",
                            {"branch_id": ["must be a branch (党支部) of some kind"]})


def gender_of(id_number):
    """GB 11643: the 17th character, the sequence's last digit, is odd for a man and even for a woman."""
    return "male" if int(id_number[16]) % 2 else "female"


def birth_date_of(id_number):
    return id_numbers.birth_date_of(id_number)
