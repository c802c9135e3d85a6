"""组织关系转接: a member's organisation relationship moved by a transfer letter (介绍信).

The letter's state lives here, in the letters, so that a member's status can be
derived from them ("transfer pending", "transferred out") rather than typed.

The calendar rules, as decided for the county:

- A letter is issued today (the county's calendar) and is valid through
  ``valid_until`` inclusive: a letter valid until today may still be received
  today, and is expired from tomorrow on.
- The default validity is 30 days: ``valid_until = issued_on + 30 days``.
- The longest is 3 calendar months: ``valid_until`` may be at most the same day
  of the month three months after ``issued_on``, or that month's last day when
  it is shorter (issued 30 November: at most 28 or 29 February).
- The Party dues are paid up to a month, written YYYY-MM, carried on the letter.
"""
import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.errors import ErrorCode, RuleViolation
from services.roster.domain.events import MemberTransferExpired, MemberTransferred, MemberTransferStarted

DEFAULT_VALIDITY_DAYS = 30
MAX_VALIDITY_MONTHS = 3
DUES_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

PENDING = "pending"
RECEIVED = "received"
EXPIRED = "expired"
STATES = (PENDING, RECEIVED, EXPIRED)

# The status once the letter of a transfer to an organisation outside the platform is received
# (derived by services.roster.domain.status from the received letter).
from services.roster.domain.status import TRANSFERRED_OUT  # noqa: E402


def add_months(day, months):
    """The same day ``months`` later, or the last day of that month when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_valid_until(issued_on):
    return add_months(issued_on, MAX_VALIDITY_MONTHS)


def validity(issued_on, valid_until=None):
    """``valid_until`` checked against the rules above, or the default when None."""
    if valid_until is None:
        return issued_on + timedelta(days=DEFAULT_VALIDITY_DAYS)
    if valid_until < issued_on:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "the letter would be expired before it is issued",
                            {"valid_until": [f"must not be before the issue date {issued_on.isoformat()}"]})
    latest = latest_valid_until(issued_on)
    if valid_until > latest:
        raise RuleViolation(
            ErrorCode.VALIDATION_FAILED, "a transfer letter is valid for at most 3 months",
            {"valid_until": [f"at most 3 months after the issue date: {latest.isoformat()} or earlier"]},
        )
    return valid_until


@dataclass(frozen=True)
class Destination:
    """Where the letter sends the member: an organisation on the platform (``organisation``, a branch),
    or one outside it, known by its ``name`` and ``place``."""

    name: str
    organisation: object = None
    place: str | None = None

    @property
    def organisation_id(self):
        return self.organisation.id if self.organisation is not None else None


class TransferLetter:
    def __init__(self, *, id, member, destination, issued_on, valid_until, dues_paid_until, issued_at,
                 issued_by=None, reissue_of=None):
        if destination.organisation is not None:
            if not destination.organisation.holds_members:
                raise RuleViolation(
                    ErrorCode.NOT_A_BRANCH, f"a letter goes to a branch, and a {destination.organisation.kind} is not one",
                    {"to_organisation_id": ["must be a branch (党支部) of some kind"]},
                )
            if destination.organisation.id == member.organisation_id:
                raise RuleViolation(ErrorCode.VALIDATION_FAILED, "the member already belongs to this organisation",
                                    {"to_organisation_id": ["must not be the member's own branch"]})
        if not DUES_MONTH.match(dues_paid_until or ""):
            raise RuleViolation(ErrorCode.VALIDATION_FAILED, "dues_paid_until is a month",
                                {"dues_paid_until": ["a month as YYYY-MM"]})
        self.id = id
        self.member_id = member.id
        self.member_name = member.name
        self.from_organisation_id = member.organisation_id
        self.to_organisation_id = destination.organisation_id
        self.to_name = destination.name
        self.to_place = destination.place
        self.issued_on = issued_on
        self.valid_until = validity(issued_on, valid_until)
        self.dues_paid_until = dues_paid_until
        self.state = PENDING
        # Set while pending; unique in the table, so the database itself refuses a second pending letter.
        self.pending_for_member_id = member.id
        self.issued_at = issued_at
        self.issued_by = issued_by
        self.reissue_of = reissue_of
        self.reissued_as = None
        self.received_on = None
        self.received_at = None
        self.received_by = None
        self.expired_on = None

    @property
    def to_platform(self):
        return self.to_organisation_id is not None

    def state_on(self, today):
        """The state as of ``today``, whether or not the expiry has been recorded yet."""
        if self.state == PENDING and today > self.valid_until:
            return EXPIRED
        return self.state

    def started(self):
        return MemberTransferStarted(
            transfer_id=self.id, member_id=self.member_id, from_organisation_id=self.from_organisation_id,
            to_organisation_id=self.to_organisation_id, to_name=self.to_name, issued_on=self.issued_on,
            valid_until=self.valid_until, dues_paid_until=self.dues_paid_until, reissue_of=self.reissue_of,
        )

    def expire_if_due(self, today):
        """Record the expiry when the validity has passed: the event, or None when there is nothing to record."""
        if self.state != PENDING or today <= self.valid_until:
            return None
        self.state = EXPIRED
        self.pending_for_member_id = None
        self.expired_on = self.valid_until + timedelta(days=1)
        return MemberTransferExpired(
            transfer_id=self.id, member_id=self.member_id, from_organisation_id=self.from_organisation_id,
            to_organisation_id=self.to_organisation_id, valid_until=self.valid_until, expired_on=self.expired_on,
        )

    def receive(self, *, member, today, received_at, received_by=None):
        """回执: the receiving organisation confirms. On the platform the member joins its branch;
        outside it the member is transferred out. Returns the event."""
        if self.state_on(today) == EXPIRED:
            raise RuleViolation(
                ErrorCode.TRANSFER_EXPIRED,
                f"the letter was valid until {self.valid_until.isoformat()}; re-issue it to transfer the member",
                {"valid_until": self.valid_until.isoformat()},
            )
        if self.state != PENDING:
            raise RuleViolation(ErrorCode.TRANSFER_NOT_PENDING, f"the letter is {self.state}, not pending",
                                {"state": self.state})
        self.state = RECEIVED
        self.pending_for_member_id = None
        self.received_on = today
        self.received_at = received_at
        self.received_by = received_by
        _move(member, self)
        return MemberTransferred(
            transfer_id=self.id, member_id=self.member_id, from_organisation_id=self.from_organisation_id,
            to_organisation_id=self.to_organisation_id, transferred_out=not self.to_platform, received_on=today,
        )

    def check_reissuable(self, today):
        if self.state_on(today) != EXPIRED:
            raise RuleViolation(ErrorCode.TRANSFER_NOT_EXPIRED,
                                f"only an expired letter is re-issued, and this one is {self.state_on(today)}",
                                {"state": self.state_on(today)})
        if self.reissued_as is not None:
            raise RuleViolation(ErrorCode.TRANSFER_ALREADY_REISSUED, "this letter was re-issued already",
                                {"reissued_as": self.reissued_as})


def _move(member, letter):
    """The member's side of a received letter: the new branch on the platform (the letters keep where they
    were before). One that went outside stays listed by the old branch; its status becomes transferred out,
    derived from this letter (services.roster.status)."""
    if letter.to_platform:
        member.organisation_id = letter.to_organisation_id


def ensure_transferable(member, pending_letter):
    """A member with a pending letter, or already transferred out, gets no new letter."""
    if pending_letter is not None:
        raise RuleViolation(ErrorCode.TRANSFER_ALREADY_PENDING,
                            "the member has a pending transfer letter; it must be received or expire first",
                            {"pending_transfer_id": pending_letter.id})
    if member.status == TRANSFERRED_OUT:
        raise RuleViolation(ErrorCode.MEMBER_TRANSFERRED_OUT, "the member was transferred out of the platform",
                            {"member_id": member.id})


def issue(*, letter_id, member, destination, pending_letter, issued_on, valid_until, dues_paid_until, issued_at,
          issued_by=None, reissue_of=None):
    ensure_transferable(member, pending_letter)
    letter = TransferLetter(id=letter_id, member=member, destination=destination, issued_on=issued_on,
                            valid_until=valid_until, dues_paid_until=dues_paid_until, issued_at=issued_at,
                            issued_by=issued_by, reissue_of=reissue_of)
    return letter, letter.started()


def reissue(*, old, letter_id, member, destination, pending_letter, today, valid_until, dues_paid_until, issued_at,
            issued_by=None):
    """A new letter to the same destination, referring to the expired one."""
    old.check_reissuable(today)
    if member.organisation_id != old.from_organisation_id:
        raise RuleViolation(ErrorCode.TRANSFER_SUPERSEDED,
                            "the member has left the sending organisation since; issue a new letter from their branch",
                            {"from_organisation_id": old.from_organisation_id})
    letter, started = issue(
        letter_id=letter_id, member=member, destination=destination, pending_letter=pending_letter, issued_on=today,
        valid_until=valid_until, dues_paid_until=dues_paid_until or old.dues_paid_until, issued_at=issued_at,
        issued_by=issued_by, reissue_of=old.id,
    )
    old.reissued_as = letter.id
    return letter, started
