"""A Party member and their movements: departure report (外出报备) and return."""
from dataclasses import dataclass
from datetime import date

from contracts.errors import ErrorCode, RuleViolation
from services.roster.domain.events import MemberDeparted, MemberRegistered, MemberReturned
# The status values of a member at home and away. The status itself is computed
# (services.roster.domain.status) and written only by services.roster.status.
from services.roster.domain.status import AWAY, NORMAL  # noqa: F401


@dataclass(frozen=True)
class DepartureReport:
    departed_on: date
    destination_province: str
    destination_city: str
    work: str
    contact: str
    destination_address: str | None = None
    expected_return_on: date | None = None


class Departure:
    """One spell away from home. ``reported`` is False when the member came
    back without having reported leaving: the return is still recorded."""

    def __init__(self, *, id, member_id, reported, reported_at, report=None, reported_by=None):
        self.id = id
        self.member_id = member_id
        self.reported = reported
        self.reported_at = reported_at
        self.departed_on = report.departed_on if report else None
        self.destination_province = report.destination_province if report else None
        self.destination_city = report.destination_city if report else None
        self.destination_address = report.destination_address if report else None
        self.work = report.work if report else None
        self.contact = report.contact if report else None
        self.expected_return_on = report.expected_return_on if report else None
        self.returned_on = None
        self.returned_reported_at = None
        # Who reported the departure (None for one never reported) and the return.
        self.reported_by = reported_by
        self.return_reported_by = None


class Member:
    def __init__(self, *, id, name, gender, birth_date, id_number, phone, joined_on, membership, organisation, registered_at,
                 registered_by=None):
        if not organisation.holds_members:
            raise RuleViolation(
                ErrorCode.NOT_A_BRANCH,
                f"members belong to a branch, and a {organisation.kind} is not one",
                {"organisation_id": ["must be a branch (党支部) of some kind"]},
            )
        self.id = id
        self.name = name
        self.gender = gender
        self.birth_date = birth_date
        self.id_number = id_number
        self.phone = phone
        self.joined_on = joined_on
        self.membership = membership
        self.organisation_id = organisation.id
        # Computed, never typed: a member with no history yet is normal (services.roster.status records it
        # at registration); from then on the last computed status, a cache for filtering and for telling a
        # change, written only by services.roster.status. The domain never changes it.
        self.status = NORMAL
        self.registered_at = registered_at
        self.registered_by = registered_by
        self.current_departure = None
        # The latest day the member came home: movements never overlap, so no
        # departure (nor unreported return) is dated before it.
        self.last_returned_on = None

    def registered(self):
        return MemberRegistered(member_id=self.id, organisation_id=self.organisation_id, membership=self.membership,
                                joined_on=self.joined_on)

    def report_departure(self, *, departure_id, report, reported_at, reported_by=None):
        if self.current_departure is not None:
            raise RuleViolation(
                ErrorCode.MEMBER_ALREADY_AWAY,
                "the member is already away; report the return before a new departure",
                {"current_departure_id": self.current_departure.id},
            )
        if self.last_returned_on is not None and report.departed_on < self.last_returned_on:
            raise RuleViolation(
                ErrorCode.OVERLAPPING_MOVEMENT, "the departure is dated before the member's last return",
                {"departed_on": [f"must not be before the last return on {self.last_returned_on.isoformat()}"]},
            )
        if report.expected_return_on is not None and report.expected_return_on < report.departed_on:
            raise RuleViolation(
                ErrorCode.VALIDATION_FAILED, "expected return is before the departure",
                {"expected_return_on": ["must not be before departed_on"]},
            )
        departure = Departure(id=departure_id, member_id=self.id, reported=True, reported_at=reported_at, report=report,
                              reported_by=reported_by)
        self.current_departure = departure
        return departure, MemberDeparted(
            member_id=self.id,
            departure_id=departure.id,
            organisation_id=self.organisation_id,
            departed_on=report.departed_on,
            destination_province=report.destination_province,
            destination_city=report.destination_city,
            expected_return_on=report.expected_return_on,
        )

    def report_return(self, *, departure_id, returned_on, reported_at, reported_by=None, today=None):
        """Close the open departure; with none open, record an unreported one
        (外出未报备) so that the return is never lost."""
        if today is not None and returned_on > today:
            raise RuleViolation(ErrorCode.VALIDATION_FAILED, "the return is dated in the future",
                                {"returned_on": [f"must not be after today, {today.isoformat()}"]})
        departure = self.current_departure
        if departure is None and self.last_returned_on is not None and returned_on < self.last_returned_on:
            raise RuleViolation(
                ErrorCode.OVERLAPPING_MOVEMENT, "the return is dated before the member's last return",
                {"returned_on": [f"must not be before the last return on {self.last_returned_on.isoformat()}"]},
            )
        if departure is None:
            departure = Departure(id=departure_id, member_id=self.id, reported=False, reported_at=reported_at)
        elif departure.departed_on is not None and returned_on < departure.departed_on:
            raise RuleViolation(
                ErrorCode.VALIDATION_FAILED, "the return is before the departure",
                {"returned_on": [f"must not be before the departure on {departure.departed_on.isoformat()}"]},
            )
        departure.returned_on = returned_on
        departure.returned_reported_at = reported_at
        departure.return_reported_by = reported_by
        self.current_departure = None
        self.last_returned_on = max(filter(None, (self.last_returned_on, returned_on)))
        return departure, MemberReturned(
            member_id=self.id,
            departure_id=departure.id,
            organisation_id=self.organisation_id,
            returned_on=returned_on,
            departed_on=departure.departed_on,
            departure_reported=departure.reported,
        )
