"""Quorum of a branch meeting on a given date (DOMAIN.md, "Meetings, votes and quorum").

- Who has a vote on the date: full members (正式党员) who had joined on or
  before it (a member who joined on the meeting day counts) and were not on
  probation within the Party (留党察看) that day. Probationary members
  (预备党员) have no vote.
- Who should attend (应到会): every member with the vote, less those whom the
  higher organisation approved, and the general meeting agreed, to leave out
  (an ``AttendanceExclusion`` valid on the date). An excluded member who comes
  and votes anyway counts in "should attend" again (the Election Regulations'
  practice: 本人要求参加会议并行使表决权的，应计算在应到会人数内), so excluding
  someone can never make a meeting they attend look more complete than it is.
- A general meeting (党员大会) may vote when 2 x present voters >= should attend
  (半数以上: the half itself included); a motion passes with votes for > half of
  should attend (超过半数), not of those present; an election is valid only
  when 5 x present voters > 4 x should attend (超过五分之四: exactly four fifths
  is not enough). Integers only: no float ever rounds a boundary.
- Nobody who should attend (a branch of probationary members only, say): no
  meeting can vote or elect, and no number of votes passes a motion
  (``motion_votes_needed`` is None). The arithmetic alone would say 0 >= 0.

Both records are append-only: an exclusion that ends early (the member came
home) is ended by an ``ExclusionWithdrawal`` from a given day, never edited.

Date ranges are inclusive at both ends: a 留党察看 that ends on the meeting day
still holds that day (the rights come back the day after), and an exclusion
valid until the meeting day still applies to it.

The roll is the branch's members as they are now (membership and branch);
what changes them over time (becoming a full member, transfers) is not yet
history the roster keeps, so a quorum for a past date uses today's membership.
"""
from dataclasses import dataclass, field
from datetime import date

from contracts import roster as contract
from contracts.errors import ErrorCode, RuleViolation
from services.roster.domain.events import (
    AttendanceExclusionApproved,
    AttendanceExclusionWithdrawn,
    PartyProbationRecorded,
)

FULL = "full"

# The five grounds on which the higher organisation may approve leaving a member
# out of "should attend" (DOMAIN.md; Election Regulations for Grass-roots Organisations).
EXCLUSION_GROUNDS = contract.EXCLUSION_GROUNDS

# Why a member has no vote on the date.
NOT_YET_A_MEMBER = "joined_after_date"
# Off the branch's roll for the meeting, though still listed by it: 停止党籍, 除名, and a
# relationship transferred to an organisation outside the platform. They count nowhere.
MEMBERSHIP_SUSPENDED = "membership_suspended"
REMOVED = "removed"
TRANSFERRED_OUT = "transferred_out"
OFF_THE_ROLL = frozenset({NOT_YET_A_MEMBER, MEMBERSHIP_SUSPENDED, REMOVED, TRANSFERRED_OUT})
PROBATIONARY = "probationary"
ON_PARTY_PROBATION = "party_probation"

# 留党察看 lasts at most two years (Party Constitution, art. 40).
MAX_PARTY_PROBATION_YEARS = 2


def _lasts_years(starts_on, ends_on, years):
    """Whether the inclusive period runs ``years`` whole years or more (1 January
    2026 to 31 December 2027 is exactly two; to 1 January 2028, more)."""
    if ends_on.year - years < 1:
        return False
    try:
        shifted = ends_on.replace(year=ends_on.year - years)
    except ValueError:  # 29 February into a common year
        shifted = ends_on.replace(year=ends_on.year - years, day=28)
    return shifted >= starts_on


# Not frozen: the roster maps these onto its tables (services.roster.models); never changed once recorded.
@dataclass(eq=False)
class PartyProbation:
    """留党察看: from ``starts_on`` to ``ends_on``, both inclusive."""

    id: str
    member_id: str
    organisation_id: str
    starts_on: date
    ends_on: date
    decided_by: str
    decided_on: date
    recorded_at: object = None
    recorded_by: str | None = None

    def holds_on(self, day):
        return self.starts_on <= day <= self.ends_on

    def recorded(self):
        return PartyProbationRecorded(probation_id=self.id, member_id=self.member_id,
                                      organisation_id=self.organisation_id, starts_on=self.starts_on,
                                      ends_on=self.ends_on, decided_on=self.decided_on)


@dataclass(eq=False)
class AttendanceExclusion:
    """Leave ``member_id`` out of "should attend" from ``valid_from`` until
    ``valid_until`` (both inclusive; None: until further notice), approved by
    a higher organisation and agreed by the general meeting."""

    id: str
    member_id: str
    organisation_id: str
    ground: str
    approved_by_organisation_id: str
    approved_on: date
    agreed_on: date
    valid_from: date
    valid_until: date | None = None
    note: str | None = None
    recorded_at: object = None
    recorded_by: str | None = None

    def holds_on(self, day, withdrawals=()):
        """Valid on ``day`` and not withdrawn by then (``withdrawals``: this record's)."""
        if any(w.effective_from <= day for w in withdrawals):
            return False
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def approved(self):
        return AttendanceExclusionApproved(
            exclusion_id=self.id, member_id=self.member_id, organisation_id=self.organisation_id, ground=self.ground,
            approved_by_organisation_id=self.approved_by_organisation_id, approved_on=self.approved_on,
            agreed_on=self.agreed_on, valid_from=self.valid_from, valid_until=self.valid_until,
        )


@dataclass(eq=False)
class ExclusionWithdrawal:
    """An exclusion ended early (the member came home, recovered): from
    ``effective_from`` on, the member should attend again. The exclusion itself
    stays as it was recorded; this record is what ends it."""

    id: str
    exclusion_id: str
    member_id: str
    organisation_id: str
    effective_from: date
    reason: str
    recorded_at: object = None
    recorded_by: str | None = None

    def recorded(self):
        return AttendanceExclusionWithdrawn(
            withdrawal_id=self.id, exclusion_id=self.exclusion_id, member_id=self.member_id,
            organisation_id=self.organisation_id, effective_from=self.effective_from,
        )


def withdraw_exclusion(*, id, exclusion, earlier_withdrawals, effective_from, reason, recorded_at, recorded_by):
    if earlier_withdrawals:
        first = min(w.effective_from for w in earlier_withdrawals)
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "the exclusion is already withdrawn",
                            {"exclusion_id": [f"already withdrawn from {first.isoformat()}"]})
    if effective_from < exclusion.valid_from:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "a withdrawal ends an exclusion, it cannot precede it",
                            {"effective_from": [f"must not be before the exclusion's valid_from "
                                                f"({exclusion.valid_from.isoformat()})"]})
    return ExclusionWithdrawal(id=id, exclusion_id=exclusion.id, member_id=exclusion.member_id,
                               organisation_id=exclusion.organisation_id, effective_from=effective_from, reason=reason,
                               recorded_at=recorded_at, recorded_by=recorded_by)


def new_party_probation(*, id, member, starts_on, ends_on, decided_by, decided_on, today, recorded_at, recorded_by):
    if ends_on < starts_on:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "the probation ends before it starts",
                            {"ends_on": ["must not be before starts_on"]})
    if _lasts_years(starts_on, ends_on, MAX_PARTY_PROBATION_YEARS):
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "留党察看 lasts at most two years",
                            {"ends_on": ["at most two years after starts_on"]})
    if decided_on > today:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "a decision is recorded once it is made",
                            {"decided_on": [f"must not be after today ({today.isoformat()})"]})
    return PartyProbation(
        id=id, member_id=member.id, organisation_id=member.organisation_id, starts_on=starts_on, ends_on=ends_on,
        decided_by=decided_by, decided_on=decided_on, recorded_at=recorded_at, recorded_by=recorded_by,
    )


def new_attendance_exclusion(*, id, member, branch, ground, approved_by_organisation_id, approved_on, agreed_on,
                             valid_from, valid_until, note, today, recorded_at, recorded_by):
    if ground not in EXCLUSION_GROUNDS:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "not a ground for leaving a member out",
                            {"ground": [f"must be one of: {', '.join(EXCLUSION_GROUNDS)}"]})
    # The approval is the higher organisation's: an organisation above the branch.
    if str(approved_by_organisation_id) not in branch.ancestry[:-1]:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "the approval must come from an organisation above the branch",
                            {"approved_by_organisation_id": ["must be an organisation above the branch"]})
    problems = {}
    for name, day in (("approved_on", approved_on), ("agreed_on", agreed_on)):
        if day > today:
            problems[name] = [f"must not be after today ({today.isoformat()})"]
    if valid_from < max(approved_on, agreed_on):
        problems["valid_from"] = ["must not be before approved_on and agreed_on: it holds once both have happened"]
    if valid_until is not None and valid_until < valid_from:
        problems["valid_until"] = ["must not be before valid_from"]
    if problems:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "the exclusion's dates are not possible", problems)
    return AttendanceExclusion(
        id=id, member_id=member.id, organisation_id=branch.id, ground=ground,
        approved_by_organisation_id=str(approved_by_organisation_id), approved_on=approved_on, agreed_on=agreed_on,
        valid_from=valid_from, valid_until=valid_until, note=note, recorded_at=recorded_at, recorded_by=recorded_by,
    )


@dataclass(frozen=True)
class MemberStanding:
    member: object
    has_vote: bool
    no_vote_reason: str | None
    present: bool
    should_attend: bool
    exclusion: AttendanceExclusion | None  # the exclusion holding on the date, if any
    probation: PartyProbation | None       # the 留党察看 holding on the date, if any


@dataclass(frozen=True)
class Quorum:
    meeting_date: date
    standings: list = field(default_factory=list)

    @property
    def members_with_vote(self):
        return sum(1 for s in self.standings if s.has_vote)

    @property
    def should_attend(self):
        return sum(1 for s in self.standings if s.should_attend)

    @property
    def present(self):
        return sum(1 for s in self.standings if s.present)

    @property
    def present_with_vote(self):
        return sum(1 for s in self.standings if s.present and s.has_vote)

    @property
    def excluded(self):
        return [s for s in self.standings if s.exclusion is not None]

    # ---- 党员大会 ----

    @property
    def present_needed_to_vote(self):
        """The fewest present voters with which the meeting may vote: half, rounded up."""
        return (self.should_attend + 1) // 2 if self.should_attend else None

    @property
    def may_vote(self):
        return self.should_attend > 0 and 2 * self.present_with_vote >= self.should_attend

    @property
    def motion_votes_needed(self):
        """The fewest votes for that pass a motion: more than half of should attend."""
        return self.should_attend // 2 + 1 if self.should_attend else None

    # ---- 选举 ----

    @property
    def present_needed_to_elect(self):
        """The fewest present voters with which an election is valid: more than four fifths."""
        return 4 * self.should_attend // 5 + 1 if self.should_attend else None

    @property
    def may_elect(self):
        return self.should_attend > 0 and 5 * self.present_with_vote > 4 * self.should_attend


def _off_the_roll(member_id, meeting_date, decisions, transferred_out_on):
    """Why the member is off the roll on the date (a suspension holds from its
    decision to its reversal; a removal and a transfer out from their day), or None."""
    for decision in decisions:
        if decision.member_id != member_id or decision.decided_on > meeting_date:
            continue
        if decision.kind == "removal":
            return REMOVED
        if decision.reversed_on is None or decision.reversed_on > meeting_date:
            return MEMBERSHIP_SUSPENDED
    left_on = transferred_out_on.get(member_id)
    if left_on is not None and left_on <= meeting_date:
        return TRANSFERRED_OUT
    return None


def _vote_on(member, meeting_date, probation, off_the_roll=None, full_from=None):
    if member.joined_on > meeting_date:
        return NOT_YET_A_MEMBER
    if off_the_roll is not None:
        return off_the_roll
    # Full now, but not yet on the meeting's date (转正 after it): still probationary then.
    if member.membership != FULL or (full_from is not None and full_from > meeting_date):
        return PROBATIONARY
    if probation is not None:
        return ON_PARTY_PROBATION
    return None


def quorum(*, members, probations, exclusions, meeting_date, present_ids, withdrawals=(), decisions=(),
           transferred_out_on=None, full_member_on=None):
    """Everyone on the branch's roll and where they stand on ``meeting_date``.

    ``present_ids`` must all be members of ``members`` (the caller checks and
    names the strangers); members who joined after the date are listed with
    ``joined_after_date`` and count nowhere, even if listed as present; so do
    those off the roll that day (``decisions``: 停止党籍 and 除名 confirmed;
    ``transferred_out_on``: member id -> the day a letter to an organisation
    outside the platform was received).
    """
    transferred_out_on = transferred_out_on or {}
    full_member_on = full_member_on or {}
    present_ids = {str(i) for i in present_ids}
    withdrawn = {}
    for withdrawal in withdrawals:
        withdrawn.setdefault(withdrawal.exclusion_id, []).append(withdrawal)
    standings = []
    for member in sorted(members, key=lambda m: (m.joined_on, m.name, m.id)):
        probation = next((p for p in probations if p.member_id == member.id and p.holds_on(meeting_date)), None)
        reason = _vote_on(member, meeting_date, probation,
                          _off_the_roll(member.id, meeting_date, decisions, transferred_out_on),
                          full_member_on.get(member.id))
        has_vote = reason is None
        present = member.id in present_ids and reason not in OFF_THE_ROLL
        # The latest recorded approval wins when two overlap.
        holding = sorted(
            (e for e in exclusions if e.member_id == member.id and e.holds_on(meeting_date, withdrawn.get(e.id, ()))),
            key=lambda e: (e.approved_on, e.recorded_at is not None, e.recorded_at or 0, e.id),
        )
        exclusion = holding[-1] if holding and has_vote else None
        should_attend = has_vote and (exclusion is None or present)
        standings.append(MemberStanding(member=member, has_vote=has_vote, no_vote_reason=reason, present=present,
                                        should_attend=should_attend, exclusion=exclusion, probation=probation))
    return Quorum(meeting_date=meeting_date, standings=standings)
