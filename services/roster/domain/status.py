"""A member's status is computed, never typed: derived from the history (the
open departure and its check-in, the transfer letters, and the lost-contact
records) and the county's calendar.

Precedence, highest first: the first that holds is the status.

1. ``removed`` (除名) — the member is no longer a Party member at all;
2. ``suspended`` (停止党籍) — the membership itself is suspended;
3. ``transferred_out`` (已转出) — the relationship went to an organisation
   outside the platform; nothing that happens to a departure changes that;
4. ``lost_contact`` (失联) — nobody can reach the member: it says more than
   where they are;
5. ``transfer_pending`` (转接中) — a letter is out and still valid: the old
   organisation remains responsible until the receipt;
6. ``should_transfer`` (应转接) — away six calendar months or more (from that
   day itself), with or without a check-in, unless the relationship has been
   transferred (a letter received) since the departure: the member is then
   managed where they are, and is simply ``away`` from home until they return;
7. ``awaiting_check_in`` (待报到) — away without a check-in from the due day on
   (that day included);
8. ``away`` (外出) — an open departure, nothing above;
9. ``normal`` (正常) — at home, nothing above.

The three lost-contact facts come from the lost-contact records
(services.roster.domain.lost_contact).
"""
from dataclasses import dataclass
from datetime import date

from services.roster.domain import check_in as rules

NORMAL = "normal"
AWAY = "away"
AWAITING_CHECK_IN = "awaiting_check_in"
SHOULD_TRANSFER = "should_transfer"
TRANSFER_PENDING = "transfer_pending"
LOST_CONTACT = "lost_contact"
SUSPENDED = "suspended"
REMOVED = "removed"
TRANSFERRED_OUT = "transferred_out"

# Highest precedence first (see the module's docstring).
PRECEDENCE = (REMOVED, SUSPENDED, TRANSFERRED_OUT, LOST_CONTACT, TRANSFER_PENDING, SHOULD_TRANSFER,
              AWAITING_CHECK_IN, AWAY, NORMAL)
STATUSES = PRECEDENCE

# The statuses the clock alone may turn into another one (an open departure crossing the check-in due
# day or six months); the daily sweep looks only at members cached with one of these.
CLOCK_DRIVEN = (AWAY, AWAITING_CHECK_IN)

CLOCK = "clock"  # the cause of a change the clock alone made


@dataclass(frozen=True)
class StatusFacts:
    """What the status is derived from.

    ``departed_on``: the open departure's day, or None at home;
    ``checked_in``: that departure has a check-in;
    ``transfer_pending``: a letter is pending and still valid today;
    ``transferred_out``: a letter to an organisation outside the platform was received;
    ``transferred_while_away``: a letter was received on or after the open departure's day;
    ``lost_contact`` / ``suspended`` / ``removed``: from the lost-contact records.
    """

    departed_on: date | None = None
    checked_in: bool = False
    transfer_pending: bool = False
    transferred_out: bool = False
    transferred_while_away: bool = False
    lost_contact: bool = False
    suspended: bool = False
    removed: bool = False

    @property
    def away(self):
        return self.departed_on is not None


def derive_status(facts, today, check_in_due_days=rules.DEFAULT_CHECK_IN_DUE_DAYS):
    """The member's status on ``today`` (the county's calendar), by the precedence above."""
    if facts.removed:
        return REMOVED
    if facts.suspended:
        return SUSPENDED
    if facts.transferred_out:
        return TRANSFERRED_OUT
    if facts.lost_contact:
        return LOST_CONTACT
    if facts.transfer_pending:
        return TRANSFER_PENDING
    if facts.away:
        if facts.transferred_while_away:
            return AWAY
        if rules.should_transfer(facts.departed_on, today):
            return SHOULD_TRANSFER
        if not facts.checked_in and rules.awaiting_check_in(facts.departed_on, today, check_in_due_days):
            return AWAITING_CHECK_IN
        return AWAY
    return NORMAL


def effective_on(status, facts, today, check_in_due_days=rules.DEFAULT_CHECK_IN_DUE_DAYS, default=None):
    """The day ``status`` took effect. The clock's statuses know it exactly (the due day, the day six
    months are up), however late it is noticed; any other takes ``default`` (the day of the event that
    caused it), or ``today``. Never after ``today``: a departure reported ahead makes the member away now."""
    if status == SHOULD_TRANSFER:
        day = rules.should_transfer_from(facts.departed_on)
    elif status == AWAITING_CHECK_IN:
        day = rules.check_in_due_on(facts.departed_on, check_in_due_days)
    else:
        day = default or today
    return min(day, today)


@dataclass(frozen=True)
class MemberStatusChanged:
    member_id: str
    organisation_id: str
    status: str
    previous_status: str | None
    effective_on: date
    cause: str


class MemberStatusChange:
    """One row of a member's status history: append-only, never changed."""

    def __init__(self, *, id, member_id, organisation_id, status, previous_status, effective_on, changed_at,
                 changed_by=None, cause):
        self.id = id
        self.member_id = member_id
        self.organisation_id = organisation_id
        self.status = status
        self.previous_status = previous_status
        self.effective_on = effective_on
        self.changed_at = changed_at
        self.changed_by = changed_by
        self.cause = cause

    def event(self):
        return MemberStatusChanged(member_id=self.member_id, organisation_id=self.organisation_id, status=self.status,
                                   previous_status=self.previous_status, effective_on=self.effective_on,
                                   cause=self.cause)
