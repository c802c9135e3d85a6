"""The roster's rules, with no broker and no database."""
from datetime import date, datetime, timezone

import pytest

from contracts.errors import RuleViolation
from services.roster.domain.events import MemberDeparted, MemberReturned
from services.roster.domain.member import NORMAL, DepartureReport, Member
from services.roster.domain.organisation import Organisation
from tests.support import id_number

ID_NUMBER = id_number("1985-03-02", 118)

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def org(id, kind, parent=None):
    return Organisation(id=id, name=id, kind=kind, parent=parent, created_at=NOW)


@pytest.fixture
def county():
    return org("county", "party_committee")


@pytest.fixture
def branch(county):
    town = org("town", "party_committee", county)
    return org("village", "branch", town)


def member(branch, **overrides):
    fields = dict(
        id="m1", name="张三", gender="male", birth_date=date(1985, 3, 2), id_number=ID_NUMBER,
        phone="13900000001", joined_on=date(2010, 7, 1), membership="full", organisation=branch, registered_at=NOW,
    )
    fields.update(overrides)
    return Member(**fields)


def report(**overrides):
    fields = dict(departed_on=date(2026, 3, 2), destination_province="甘肃省", destination_city="酒泉市",
                  work="建筑工地", contact="13900000001", expected_return_on=date(2026, 12, 20))
    fields.update(overrides)
    return DepartureReport(**fields)


def test_the_tree_records_path_and_depth(county, branch):
    assert branch.path == "/county/town/village/"
    assert branch.depth == 2
    assert branch.ancestry == ["county", "town", "village"] and county.ancestry == ["county"]


@pytest.mark.parametrize("parent_kind, child_kind", [
    ("branch", "party_committee"),
    ("service_point", "branch"),
    ("general_branch", "red_station"),
    ("village_online_branch", "branch"),
])
def test_a_node_only_hangs_where_the_county_puts_it(county, parent_kind, child_kind):
    parent = org("p", parent_kind, county) if parent_kind != "branch" else org("p", "branch", county)
    with pytest.raises(RuleViolation) as refused:
        org("c", child_kind, parent)
    assert refused.value.code == "invalid_parent"


def test_only_a_party_committee_stands_at_the_root():
    with pytest.raises(RuleViolation) as refused:
        org("b", "branch")
    assert refused.value.code == "invalid_parent"
    assert "parent_id" in refused.value.details


def test_members_belong_to_branches_only(county):
    station = org("station", "service_station", county)
    with pytest.raises(RuleViolation) as refused:
        member(station)
    assert refused.value.code == "not_a_branch"


def test_a_departure_makes_the_member_away_and_says_where(branch):
    m = member(branch)
    departure, event = m.report_departure(departure_id="d1", report=report(), reported_at=NOW)
    # The status is computed (services.roster.status), never set by the domain.
    assert m.status == NORMAL and m.current_departure is departure
    assert departure.reported and departure.destination_city == "酒泉市"
    assert event == MemberDeparted(
        member_id="m1", departure_id="d1", organisation_id="village", departed_on=date(2026, 3, 2),
        destination_province="甘肃省", destination_city="酒泉市", expected_return_on=date(2026, 12, 20),
    )


def test_a_member_already_away_cannot_leave_again(branch):
    m = member(branch)
    m.report_departure(departure_id="d1", report=report(), reported_at=NOW)
    with pytest.raises(RuleViolation) as refused:
        m.report_departure(departure_id="d2", report=report(), reported_at=NOW)
    assert refused.value.code == "member_already_away"
    assert m.current_departure.id == "d1"


def test_expected_return_before_departure_is_refused(branch):
    with pytest.raises(RuleViolation) as refused:
        member(branch).report_departure(departure_id="d1", report=report(expected_return_on=date(2026, 1, 1)), reported_at=NOW)
    assert "expected_return_on" in refused.value.details


def test_a_return_closes_the_open_departure(branch):
    m = member(branch)
    m.report_departure(departure_id="d1", report=report(), reported_at=NOW)
    departure, event = m.report_return(departure_id="unused", returned_on=date(2026, 12, 25), reported_at=NOW)
    assert departure.id == "d1" and departure.returned_on == date(2026, 12, 25)
    assert m.status == NORMAL and m.current_departure is None
    assert event.departure_reported is True and event.departed_on == date(2026, 3, 2)


def test_a_return_never_reported_as_a_departure_is_recorded_as_unreported(branch):
    m = member(branch)
    departure, event = m.report_return(departure_id="d9", returned_on=date(2026, 2, 1), reported_at=NOW)
    assert departure.id == "d9" and departure.reported is False and departure.departed_on is None
    assert event == MemberReturned(member_id="m1", departure_id="d9", organisation_id="village",
                                   returned_on=date(2026, 2, 1), departed_on=None, departure_reported=False)
    assert m.current_departure is None


def test_a_return_before_the_departure_is_refused(branch):
    m = member(branch)
    m.report_departure(departure_id="d1", report=report(), reported_at=NOW)
    with pytest.raises(RuleViolation) as refused:
        m.report_return(departure_id="x", returned_on=date(2026, 3, 1), reported_at=NOW)
    assert "returned_on" in refused.value.details
    assert m.current_departure.id == "d1" and m.current_departure.returned_on is None


# ---- movements never overlap ----

def test_a_departure_dated_before_the_last_return_is_refused_and_the_same_day_is_not(branch):
    m = member(branch)
    m.report_departure(departure_id="d1", report=report(), reported_at=NOW)
    m.report_return(departure_id="x", returned_on=date(2026, 6, 10), reported_at=NOW)
    with pytest.raises(RuleViolation) as refused:
        m.report_departure(departure_id="d2", report=report(departed_on=date(2026, 6, 9)), reported_at=NOW)
    assert refused.value.code == "overlapping_movement" and "departed_on" in refused.value.details
    assert m.current_departure is None
    m.report_departure(departure_id="d2", report=report(departed_on=date(2026, 6, 10)), reported_at=NOW)
    assert m.current_departure.id == "d2"


def test_an_unreported_return_dated_before_the_last_return_is_refused(branch):
    m = member(branch)
    m.report_return(departure_id="d1", returned_on=date(2026, 6, 10), reported_at=NOW)
    with pytest.raises(RuleViolation) as refused:
        m.report_return(departure_id="d2", returned_on=date(2026, 6, 1), reported_at=NOW)
    assert refused.value.code == "overlapping_movement" and "returned_on" in refused.value.details
    assert m.last_returned_on == date(2026, 6, 10)


def test_a_return_dated_after_today_is_refused(branch):
    m = member(branch)
    m.report_departure(departure_id="d1", report=report(), reported_at=NOW)
    with pytest.raises(RuleViolation) as refused:
        m.report_return(departure_id="x", returned_on=date(2026, 12, 3), reported_at=NOW, today=date(2026, 12, 2))
    assert refused.value.code == "validation_failed" and "returned_on" in refused.value.details
    assert m.current_departure.id == "d1"
