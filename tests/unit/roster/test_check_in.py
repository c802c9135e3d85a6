"""双报到 and the lists the clock fills (待报到, 应转接): the rules with no broker
and no database, then the use cases on fakes (who may check in, who confirms
which side)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from contracts.access import Scope
from contracts.errors import RuleViolation, ServiceError
from services.common.fakes import FakeRepository, FakeUnitOfWork, FixedClock
from services.roster import usecases
from services.roster.domain import check_in as rules
from services.roster.domain.member import DepartureReport, Member
from tests.unit.roster.status_fakes import with_status_repositories
from services.roster.domain.organisation import Organisation
from tests.support import id_number

NOW = datetime(2026, 3, 20, 8, 0, tzinfo=timezone.utc)
DEPARTED = date(2026, 3, 2)


# Events are validated against the catalogue, which wants UUIDs: readable names stand for them.
IDS = {name: f"00000000-0000-4000-8000-{n:012d}" for n, name in enumerate(
    ("county", "town", "village", "guazhou", "other-town", "m1", "m2", "d-m1", "d-m2", "unused"))}


def org(name, kind, parent=None, location=None):
    return Organisation(id=IDS[name], name=f"{name}党支部", kind=kind, parent=parent, location=location, created_at=NOW)


@pytest.fixture
def tree():
    county = org("county", "party_committee")
    town = org("town", "party_committee", county)
    village = org("village", "branch", town)
    guazhou = org("guazhou", "destination_mobile_branch", county, location="酒泉市瓜州县")
    other_town = org("other-town", "party_committee", county)
    return {o.name[:-3]: o for o in (county, town, village, guazhou, other_town)}


def away_member(branch, member_id="m1", departed_on=DEPARTED):
    member = Member(id=IDS[member_id], name="张三", gender="male", birth_date=date(1985, 3, 2),
                    id_number=id_number("1985-03-02", 118), phone="13900000001", joined_on=date(2010, 7, 1),
                    membership="full", organisation=branch, registered_at=NOW)
    member.report_departure(departure_id=IDS[f"d-{member_id}"], reported_at=NOW, report=DepartureReport(
        departed_on=departed_on, destination_province="甘肃省", destination_city="酒泉市瓜州县", work="枸杞采摘",
        contact="13900000001"))
    return member


def check_in(member, **overrides):
    arguments = dict(check_in_id="c1", open_check_in=None, checked_in_on=date(2026, 3, 5), host=None,
                     host_name=None, host_place=None, reported_at=NOW, reported_by="user:member")
    arguments.update(overrides)
    return rules.check_in(member, **arguments)


# ---- the check-in ----------------------------------------------------------

def test_a_check_in_at_a_host_on_the_platform_names_it(tree):
    member = away_member(tree["village"])
    record, event = check_in(member, host=tree["guazhou"])
    assert record.host_organisation_id == IDS["guazhou"] and record.host_name == "guazhou党支部"
    assert record.host_place == "酒泉市瓜州县" and record.departure_id == IDS["d-m1"] and not record.confirmed
    assert event == rules.MemberCheckedIn(member_id=IDS["m1"], check_in_id="c1", departure_id=IDS["d-m1"],
                                          organisation_id=IDS["village"], host_organisation_id=IDS["guazhou"],
                                          host_name="guazhou党支部", checked_in_on=date(2026, 3, 5))


def test_a_check_in_at_a_host_outside_the_platform_keeps_its_name_and_place(tree):
    record, event = check_in(away_member(tree["village"]), host_name="新疆昌吉州某社区党委", host_place="新疆昌吉州")
    assert record.host_organisation_id is None and event.host_organisation_id is None
    assert record.host_name == "新疆昌吉州某社区党委" and record.host_place == "新疆昌吉州"


def test_a_member_at_home_cannot_check_in(tree):
    member = away_member(tree["village"])
    member.report_return(departure_id="unused", returned_on=date(2026, 3, 4), reported_at=NOW)
    with pytest.raises(RuleViolation) as refused:
        check_in(member, host=tree["guazhou"])
    assert refused.value.code == "member_not_away"


def test_a_second_check_in_for_one_departure_is_refused_naming_the_first(tree):
    member = away_member(tree["village"])
    first, _ = check_in(member, host=tree["guazhou"])
    with pytest.raises(RuleViolation) as refused:
        check_in(member, check_in_id="c2", open_check_in=first, host=tree["guazhou"])
    assert refused.value.code == "already_checked_in" and refused.value.details == {"check_in_id": "c1"}


def test_a_check_in_before_the_departure_is_refused(tree):
    with pytest.raises(RuleViolation) as refused:
        check_in(away_member(tree["village"]), host=tree["guazhou"], checked_in_on=DEPARTED - timedelta(days=1))
    assert "checked_in_on" in refused.value.details
    # the departure day itself is fine
    check_in(away_member(tree["village"]), host=tree["guazhou"], checked_in_on=DEPARTED)


@pytest.mark.parametrize("host_id, field_message", [
    ("town", "must be a branch, service station, service point or red station"),
    ("village", "must not be the member's home branch"),
])
def test_a_host_must_be_one_that_receives_members_elsewhere(tree, host_id, field_message):
    with pytest.raises(RuleViolation) as refused:
        check_in(away_member(tree["village"]), host=tree[host_id])
    assert refused.value.details == {"host_organisation_id": [field_message]}


# ---- confirmations: each side its own, once --------------------------------

def test_host_and_home_each_confirm_once_with_who_and_when(tree):
    member = away_member(tree["village"])
    record, _ = check_in(member, host=tree["guazhou"])
    host_event = record.confirm(side="host", member=member, at=NOW, by="user:guazhou", sees_host=True, sees_home=False)
    assert (record.host_confirmed_at, record.host_confirmed_by) == (NOW, "user:guazhou")
    assert host_event.side == "host" and not host_event.both_confirmed and not record.confirmed
    later = NOW + timedelta(hours=2)
    home_event = record.confirm(side="home", member=member, at=later, by="user:town", sees_host=False, sees_home=True)
    assert (record.home_confirmed_at, record.home_confirmed_by) == (later, "user:town")
    assert home_event.both_confirmed and record.confirmed
    with pytest.raises(RuleViolation) as refused:
        record.confirm(side="home", member=member, at=later, by="user:town", sees_host=False, sees_home=True)
    assert refused.value.code == "already_confirmed"
    assert record.home_confirmed_by == "user:town"


@pytest.mark.parametrize("side, sees_host, sees_home", [
    ("host", False, True),   # the home town cannot confirm for a host on the platform
    ("home", True, False),   # nor the host for the home town
    ("host", False, False),  # nor the member, who sees neither organisation
    ("home", False, False),
])
def test_the_wrong_side_cannot_confirm(tree, side, sees_host, sees_home):
    member = away_member(tree["village"])
    record, _ = check_in(member, host=tree["guazhou"])
    with pytest.raises(RuleViolation) as refused:
        record.confirm(side=side, member=member, at=NOW, by="user:x", sees_host=sees_host, sees_home=sees_home)
    assert refused.value.code == "not_the_confirming_side" and "side" in refused.value.details
    assert record.host_confirmed_at is None and record.home_confirmed_at is None


def test_for_a_host_outside_the_platform_the_home_side_records_the_hosts_word(tree):
    member = away_member(tree["village"])
    record, _ = check_in(member, host_name="某社区党委", host_place="新疆昌吉州")
    record.confirm(side="host", member=member, at=NOW, by="user:town", sees_host=False, sees_home=True)
    assert record.host_confirmed_by == "user:town"


# ---- 待报到: awaiting check-in after N days --------------------------------

@pytest.mark.parametrize("days_away, listed", [(14, False), (15, True), (16, True)])
def test_awaiting_check_in_from_exactly_n_days(days_away, listed):
    today = DEPARTED + timedelta(days=days_away)
    assert rules.awaiting_check_in(DEPARTED, today, 15) is listed
    assert (DEPARTED <= rules.latest_departure_awaiting(today, 15)) is listed
    assert rules.check_in_due_on(DEPARTED, 15) == date(2026, 3, 17)


# ---- 应转接: six calendar months away, the day itself included ---------------

@pytest.mark.parametrize("today, flagged", [
    (date(2026, 9, 1), False),  # the day before
    (date(2026, 9, 2), True),   # six calendar months to the day
    (date(2026, 9, 3), True),   # the day after
])
def test_should_transfer_from_six_calendar_months_the_day_itself_included(today, flagged):
    assert rules.should_transfer_from(DEPARTED) == date(2026, 9, 2)
    assert rules.should_transfer(DEPARTED, today) is flagged
    assert (DEPARTED <= rules.latest_departure_to_transfer(today)) is flagged


def test_six_months_from_a_month_end_is_the_last_day_of_the_shorter_month():
    assert rules.should_transfer_from(date(2026, 8, 31)) == date(2027, 2, 28)
    assert rules.should_transfer_from(date(2027, 8, 31)) == date(2028, 2, 29)
    assert not rules.should_transfer(date(2026, 8, 31), date(2027, 2, 27))
    assert rules.should_transfer(date(2026, 8, 31), date(2027, 2, 28))


def test_the_query_bound_agrees_with_the_rule_every_day_of_two_years():
    # The repository compares departed_on with one bound; it must flag exactly the days the rule does.
    for offset in range(0, 730, 1):
        today = date(2027, 1, 1) + timedelta(days=offset)
        bound = rules.latest_departure_to_transfer(today)
        assert rules.should_transfer(bound, today)
        assert not rules.should_transfer(bound + timedelta(days=1), today)


# ---- the use cases on fakes: who may check in and confirm --------------------

class FakeCheckIns(FakeRepository):
    def for_departure(self, departure_id):
        return next((c for c in self.rows.values() if c.departure_id == departure_id), None)

    def for_member(self, member_id):
        return [c for c in self.rows.values() if c.member_id == member_id]


@pytest.fixture
def uow(tree):
    organisations, members = FakeRepository(), FakeRepository()
    for organisation in tree.values():
        organisations.add(organisation)
    away = away_member(tree["village"])
    away.status = "awaiting_check_in"  # as services.roster.status has it on CLOCK's day: left 2 March, due 17 March
    members.add(away)
    home_member = away_member(tree["village"], member_id="m2")
    home_member.report_return(departure_id="unused", returned_on=date(2026, 3, 3), reported_at=NOW)
    members.add(home_member)
    return with_status_repositories(
        FakeUnitOfWork(usecases.EVENTS, organisations=organisations, members=members, check_ins=FakeCheckIns()))


MEMBER_HIMSELF = Scope.of(organisation_ids=[], member_id=IDS["m1"], principal="user:m1")
HOME_SECRETARY = Scope.of(organisation_ids=[IDS["village"]], principal="user:secretary")
HOME_TOWN = Scope.of(organisation_ids=[IDS["town"]], principal="user:town")
HOST_BRANCH = Scope.of(organisation_ids=[IDS["guazhou"]], principal="user:guazhou")
OTHER_TOWN = Scope.of(organisation_ids=[IDS["other-town"]], principal="user:other")
CLOCK = FixedClock(now=NOW, today=date(2026, 3, 20))


@pytest.mark.parametrize("scope", [MEMBER_HIMSELF, HOME_SECRETARY], ids=["the member", "the branch secretary"])
def test_the_member_or_their_branch_reports_the_check_in(uow, scope):
    record = usecases.report_check_in(uow, IDS["m1"], {"host_organisation_id": IDS["guazhou"]}, CLOCK, scope)
    assert record.checked_in_on == date(2026, 3, 20) and record.reported_by == scope.principal
    event, changed = uow.events
    assert event.event_type == "member_checked_in" and event.data["host_organisation_id"] == IDS["guazhou"]
    # the check-in ends "awaiting check-in"
    assert changed.event_type == "member_status_changed" and (changed.data["previous_status"], changed.data["status"],
                                                               changed.data["cause"]) == (
        "awaiting_check_in", "away", "member_checked_in")


def test_a_member_cannot_check_in_someone_else(uow):
    with pytest.raises(ServiceError) as refused:
        usecases.report_check_in(uow, IDS["m2"], {"host_organisation_id": IDS["guazhou"]}, CLOCK,
                                 Scope.of(organisation_ids=[], member_id=IDS["m1"], principal="user:m1"))
    assert refused.value.code == "member_not_found" and not uow.check_ins.rows and not uow.events


def test_an_unknown_host_is_an_unknown_reference_and_nothing_is_written(uow):
    with pytest.raises(ServiceError) as refused:
        usecases.report_check_in(uow, IDS["m1"], {"host_organisation_id": "nowhere"}, CLOCK, HOME_SECRETARY)
    assert refused.value.code == "unknown_reference" and "host_organisation_id" in refused.value.details
    assert not uow.check_ins.rows and not uow.events


def test_a_member_at_home_cannot_check_in_and_nothing_is_written(uow):
    with pytest.raises(RuleViolation) as refused:
        usecases.report_check_in(uow, IDS["m2"], {"host_organisation_id": IDS["guazhou"]}, CLOCK, HOME_SECRETARY)
    assert refused.value.code == "member_not_away" and not uow.check_ins.rows and not uow.events


def test_a_second_check_in_is_refused(uow):
    usecases.report_check_in(uow, IDS["m1"], {"host_organisation_id": IDS["guazhou"]}, CLOCK, MEMBER_HIMSELF)
    with pytest.raises(RuleViolation) as refused:
        usecases.report_check_in(uow, IDS["m1"], {"host_name": "x", "host_place": "y"}, CLOCK, MEMBER_HIMSELF)
    assert refused.value.code == "already_checked_in" and len(uow.check_ins.rows) == 1


def test_the_host_confirms_a_member_of_another_town_and_the_home_town_confirms_its_own(uow):
    record = usecases.report_check_in(uow, IDS["m1"], {"host_organisation_id": IDS["guazhou"]}, CLOCK, MEMBER_HIMSELF)
    usecases.confirm_check_in(uow, IDS["m1"], record.id, {"side": "host"}, CLOCK, HOST_BRANCH)
    usecases.confirm_check_in(uow, IDS["m1"], record.id, {"side": "home"}, CLOCK, HOME_TOWN)
    assert record.confirmed and (record.host_confirmed_by, record.home_confirmed_by) == ("user:guazhou", "user:town")
    assert [e.event_type for e in uow.events] == ["member_checked_in", "member_status_changed",
                                                  "member_check_in_confirmed", "member_check_in_confirmed"]
    assert uow.events[-1].data["both_confirmed"] is True


@pytest.mark.parametrize("scope, side, code", [
    (MEMBER_HIMSELF, "host", "not_the_confirming_side"),
    (MEMBER_HIMSELF, "home", "not_the_confirming_side"),
    (HOST_BRANCH, "home", "not_the_confirming_side"),
    (HOME_TOWN, "host", "not_the_confirming_side"),
    (OTHER_TOWN, "host", "check_in_not_found"),  # sees neither: as if it did not exist
])
def test_confirmation_by_the_wrong_side_is_refused_and_nothing_is_written(uow, scope, side, code):
    record = usecases.report_check_in(uow, IDS["m1"], {"host_organisation_id": IDS["guazhou"]}, CLOCK, MEMBER_HIMSELF)
    with pytest.raises((RuleViolation, ServiceError)) as refused:
        usecases.confirm_check_in(uow, IDS["m1"], record.id, {"side": side}, CLOCK, scope)
    assert refused.value.code == code
    assert record.host_confirmed_at is None and record.home_confirmed_at is None and len(uow.events) == 2


def test_a_check_in_of_another_member_is_not_found(uow):
    record = usecases.report_check_in(uow, IDS["m1"], {"host_organisation_id": IDS["guazhou"]}, CLOCK, MEMBER_HIMSELF)
    with pytest.raises(ServiceError) as refused:
        usecases.confirm_check_in(uow, IDS["m2"], record.id, {"side": "home"}, CLOCK, HOME_TOWN)
    assert refused.value.code == "check_in_not_found"


# ---- 流动党员活动证: the mobile-member card ---------------------------------

def away_with_return(tree, expected_return_on):
    member = away_member(tree["village"])
    member.current_departure.expected_return_on = expected_return_on
    return member


def card(member, tree, **overrides):
    arguments = dict(card_id="abcdef12-0000", existing_card=None, branch=tree["guazhou"], issued_on=date(2026, 3, 5),
                     valid_until=None, issued_at=NOW, issued_by="user:secretary")
    arguments.update(overrides)
    return rules.issue_card(member, **arguments)


def test_a_card_for_an_absence_under_six_months_runs_to_the_expected_return(tree):
    issued = card(away_with_return(tree, date(2026, 9, 1)), tree)
    assert issued.valid_until == date(2026, 9, 1) and issued.branch_id == IDS["guazhou"]
    assert issued.number == "LD20260305-ABCDEF12" and issued.votes_at_destination is False


@pytest.mark.parametrize("expected_return_on, code", [
    (date(2026, 9, 1), None),                   # the day before six months
    (date(2026, 9, 2), "absence_too_long"),     # six months to the day: should transfer instead
    (None, "absence_too_long"),                 # no expected return: nothing says it is short
])
def test_no_card_for_six_months_or_more(tree, expected_return_on, code):
    member = away_with_return(tree, expected_return_on)
    if code is None:
        card(member, tree)
        return
    with pytest.raises(RuleViolation) as refused:
        card(member, tree)
    assert refused.value.code == code and "expected_return_on" in refused.value.details


def test_one_card_per_departure_at_a_branch_elsewhere_and_never_past_the_return(tree):
    member = away_with_return(tree, date(2026, 6, 30))
    first = card(member, tree)
    with pytest.raises(RuleViolation) as refused:
        card(member, tree, existing_card=first)
    assert refused.value.code == "card_already_issued"
    for overrides, field in (({"valid_until": date(2026, 7, 1)}, "valid_until"), ({"branch": tree["village"]}, "branch_id"),
                             ({"branch": tree["town"]}, "branch_id")):
        with pytest.raises(RuleViolation) as refused:
            card(member, tree, **overrides)
        assert field in refused.value.details
    at_home = away_with_return(tree, date(2026, 6, 30))
    at_home.report_return(departure_id="unused", returned_on=date(2026, 3, 4), reported_at=NOW)
    with pytest.raises(RuleViolation) as refused:
        card(at_home, tree)
    assert refused.value.code == "member_not_away"


def test_months_past_the_calendar_stop_at_its_end():
    # A far-future date a client may type must not fail the rule (it would be a 500).
    assert rules.should_transfer_from(date(9999, 12, 1)) == date.max
    assert rules.add_months(date(1, 3, 1), -6) == date.min
