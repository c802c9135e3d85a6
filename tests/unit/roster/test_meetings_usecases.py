"""The meetings use cases (services.roster.meetings) on the kernel's fakes: the
quorum of a branch, recording 留党察看 and exclusions with their events, and
what is refused (naming the problem, recording nothing)."""
from datetime import date

import pytest

from contracts.access import Scope
from contracts.errors import RuleViolation, ServiceError
from services.common.fakes import FakeRepository, FakeUnitOfWork, FixedClock
from tests.unit.roster.status_fakes import FakeDecisions, FakePendingLetters, with_status_repositories
from services.roster import meetings, usecases
from tests.support import id_number

EVERYTHING = Scope.everything(principal="user:admin")
REFUSED = (ServiceError, RuleViolation)
CLOCK = FixedClock(today=date(2026, 6, 1))
_serial = iter(range(1, 1000))


class FakeMembers(FakeRepository):
    def find_by_id_number(self, id_number):
        return next((m for m in self.rows.values() if m.id_number == id_number), None)


class FakeRoll:
    def __init__(self, members):
        self.members_repository = members

    def members(self, branch_id):
        return [m for m in self.members_repository.rows.values() if m.organisation_id == str(branch_id)]

    def full_member_on(self, member_ids):
        return {}


class FakeRecords(FakeRepository):
    def of_branch(self, branch_id):
        return [r for r in self.rows.values() if r.organisation_id == str(branch_id)]


class FakeTransfers(FakePendingLetters):
    def transferred_out_of(self, branch_id):
        return {}


@pytest.fixture
def uow():
    members = FakeMembers()
    return with_status_repositories(FakeUnitOfWork(
        usecases.EVENTS, organisations=FakeRepository(), members=members, branch_rolls=FakeRoll(members),
        party_probations=FakeRecords(), attendance_exclusions=FakeRecords(), exclusion_withdrawals=FakeRecords(),
        membership_decisions=FakeDecisions(), transfers=FakeTransfers()))


def create(uow, name, kind, parent=None):
    return usecases.create_organisation(uow, {"name": name, "kind": kind, "parent_id": parent.id if parent else None},
                                        CLOCK, EVERYTHING)


@pytest.fixture
def tree(uow):
    county = create(uow, "高台县委", "party_committee")
    town = create(uow, "南华镇党委", "party_committee", county)
    branch = create(uow, "南华村党支部", "branch", town)
    other = create(uow, "西街村党支部", "branch", town)
    return {"county": county, "town": town, "branch": branch, "other": other}


def register(uow, branch, joined_on=date(2010, 7, 1), membership="full"):
    n = next(_serial)
    return usecases.register_member(uow, {
        "name": f"党员{n}", "gender": "male", "birth_date": date(1980, 1, 1), "id_number": id_number("1980-01-01", n),
        "phone": "13900000001", "joined_on": joined_on, "membership": membership, "organisation_id": branch.id,
    }, CLOCK, EVERYTHING)


def exclusion_command(member, approver, **overrides):
    return {"member_id": member.id, "ground": "away_relationship_not_transferred",
            "approved_by_organisation_id": approver.id, "approved_on": date(2026, 5, 1), "agreed_on": date(2026, 5, 10),
            "valid_from": date(2026, 5, 10), "valid_until": None, "note": None, **overrides}


def test_the_quorum_counts_the_branch_roll_with_its_records(uow, tree):
    members = [register(uow, tree["branch"]) for _ in range(6)]
    register(uow, tree["other"])  # another branch's member counts nowhere here
    meetings.record_attendance_exclusion(uow, tree["branch"].id, exclusion_command(members[5], tree["town"]), CLOCK,
                                         EVERYTHING)
    meetings.record_party_probation(uow, tree["branch"].id, {
        "member_id": members[4].id, "starts_on": date(2026, 1, 1), "ends_on": date(2026, 12, 31),
        "decided_by": "南华镇纪委", "decided_on": date(2025, 12, 20)}, CLOCK, EVERYTHING)
    result, branch, approvers = meetings.quorum_on(
        uow, tree["branch"].id, {"date": date(2026, 6, 6), "present": [m.id for m in members[:2]]}, EVERYTHING)
    assert branch is tree["branch"]
    assert (result.members_with_vote, result.should_attend, result.present_with_vote) == (5, 4, 2)
    assert result.may_vote and not result.may_elect and result.motion_votes_needed == 3
    assert approvers == {tree["town"].id: "南华镇党委"}


def test_recording_publishes_the_events(uow, tree):
    member = register(uow, tree["branch"])
    exclusion = meetings.record_attendance_exclusion(uow, tree["branch"].id, exclusion_command(member, tree["county"]),
                                                     CLOCK, EVERYTHING)
    assert uow.attendance_exclusions.rows[exclusion.id].recorded_by == "user:admin"
    data = uow.events[-1].envelope()["data"]
    assert uow.events[-1].event_type == "attendance_exclusion_approved"
    assert data["ground"] == "away_relationship_not_transferred" and data["valid_until"] is None
    probation = meetings.record_party_probation(uow, tree["branch"].id, {
        "member_id": member.id, "starts_on": date(2026, 1, 1), "ends_on": date(2026, 6, 30),
        "decided_by": "南华镇纪委", "decided_on": date(2026, 1, 1)}, CLOCK, EVERYTHING)
    assert uow.events[-1].event_type == "party_probation_recorded"
    assert uow.events[-1].envelope()["data"]["probation_id"] == probation.id


def _refused(uow, call):
    events = list(uow.events)
    records = (dict(uow.party_probations.rows), dict(uow.attendance_exclusions.rows))
    with pytest.raises(REFUSED) as refused:
        call()
    assert uow.events == events
    assert (uow.party_probations.rows, uow.attendance_exclusions.rows) == records
    return refused.value


def test_present_naming_a_stranger_or_another_branchs_member_is_refused_by_name(uow, tree):
    mine = register(uow, tree["branch"])
    theirs = register(uow, tree["other"])
    refused = _refused(uow, lambda: meetings.quorum_on(
        uow, tree["branch"].id, {"date": date(2026, 6, 6), "present": [mine.id, theirs.id, "nobody"]}, EVERYTHING))
    assert refused.code == "unknown_reference"
    assert refused.details["present"] == [f"not a member of this branch: {theirs.id}", "not a member of this branch: nobody"]


def test_only_branches_hold_meetings(uow, tree):
    for record in (
        lambda: meetings.quorum_on(uow, tree["town"].id, {"date": date(2026, 6, 6), "present": []}, EVERYTHING),
        lambda: meetings.record_attendance_exclusion(uow, tree["town"].id, {}, CLOCK, EVERYTHING),
    ):
        assert _refused(uow, record).code == "not_a_branch"


def test_a_branch_outside_the_callers_subtree_is_not_found(uow, tree):
    member = register(uow, tree["other"])
    scope = Scope.of(organisation_ids=[tree["branch"].id], principal="user:secretary")
    for call in (
        lambda: meetings.quorum_on(uow, tree["other"].id, {"date": date(2026, 6, 6), "present": []}, scope),
        lambda: meetings.record_attendance_exclusion(uow, tree["other"].id, exclusion_command(member, tree["town"]),
                                                     CLOCK, scope),
        lambda: meetings.attendance_exclusions(uow, tree["other"].id, scope),
    ):
        assert _refused(uow, call).code == "organisation_not_found"


def test_a_secretary_sees_the_approval_but_not_the_name_of_a_town_outside_their_grant(uow, tree):
    member = register(uow, tree["branch"])
    scope = Scope.of(organisation_ids=[tree["branch"].id], principal="user:secretary")
    meetings.record_attendance_exclusion(uow, tree["branch"].id, exclusion_command(member, tree["town"]), CLOCK, scope)
    result, _, approvers = meetings.quorum_on(uow, tree["branch"].id, {"date": date(2026, 6, 6), "present": []}, scope)
    assert result.excluded[0].exclusion.approved_by_organisation_id == tree["town"].id
    assert approvers == {tree["town"].id: None}


def test_recording_for_a_member_of_another_branch_is_an_unknown_reference(uow, tree):
    theirs = register(uow, tree["other"])
    refused = _refused(uow, lambda: meetings.record_attendance_exclusion(
        uow, tree["branch"].id, exclusion_command(theirs, tree["town"]), CLOCK, EVERYTHING))
    assert refused.code == "unknown_reference" and "member_id" in refused.details


def test_an_approval_from_a_sibling_branch_or_in_the_future_is_refused(uow, tree):
    member = register(uow, tree["branch"])
    refused = _refused(uow, lambda: meetings.record_attendance_exclusion(
        uow, tree["branch"].id, exclusion_command(member, tree["other"]), CLOCK, EVERYTHING))
    assert "approved_by_organisation_id" in refused.details
    refused = _refused(uow, lambda: meetings.record_attendance_exclusion(
        uow, tree["branch"].id, exclusion_command(member, tree["town"], approved_on=date(2026, 6, 2),
                                                  valid_from=date(2026, 6, 2)), CLOCK, EVERYTHING))
    assert "approved_on" in refused.details


def test_an_exclusion_withdrawn_stops_holding_from_its_day_and_is_withdrawn_once(uow, tree):
    members = [register(uow, tree["branch"]) for _ in range(2)]
    exclusion = meetings.record_attendance_exclusion(uow, tree["branch"].id, exclusion_command(members[1], tree["town"]),
                                                     CLOCK, EVERYTHING)

    def should_attend(day):
        return meetings.quorum_on(uow, tree["branch"].id, {"date": day, "present": []}, EVERYTHING)[0].should_attend

    withdrawal = meetings.withdraw_attendance_exclusion(
        uow, tree["branch"].id, exclusion.id, {"effective_from": date(2026, 6, 6), "reason": "已返乡"}, CLOCK, EVERYTHING)
    assert uow.events[-1].event_type == "attendance_exclusion_withdrawn"
    assert uow.events[-1].envelope()["data"]["effective_from"] == "2026-06-06"
    assert (should_attend(date(2026, 6, 5)), should_attend(date(2026, 6, 6))) == (1, 2)
    items, withdrawn = meetings.attendance_exclusions(uow, tree["branch"].id, EVERYTHING)
    assert items == [exclusion] and withdrawn == {exclusion.id: date(2026, 6, 6)}
    assert uow.exclusion_withdrawals.rows == {withdrawal.id: withdrawal}

    refused = _refused(uow, lambda: meetings.withdraw_attendance_exclusion(
        uow, tree["branch"].id, exclusion.id, {"effective_from": date(2026, 7, 1), "reason": "再次"}, CLOCK, EVERYTHING))
    assert "exclusion_id" in refused.details


def test_a_withdrawal_before_the_exclusion_or_of_another_branchs_is_refused(uow, tree):
    mine, theirs = register(uow, tree["branch"]), register(uow, tree["other"])
    exclusion = meetings.record_attendance_exclusion(uow, tree["branch"].id, exclusion_command(mine, tree["town"]),
                                                     CLOCK, EVERYTHING)
    elsewhere = meetings.record_attendance_exclusion(uow, tree["other"].id, exclusion_command(theirs, tree["town"]),
                                                     CLOCK, EVERYTHING)
    refused = _refused(uow, lambda: meetings.withdraw_attendance_exclusion(
        uow, tree["branch"].id, exclusion.id, {"effective_from": date(2026, 5, 9), "reason": "x"}, CLOCK, EVERYTHING))
    assert "effective_from" in refused.details
    for exclusion_id in (elsewhere.id, "nothing"):
        refused = _refused(uow, lambda: meetings.withdraw_attendance_exclusion(
            uow, tree["branch"].id, exclusion_id, {"effective_from": date(2026, 6, 6), "reason": "x"}, CLOCK, EVERYTHING))
        assert refused.code == "not_found"
