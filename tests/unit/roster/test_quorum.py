"""Quorum of a branch meeting (DOMAIN.md, "Meetings, votes and quorum"): every
rule at its boundary, on plain objects and fixed dates."""
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from contracts.errors import RuleViolation
from services.roster.domain.quorum import (
    EXCLUSION_GROUNDS,
    NOT_YET_A_MEMBER,
    ON_PARTY_PROBATION,
    PROBATIONARY,
    AttendanceExclusion,
    ExclusionWithdrawal,
    PartyProbation,
    new_attendance_exclusion,
    new_party_probation,
    quorum,
    withdraw_exclusion,
)

MEETING = date(2026, 6, 6)
DAY = timedelta(days=1)


@dataclass
class M:
    id: str
    joined_on: date = date(2010, 7, 1)
    membership: str = "full"
    name: str = "党员"
    organisation_id: str = "b"


@dataclass
class Org:
    id: str
    path: str

    @property
    def ancestry(self):
        return self.path.strip("/").split("/")


BRANCH = Org("b", "/county/town/b/")


def full(n):
    return [M(f"m{i:02d}") for i in range(n)]


def check(members, present, probations=(), exclusions=(), day=MEETING, withdrawals=()):
    return quorum(members=members, probations=list(probations), exclusions=list(exclusions), meeting_date=day,
                  present_ids=[m.id for m in present], withdrawals=list(withdrawals))


def probation(member_id, starts_on, ends_on):
    return PartyProbation(id=f"p-{member_id}", member_id=member_id, organisation_id="b", starts_on=starts_on,
                          ends_on=ends_on, decided_by="镇纪委", decided_on=starts_on)


def exclusion(member_id, valid_from, valid_until=None, ground="abroad_at_own_expense", id=None):
    return AttendanceExclusion(id=id or f"e-{member_id}", member_id=member_id, organisation_id="b", ground=ground,
                               approved_by_organisation_id="town", approved_on=valid_from, agreed_on=valid_from,
                               valid_from=valid_from, valid_until=valid_until)


# ---- 党员大会: at least half present may vote ------------------------------------

@pytest.mark.parametrize("should_attend, present, may_vote", [
    (10, 5, True),    # exactly one half: 半数以上 includes the half
    (10, 4, False),   # one below
    (9, 5, True),     # an odd number: 5 of 9 is more than half
    (9, 4, False),    # 4 of 9 is below half
    (1, 1, True),
    (1, 0, False),
])
def test_a_general_meeting_may_vote_with_at_least_half_present(should_attend, present, may_vote):
    members = full(should_attend)
    result = check(members, members[:present])
    assert (result.should_attend, result.present_with_vote) == (should_attend, present)
    assert result.may_vote is may_vote
    assert result.present_needed_to_vote == (should_attend + 1) // 2


@pytest.mark.parametrize("should_attend, needed", [(10, 6), (9, 5), (2, 2), (1, 1), (58, 30)])
def test_a_motion_needs_more_than_half_of_those_who_should_attend_not_of_those_present(should_attend, needed):
    members = full(should_attend)
    # However few come, the votes needed are counted against should attend.
    assert check(members, members[:should_attend]).motion_votes_needed == needed
    assert check(members, members[: (should_attend + 1) // 2]).motion_votes_needed == needed


# ---- 选举: more than four fifths --------------------------------------------------

@pytest.mark.parametrize("should_attend, present, may_elect", [
    (10, 8, False),   # exactly four fifths is not enough
    (10, 9, True),    # one above
    (5, 4, False),
    (5, 5, True),
    (7, 6, True),     # 6/7 > 4/5
    (7, 5, False),    # 5/7 < 4/5
    (20, 16, False),
    (20, 17, True),
])
def test_an_election_is_valid_only_with_more_than_four_fifths_present(should_attend, present, may_elect):
    members = full(should_attend)
    result = check(members, members[:present])
    assert result.may_elect is may_elect
    assert (result.present_with_vote >= result.present_needed_to_elect) is may_elect


def test_at_exactly_four_fifths_the_meeting_may_vote_but_not_elect():
    members = full(10)
    result = check(members, members[:8])
    assert result.may_vote and not result.may_elect
    assert result.present_needed_to_elect == 9


# ---- who has a vote on the day -----------------------------------------------------

def test_a_member_who_joined_on_the_meeting_day_counts_and_one_who_joined_the_day_after_does_not():
    on_the_day, day_after = M("on", joined_on=MEETING), M("after", joined_on=MEETING + DAY)
    result = check([on_the_day, day_after], [on_the_day, day_after])
    standing = {s.member.id: s for s in result.standings}
    assert standing["on"].has_vote and standing["on"].should_attend and standing["on"].present
    assert not standing["after"].has_vote and standing["after"].no_vote_reason == NOT_YET_A_MEMBER
    assert not standing["after"].present  # not a member yet: their attendance counts for nothing
    assert (result.members_with_vote, result.should_attend, result.present, result.present_with_vote) == (1, 1, 1, 1)


def test_a_probationary_member_has_no_vote_but_is_counted_as_present():
    members = full(4) + [M("prob", membership="probationary")]
    result = check(members, members[:1] + members[4:])
    prob = next(s for s in result.standings if s.member.id == "prob")
    assert prob.no_vote_reason == PROBATIONARY and not prob.should_attend and prob.present
    assert (result.should_attend, result.present, result.present_with_vote) == (4, 2, 1)
    assert not result.may_vote  # one voter of four: the probationary member does not make it half


@pytest.mark.parametrize("ends_on, has_vote", [
    (MEETING - DAY, True),    # ended the day before: the rights are back
    (MEETING, False),         # ends on the meeting day: still on probation that day (inclusive)
    (MEETING + DAY, False),
])
def test_a_member_on_party_probation_has_no_vote_while_it_lasts(ends_on, has_vote):
    member = M("p")
    result = check([member], [member], probations=[probation("p", date(2025, 1, 1), ends_on)])
    standing = result.standings[0]
    assert standing.has_vote is has_vote
    assert standing.no_vote_reason == (None if has_vote else ON_PARTY_PROBATION)


def test_party_probation_that_starts_after_the_meeting_does_not_hold():
    member = M("p")
    assert check([member], [], probations=[probation("p", MEETING + DAY, MEETING + 300 * DAY)]).standings[0].has_vote


# ---- who should attend -------------------------------------------------------------

@pytest.mark.parametrize("valid_from, valid_until, excluded", [
    (MEETING, None, True),              # valid from the meeting day
    (MEETING + DAY, None, False),       # not yet valid
    (date(2026, 1, 1), MEETING, True),  # valid until the meeting day, inclusive
    (date(2026, 1, 1), MEETING - DAY, False),  # ended the day before
])
def test_an_approved_exclusion_holds_on_the_days_it_is_valid(valid_from, valid_until, excluded):
    members = full(3)
    result = check(members, members[:1], exclusions=[exclusion("m02", valid_from, valid_until)])
    assert result.should_attend == (2 if excluded else 3)
    assert [s.member.id for s in result.excluded] == (["m02"] if excluded else [])


def test_exclusions_are_how_a_village_with_many_away_can_hold_a_valid_meeting_again():
    members = full(10)
    present = members[:4]
    assert not check(members, present).may_vote
    away = [exclusion(m.id, date(2026, 1, 1), ground="away_relationship_not_transferred") for m in members[6:]]
    result = check(members, present, exclusions=away)
    assert (result.members_with_vote, result.should_attend, result.present_with_vote) == (10, 6, 4)
    assert result.may_vote and not result.may_elect and result.motion_votes_needed == 4


def test_an_excluded_member_who_comes_counts_in_should_attend_again():
    members = full(5)
    result = check(members, members[:4] + [], exclusions=[exclusion("m03", date(2026, 1, 1))])
    standing = next(s for s in result.standings if s.member.id == "m03")
    assert standing.exclusion is not None and standing.present and standing.should_attend
    assert (result.should_attend, result.present_with_vote) == (5, 4)
    assert not result.may_elect  # 4 of 5 is exactly four fifths: excluding a member who came changes nothing


def test_an_exclusion_of_a_member_without_a_vote_changes_nothing():
    members = full(2) + [M("prob", membership="probationary")]
    result = check(members, members[:1], exclusions=[exclusion("prob", date(2026, 1, 1))])
    assert result.should_attend == 2 and result.excluded == []


def test_nobody_who_should_attend_can_neither_vote_nor_elect_nor_pass_a_motion():
    members = [M("prob", membership="probationary")]
    result = check(members, members)
    assert result.should_attend == 0
    assert not result.may_vote and not result.may_elect
    assert result.motion_votes_needed is None and result.present_needed_to_vote is None
    assert result.present_needed_to_elect is None


# ---- recording the records ----------------------------------------------------------

TODAY = date(2026, 6, 1)


def record_exclusion(**overrides):
    values = dict(id="e", member=M("m"), branch=BRANCH, ground="serving_sentence", approved_by_organisation_id="town",
                  approved_on=date(2026, 5, 1), agreed_on=date(2026, 5, 10), valid_from=date(2026, 5, 10),
                  valid_until=None, note=None, today=TODAY, recorded_at=None, recorded_by="user:x")
    return new_attendance_exclusion(**{**values, **overrides})


def test_an_exclusion_is_recorded_with_its_approval_and_event():
    recorded = record_exclusion()
    assert recorded.organisation_id == "b" and recorded.approved_by_organisation_id == "town"
    event = recorded.approved()
    assert event.exclusion_id == "e" and event.ground == "serving_sentence" and event.valid_until is None


def test_there_are_five_grounds():
    assert len(EXCLUSION_GROUNDS) == 5
    for ground in EXCLUSION_GROUNDS:
        assert record_exclusion(ground=ground).ground == ground


@pytest.mark.parametrize("overrides, field", [
    ({"ground": "on_holiday"}, "ground"),
    ({"approved_by_organisation_id": "b"}, "approved_by_organisation_id"),        # the branch itself
    ({"approved_by_organisation_id": "elsewhere"}, "approved_by_organisation_id"),
    ({"approved_on": TODAY + DAY, "valid_from": TODAY + DAY}, "approved_on"),      # an approval yet to come
    ({"agreed_on": TODAY + DAY, "valid_from": TODAY + DAY}, "agreed_on"),
    ({"valid_from": date(2026, 5, 9)}, "valid_from"),                              # before the meeting agreed
    ({"valid_until": date(2026, 5, 9)}, "valid_until"),
])
def test_an_exclusion_that_cannot_be_is_refused_naming_the_field(overrides, field):
    with pytest.raises(RuleViolation) as refused:
        record_exclusion(**overrides)
    assert field in refused.value.details


def record_probation(**overrides):
    values = dict(id="p", member=M("m"), starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), decided_by="镇纪委",
                  decided_on=date(2025, 12, 20), today=TODAY, recorded_at=None, recorded_by="user:x")
    return new_party_probation(**{**values, **overrides})


def test_a_party_probation_is_recorded_with_its_event():
    event = record_probation().recorded()
    assert (event.member_id, event.starts_on, event.ends_on) == ("m", date(2026, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize("overrides, field", [
    ({"ends_on": date(2025, 12, 31)}, "ends_on"),
    ({"ends_on": date(2028, 1, 2)}, "ends_on"),    # more than two years
    ({"decided_on": TODAY + DAY}, "decided_on"),
])
def test_a_party_probation_that_cannot_be_is_refused_naming_the_field(overrides, field):
    with pytest.raises(RuleViolation) as refused:
        record_probation(**overrides)
    assert field in refused.value.details


@pytest.mark.parametrize("starts_on, ends_on, allowed", [
    (date(2026, 1, 1), date(2027, 12, 31), True),    # exactly two years, both days inclusive
    (date(2026, 1, 1), date(2028, 1, 1), False),
    (date(2024, 2, 29), date(2026, 2, 28), True),
    (date(2024, 2, 29), date(2026, 3, 1), False),
    (date(2025, 3, 1), date(2027, 2, 28), True),
    (date(2026, 3, 1), date(2028, 2, 29), True),     # 29 February at the end
    (date(2026, 3, 1), date(2028, 3, 1), False),
    (date(1, 1, 1), date(2, 12, 31), True),          # the calendar's edges answer, never crash
    (date(9998, 1, 1), date(9999, 12, 31), True),
    (date(1, 1, 1), date(9999, 12, 31), False),
])
def test_party_probation_lasts_at_most_two_years(starts_on, ends_on, allowed):
    record = lambda: record_probation(starts_on=starts_on, ends_on=ends_on, decided_on=date(1, 1, 1))
    if allowed:
        assert record().ends_on == ends_on
    else:
        with pytest.raises(RuleViolation) as refused:
            record()
        assert "ends_on" in refused.value.details


@pytest.mark.parametrize("effective_from, excluded", [
    (MEETING + DAY, True),    # withdrawn from the day after: still left out on the day
    (MEETING, False),         # from the meeting day: should attend that day
])
def test_a_withdrawn_exclusion_stops_holding_from_its_effective_day(effective_from, excluded):
    members = full(2)
    excluded_record = exclusion("m01", date(2026, 1, 1))
    withdrawal = withdraw_exclusion(id="w", exclusion=excluded_record, earlier_withdrawals=[],
                                    effective_from=effective_from, reason="已返乡", recorded_at=None, recorded_by=None)
    assert isinstance(withdrawal, ExclusionWithdrawal) and withdrawal.recorded().exclusion_id == excluded_record.id
    result = check(members, [], exclusions=[excluded_record], withdrawals=[withdrawal])
    assert result.should_attend == (1 if excluded else 2)


def test_an_exclusion_is_withdrawn_once_and_never_before_it_began():
    record = exclusion("m01", date(2026, 1, 1))
    first = withdraw_exclusion(id="w", exclusion=record, earlier_withdrawals=[], effective_from=MEETING, reason="x",
                               recorded_at=None, recorded_by=None)
    for earlier, effective_from, field in (([first], MEETING + DAY, "exclusion_id"), ([], date(2025, 12, 31), "effective_from")):
        with pytest.raises(RuleViolation) as refused:
            withdraw_exclusion(id="w2", exclusion=record, earlier_withdrawals=earlier, effective_from=effective_from,
                               reason="x", recorded_at=None, recorded_by=None)
        assert field in refused.value.details


# ---- off the roll: 停止党籍, 除名, and a relationship transferred out of the platform ----

@dataclass
class Decision:
    member_id: str
    kind: str
    decided_on: date
    reversed_on: date | None = None


def test_a_suspended_member_counts_nowhere_from_the_decision_until_its_reversal():
    members = full(4)
    suspension = Decision("m03", "suspension", MEETING, reversed_on=MEETING + 10 * DAY)

    def standing(day):
        result = quorum(members=members, probations=[], exclusions=[], meeting_date=day, present_ids=["m00", "m03"],
                        decisions=[suspension])
        return result, next(s for s in result.standings if s.member.id == "m03")

    before, _ = standing(MEETING - DAY)
    assert (before.members_with_vote, before.present_with_vote) == (4, 2) and before.may_vote
    during, m03 = standing(MEETING)
    assert m03.no_vote_reason == "membership_suspended" and not m03.present and not m03.should_attend
    # Listed present, yet off the roll: 1 of 3 is under half.
    assert (during.members_with_vote, during.should_attend, during.present_with_vote) == (3, 3, 1) and not during.may_vote
    after, m03 = standing(MEETING + 10 * DAY)
    assert m03.no_vote_reason is None and after.members_with_vote == 4


def test_removed_and_transferred_out_members_count_nowhere_from_their_day():
    members = full(5)
    removal = Decision("m04", "removal", MEETING)
    result = quorum(members=members, probations=[], exclusions=[], meeting_date=MEETING, present_ids=["m00", "m01"],
                    decisions=[removal], transferred_out_on={"m03": MEETING})
    reasons = {s.member.id: s.no_vote_reason for s in result.standings}
    assert reasons["m04"] == "removed" and reasons["m03"] == "transferred_out"
    # Three remain on the roll; two of them present is at least half.
    assert (result.should_attend, result.present_with_vote, result.may_vote) == (3, 2, True)
    earlier = quorum(members=members, probations=[], exclusions=[], meeting_date=MEETING - DAY, present_ids=[],
                     decisions=[removal], transferred_out_on={"m03": MEETING})
    assert earlier.should_attend == 5


def test_a_member_full_now_but_probationary_on_the_meeting_date_has_no_vote_then():
    members = full(2)
    result = quorum(members=members, probations=[], exclusions=[], meeting_date=MEETING, present_ids=["m00", "m01"],
                    full_member_on={"m01": MEETING + DAY})
    assert [s.no_vote_reason for s in result.standings] == [None, "probationary"]
    on_the_day = quorum(members=members, probations=[], exclusions=[], meeting_date=MEETING,
                        present_ids=["m00", "m01"], full_member_on={"m01": MEETING})
    assert on_the_day.members_with_vote == 2
