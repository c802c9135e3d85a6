"""The participation rate (参学率): of the sessions a member was expected at, the share
they took part in (present or late). Excused and absent stay in the denominator; a
session with no entry for an expected member counts as missed.

Who is expected at a session follows the member's mobility on the session's day:

- only members on the roll that day: one registered after the session (or whose
  placement in the branch began after it) is not counted as absent from it;
- not a member suspended (停止党籍), removed (除名) or transferred out by then;
- the session is held by the member's branch that day or an organisation above it
  (a town's or the county's party lesson);
- at home, the member is expected at the sessions held offline or both ways; away, at
  those held online or both ways (三会一课 online), and at every session of the host
  organisation they checked in with at the destination (双报到).
"""
from dataclasses import dataclass
from datetime import date

PARTICIPATING = ("present", "late")
ONLINE, OFFLINE, BOTH = "online", "offline", "both"
# roster's statuses that take a member out of organisational life from the day they took effect.
OUT_OF_ROLL = ("suspended", "removed", "transferred_out")


@dataclass(frozen=True)
class Session:
    id: str
    organisation_id: str
    held_on: date
    mode: str


@dataclass(frozen=True)
class MemberOnDay:
    """A member as the projection knows them on one day."""

    on_roll: bool              # registered (or placed in the branch) on or before the day, and not out of the roll
    line: frozenset            # the ids of their branch that day and every organisation above it
    away: bool                 # an absence open that day (left on or before it, not back before it)
    host_organisation_id: str | None = None   # the organisation they checked in with, while away


def expected_at(session, member):
    if not member.on_roll:
        return False
    if member.away and member.host_organisation_id == session.organisation_id:
        return True
    if session.organisation_id not in member.line:
        return False
    if session.mode == BOTH:
        return True
    return session.mode == (ONLINE if member.away else OFFLINE)


def away_on(day, absences):
    """The absence open on ``day`` among (departed_on, returned_on, host id), or None: left on or before
    the day and not back yet (a member back on the day is home that day)."""
    for departed_on, returned_on, host in absences:
        if departed_on is not None and departed_on <= day and (returned_on is None or returned_on > day):
            return departed_on, returned_on, host
    return None


def branch_on(day, placements):
    """The branch of the latest placement (from_date, organisation_id) on or before ``day``, or None."""
    placed = [(from_date, organisation_id) for from_date, organisation_id in placements if from_date <= day]
    return max(placed)[1] if placed else None


def out_of_roll_on(day, status, status_effective_on):
    return status in OUT_OF_ROLL and status_effective_on is not None and status_effective_on <= day


@dataclass
class Tally:
    expected: int = 0
    participated: int = 0

    def add(self, took_part):
        self.expected += 1
        self.participated += 1 if took_part else 0

    @property
    def rate_percent(self):
        """One decimal, as the county writes it; None when nobody was expected."""
        return round(100 * self.participated / self.expected, 1) if self.expected else None
