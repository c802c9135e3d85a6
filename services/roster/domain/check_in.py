"""双报到: a member away checks in at a host organisation at the destination,
and both the host and the home town confirm it; and the two lists that the
clock alone fills: members awaiting check-in (待报到) and members who should
transfer their organisational relationship (应转接).

Check-ins are history: one is never overwritten. A confirmation fills its
side's who-and-when once; a second confirmation of the same side is refused.
"""
import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.errors import ErrorCode, RuleViolation
from services.roster.domain.organisation import (
    BRANCH_KINDS,
    RED_STATION,
    SERVICE_POINT,
    SERVICE_STATION,
)

HOST = "host"
HOME = "home"
SIDES = (HOST, HOME)

# Who may receive a member at the destination: any branch, or a station or
# point that serves incoming members.
HOST_KINDS = BRANCH_KINDS | {SERVICE_STATION, SERVICE_POINT, RED_STATION}

DEFAULT_CHECK_IN_DUE_DAYS = 15
SHOULD_TRANSFER_MONTHS = 6


@dataclass(frozen=True)
class MemberCheckedIn:
    member_id: str
    check_in_id: str
    departure_id: str
    organisation_id: str
    host_organisation_id: str | None
    host_name: str
    checked_in_on: date


@dataclass(frozen=True)
class CheckInConfirmed:
    member_id: str
    check_in_id: str
    organisation_id: str
    host_organisation_id: str | None
    side: str
    confirmed_by: str | None
    both_confirmed: bool


class CheckIn:
    """One check-in at a host. ``host_organisation_id`` is set when the host
    is on the platform; an outside host is named by ``host_name`` and
    ``host_place`` only."""

    def __init__(self, *, id, member_id, departure_id, checked_in_on, host_name, host_place=None,
                 host_organisation_id=None, reported_at, reported_by=None):
        self.id = id
        self.member_id = member_id
        self.departure_id = departure_id
        self.checked_in_on = checked_in_on
        self.host_organisation_id = host_organisation_id
        self.host_name = host_name
        self.host_place = host_place
        self.reported_at = reported_at
        self.reported_by = reported_by
        self.host_confirmed_at = None
        self.host_confirmed_by = None
        self.home_confirmed_at = None
        self.home_confirmed_by = None

    @property
    def on_platform(self):
        return self.host_organisation_id is not None

    @property
    def confirmed(self):
        return self.host_confirmed_at is not None and self.home_confirmed_at is not None

    def confirm(self, *, side, member, at, by, sees_host, sees_home):
        """Record ``side``'s confirmation.

        ``sees_host`` / ``sees_home``: whether the caller's organisations
        cover the host organisation / the member's home branch (a member's own
        scope covers neither). The host side is confirmed by the host; an
        outside host cannot sign in, so the home side records its word for it.
        """
        if side == HOST:
            allowed = sees_host if self.on_platform else sees_home
            who = "the host organisation" if self.on_platform else "the home organisation, for a host outside the platform"
        else:
            allowed, who = sees_home, "the member's home organisation"
        if not allowed:
            raise RuleViolation(ErrorCode.NOT_THE_CONFIRMING_SIDE,
                                f"the {side} confirmation is given by {who}, and the caller's organisations are not it",
                                {"side": [f"the caller may not confirm for the {side} side"]})
        if getattr(self, f"{side}_confirmed_at") is not None:
            raise RuleViolation(ErrorCode.ALREADY_CONFIRMED, f"the {side} side has already confirmed this check-in",
                                {"side": [f"already confirmed by the {side} side"]})
        setattr(self, f"{side}_confirmed_at", at)
        setattr(self, f"{side}_confirmed_by", by)
        return CheckInConfirmed(member_id=member.id, check_in_id=self.id, organisation_id=member.organisation_id,
                                host_organisation_id=self.host_organisation_id, side=side, confirmed_by=by,
                                both_confirmed=self.confirmed)


def check_in(member, *, check_in_id, open_check_in, checked_in_on, host_name, host_place=None, host=None,
             reported_at, reported_by=None):
    """The member checks in at ``host`` (an organisation on the platform) or
    at an outside host named ``host_name`` in ``host_place``.

    ``open_check_in``: the check-in already recorded for the member's current
    departure, if any. One departure has one check-in: a member who moves on
    to another place reports a return and a new departure, so that every
    place has its own dates (and the six months are counted per place).
    """
    departure = member.current_departure
    if departure is None:
        raise RuleViolation(ErrorCode.MEMBER_NOT_AWAY, "the member is at home: report a departure before a check-in",
                            {"member_id": ["has no open departure"]})
    if open_check_in is not None:
        raise RuleViolation(ErrorCode.ALREADY_CHECKED_IN,
                            "the member has already checked in for this departure",
                            {"check_in_id": open_check_in.id})
    if host is not None and host.kind not in HOST_KINDS:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, f"a {host.kind} does not receive members",
                            {"host_organisation_id": ["must be a branch, service station, service point or red station"]})
    if host is not None and host.id == member.organisation_id:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "the member's home branch is not a host at the destination",
                            {"host_organisation_id": ["must not be the member's home branch"]})
    if departure.departed_on is not None and checked_in_on < departure.departed_on:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "the check-in is before the departure",
                            {"checked_in_on": [f"must not be before the departure on {departure.departed_on.isoformat()}"]})
    record = CheckIn(
        id=check_in_id, member_id=member.id, departure_id=departure.id, checked_in_on=checked_in_on,
        host_organisation_id=host.id if host is not None else None,
        host_name=host.name if host is not None else host_name,
        host_place=(host.location if host is not None else host_place),
        reported_at=reported_at, reported_by=reported_by,
    )
    return record, MemberCheckedIn(
        member_id=member.id, check_in_id=record.id, departure_id=departure.id, organisation_id=member.organisation_id,
        host_organisation_id=record.host_organisation_id, host_name=record.host_name, checked_in_on=checked_in_on,
    )


# ---- what the clock alone decides -----------------------------------------

def add_months(day, months):
    """``day`` plus calendar months; a day the target month lacks is its last
    (31 August + 6 months = 28 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if not date.min.year <= year <= date.max.year:
        # A date the calendar cannot hold (a departure typed as 9999-12-01): as far as it goes.
        return date.max if months > 0 else date.min
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_in_due_on(departed_on, due_days):
    """The day a member who left on ``departed_on`` without checking in is
    listed as awaiting check-in: ``due_days`` days after leaving (that day
    included). With 15, one who left on 1 March is listed from 16 March."""
    return departed_on + timedelta(days=due_days)


def awaiting_check_in(departed_on, today, due_days):
    return today >= check_in_due_on(departed_on, due_days)


def latest_departure_awaiting(today, due_days):
    """Every departure on or before this day is due for its check-in today."""
    return today - timedelta(days=due_days)


def should_transfer_from(departed_on):
    """The day a member away since ``departed_on`` has been away six calendar
    months: from that day itself (departed 2 March, flagged from 2 September)."""
    return add_months(departed_on, SHOULD_TRANSFER_MONTHS)


def should_transfer(departed_on, today):
    return today >= should_transfer_from(departed_on)


def latest_departure_to_transfer(today):
    """The last departure day flagged today: ``should_transfer`` holds for
    every day up to it and none after (adding months never goes backwards),
    so a query can compare ``departed_on`` with it."""
    day = add_months(today, -SHOULD_TRANSFER_MONTHS)
    # Month ends: 28 Feb - 6 months is 28 Aug, but 29-31 Aug also reach 28 Feb.
    while should_transfer(day + timedelta(days=1), today):
        day += timedelta(days=1)
    while not should_transfer(day, today):
        day -= timedelta(days=1)
    return day


# ---- 流动党员活动证: the mobile-member card ---------------------------------

class MobileMemberCard:
    """Issued for one departure expected to last under six months: the member
    takes part in organisational life and pays dues at ``branch_id`` (a branch
    at the destination) and has no vote there. Never changed once issued."""

    def __init__(self, *, id, member_id, departure_id, number, branch_id, issued_on, valid_until, issued_at,
                 issued_by=None):
        self.id = id
        self.member_id = member_id
        self.departure_id = departure_id
        self.number = number
        self.branch_id = branch_id
        self.issued_on = issued_on
        self.valid_until = valid_until
        self.issued_at = issued_at
        self.issued_by = issued_by

    @property
    def votes_at_destination(self):
        return False

    def issued(self, organisation_id):
        """The event of the card's issue; ``organisation_id`` is the member's home branch."""
        return MobileMemberCardIssued(
            member_id=self.member_id, card_id=self.id, departure_id=self.departure_id,
            organisation_id=organisation_id, branch_id=self.branch_id, number=self.number,
            issued_on=self.issued_on, valid_until=self.valid_until,
        )


@dataclass(frozen=True)
class MobileMemberCardIssued:
    member_id: str
    card_id: str
    departure_id: str
    organisation_id: str
    branch_id: str
    number: str
    issued_on: date
    valid_until: date


def issue_card(member, *, card_id, existing_card, branch, issued_on, valid_until, issued_at, issued_by=None):
    """The card is for an absence under six months: the departure must say when
    the member expects back, before six calendar months are up; the card runs
    at most until then. One card per departure."""
    departure = member.current_departure
    if departure is None:
        raise RuleViolation(ErrorCode.MEMBER_NOT_AWAY, "the member is at home: a card goes with a departure",
                            {"member_id": ["has no open departure"]})
    if existing_card is not None:
        raise RuleViolation(ErrorCode.CARD_ALREADY_ISSUED, "this departure already has its card",
                            {"card_id": existing_card.id})
    limit = should_transfer_from(departure.departed_on)
    if departure.expected_return_on is None or departure.expected_return_on >= limit:
        raise RuleViolation(ErrorCode.ABSENCE_TOO_LONG,
                            "the card is for absences under six months; one of six months or more should transfer",
                            {"expected_return_on": [f"the departure must expect a return before {limit.isoformat()}"]})
    valid_until = valid_until or departure.expected_return_on
    if not issued_on <= valid_until <= departure.expected_return_on:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "the card runs from its issue to the expected return at most",
                            {"valid_until": [f"must be from {issued_on.isoformat()} to "
                                             f"{departure.expected_return_on.isoformat()}"]})
    if not branch.holds_members or branch.id == member.organisation_id:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "organisational life at the destination is in a branch there",
                            {"branch_id": ["must be a branch other than the member's home branch"]})
    return MobileMemberCard(
        id=card_id, member_id=member.id, departure_id=departure.id,
        number=f"LD{issued_on:%Y%m%d}-{card_id[:8].upper()}", branch_id=branch.id, issued_on=issued_on,
        valid_until=valid_until, issued_at=issued_at, issued_by=issued_by,
    )
