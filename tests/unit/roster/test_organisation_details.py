"""Issue 8, organisations: the details of each kind (host and budget, officers, the fixed
activity day), one online branch per village, stations serving branches and town–community
pairings, as pure domain rules."""
from datetime import date, datetime, timezone

import pytest

from contracts.errors import ErrorCode, RuleViolation
from services.roster.domain import organisation_links as links
from services.roster.domain.organisation import Organisation

AT = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 1)


def org(id, kind, parent=None, **kwargs):
    return Organisation(id=id, name=id, kind=kind, parent=parent, created_at=AT, **kwargs)


@pytest.fixture
def tree():
    county = org("county", "party_committee")
    town = org("town", "party_committee", county)
    return {"county": county, "town": town, "village": org("village", "branch", town),
            "big_village": org("big", "general_branch", town)}


def refused(code, function, *args, **kwargs):
    with pytest.raises(RuleViolation) as error:
        function(*args, **kwargs)
    assert error.value.code == code, error.value.message
    return error.value.details


# ---- the fixed activity day ----------------------------------------------------

def test_an_urban_mobile_branch_meets_on_the_6th_by_default(tree):
    assert org("u", "urban_mobile_branch", tree["county"]).activity_day == 6


@pytest.mark.parametrize("day", [5, 7, 28])
def test_an_urban_mobile_branch_meets_on_no_other_day(tree, day):
    details = refused(ErrorCode.INVALID_ORGANISATION_DETAILS, org, "u", "urban_mobile_branch", tree["county"],
                      details={"activity_day": day})
    assert "activity_day" in details


def test_an_urban_mobile_branchs_day_cannot_be_cleared(tree):
    urban = org("u", "urban_mobile_branch", tree["county"])
    refused(ErrorCode.INVALID_ORGANISATION_DETAILS, urban.update, {"activity_day": None}, change_id="c", at=AT)
    assert urban.activity_day == 6 and urban.revision == 1


@pytest.mark.parametrize("day, ok", [(0, False), (1, True), (28, True), (29, False), (31, False)])
def test_a_branchs_activity_day_is_1_to_28(tree, day, ok):
    if ok:
        assert org("b", "branch", tree["town"], details={"activity_day": day}).activity_day == day
    else:
        assert "activity_day" in refused(ErrorCode.INVALID_ORGANISATION_DETAILS, org, "b", "branch", tree["town"],
                                         details={"activity_day": day})


def test_an_ordinary_branch_has_no_activity_day_until_given_one(tree):
    assert tree["village"].activity_day is None


def test_only_branches_have_an_activity_day(tree):
    details = refused(ErrorCode.INVALID_ORGANISATION_DETAILS, org, "t", "party_committee", tree["county"],
                      details={"activity_day": 6})
    assert details == {"activity_day": ["not a detail of a party_committee"]}


# ---- host, budget, officers ---------------------------------------------------------

def test_a_destination_branch_has_a_host_and_a_budget(tree):
    branch = org("d", "destination_mobile_branch", tree["county"], details={
        "host_name": "瓜州县渊泉镇社区", "host_kind": "community", "budget_yuan": 50_000, "budget_year": 2026})
    assert (branch.host_name, branch.host_kind, branch.budget_yuan, branch.budget_year) == (
        "瓜州县渊泉镇社区", "community", 50_000, 2026)


@pytest.mark.parametrize("details, field", [
    ({"budget_yuan": -1}, "budget_yuan"),
    ({"budget_year": 2026}, "budget_year"),
    ({"host_name": "某公司", "host_kind": "factory"}, "host_kind"),
    ({"host_name": "某公司"}, "host_kind"),
    ({"host_kind": "company"}, "host_name"),
])
def test_bad_host_or_budget_names_the_field(tree, details, field):
    assert field in refused(ErrorCode.INVALID_ORGANISATION_DETAILS, org, "d", "destination_mobile_branch",
                            tree["county"], details=details)


def test_a_budget_of_zero_is_a_budget(tree):
    assert org("d", "destination_mobile_branch", tree["county"], details={"budget_yuan": 0}).budget_yuan == 0


@pytest.mark.parametrize("kind", ["urban_mobile_branch", "service_station"])
def test_urban_branches_and_stations_have_officers(tree, kind):
    officer = org("o", kind, tree["county"], details={
        "secretary_name": "王书记", "secretary_member_id": "m1", "deputy_secretary_name": "李副书记",
        "liaison_name": "张联络员"})
    assert (officer.secretary_name, officer.secretary_member_id, officer.liaison_name) == ("王书记", "m1", "张联络员")


def test_details_not_of_the_kind_are_refused_by_name(tree):
    details = refused(ErrorCode.INVALID_ORGANISATION_DETAILS, org, "b", "branch", tree["town"],
                      details={"secretary_name": "王", "budget_yuan": 1})
    assert set(details) == {"secretary_name", "budget_yuan"}


def test_an_officers_member_needs_a_name(tree):
    assert "liaison_name" in refused(ErrorCode.INVALID_ORGANISATION_DETAILS, org, "s", "service_point",
                                     org("st", "service_station", tree["county"]), details={"liaison_member_id": "m"})


# ---- changes, history and revision -----------------------------------------------------

def test_a_change_keeps_what_who_when_why_at_the_next_revision(tree):
    branch = org("d", "destination_mobile_branch", tree["county"], details={"budget_yuan": 40_000})
    change, event = branch.update({"budget_yuan": 50_000, "budget_year": 2026}, change_id="c1", at=AT,
                                  by="user:county", reason="2026年预算")
    assert branch.revision == 2 and branch.budget_yuan == 50_000
    assert change.changes == {"budget_yuan": {"from": 40_000, "to": 50_000}, "budget_year": {"from": None, "to": 2026}}
    assert (change.revision, change.changed_by, change.changed_at, change.reason) == (2, "user:county", AT, "2026年预算")
    assert event.revision == 2 and event.changed == ["budget_year", "budget_yuan"]
    assert event.path == ["county", "d"] and event.kind == "destination_mobile_branch"
    assert branch.created().revision == 2  # the tree page gives the latest


def test_a_change_that_changes_nothing_spends_no_revision(tree):
    urban = org("u", "urban_mobile_branch", tree["county"])
    assert urban.update({"activity_day": 6}, change_id="c", at=AT) == (None, None)
    assert urban.revision == 1


def test_a_detail_left_out_stays_and_one_given_as_none_is_cleared(tree):
    station = org("s", "service_station", tree["county"], details={"secretary_name": "王", "liaison_name": "张"})
    change, _ = station.update({"liaison_name": None}, change_id="c", at=AT)
    assert (station.secretary_name, station.liaison_name) == ("王", None)
    assert change.changes == {"liaison_name": {"from": "张", "to": None}}


def test_a_refused_change_changes_nothing(tree):
    branch = org("b", "branch", tree["town"], details={"activity_day": 10})
    refused(ErrorCode.INVALID_ORGANISATION_DETAILS, branch.update, {"activity_day": 29}, change_id="c", at=AT)
    assert branch.activity_day == 10 and branch.revision == 1


# ---- one online branch per village ------------------------------------------------------

def test_the_first_online_branch_belongs_to_its_village(tree):
    online = org("o", "village_online_branch", tree["village"], grandparent_kind="party_committee")
    assert online.online_branch_of == "village"
    assert tree["village"].online_branch_of is None


def test_a_second_online_branch_in_a_village_is_refused(tree):
    first = org("o1", "village_online_branch", tree["village"], grandparent_kind="party_committee")
    details = refused(ErrorCode.ONLINE_BRANCH_EXISTS, org, "o2", "village_online_branch", tree["village"],
                      existing_online_branch=first, grandparent_kind="party_committee")
    assert "o1" in details["parent_id"][0]


def test_a_village_with_a_general_branch_has_its_online_branch_there(tree):
    part = org("part", "branch", tree["big_village"])
    assert org("o", "village_online_branch", tree["big_village"],
               grandparent_kind="party_committee").online_branch_of == "big"
    refused(ErrorCode.INVALID_PARENT, org, "o2", "village_online_branch", part, grandparent_kind="general_branch")


# ---- stations serving branches ----------------------------------------------------------------

@pytest.fixture
def stations(tree):
    county = tree["county"]
    station = org("station", "service_station", county)
    return {"station": station, "point": org("point", "service_point", station),
            "red": org("red", "red_station", county), "urban": org("urban", "urban_mobile_branch", county)}


@pytest.mark.parametrize("kind", ["station", "point", "red"])
def test_a_station_serves_a_branch(tree, stations, kind):
    link, event = links.link_station(link_id="l1", station=stations[kind], branch=stations["urban"], active_link=None,
                                     since=TODAY, at=AT, by="user:x")
    assert link.active and link.active_pair == f"{kind}:urban" and link.linked_by == "user:x"
    assert event == links.StationLinked(link_id="l1", station_id=kind, branch_id="urban", since=TODAY)


def test_a_station_serving_a_non_branch_is_refused(tree, stations):
    details = refused(ErrorCode.NOT_A_BRANCH, links.link_station, link_id="l", station=stations["red"],
                      branch=tree["town"], active_link=None, since=TODAY, at=AT)
    assert "branch_id" in details


def test_only_stations_serve(tree, stations):
    details = refused(ErrorCode.NOT_A_STATION, links.link_station, link_id="l", station=tree["village"],
                      branch=stations["urban"], active_link=None, since=TODAY, at=AT)
    assert "station_id" in details


def test_a_station_serves_a_branch_once_at_a_time_and_ending_keeps_the_history(stations):
    link, _ = links.link_station(link_id="l1", station=stations["red"], branch=stations["urban"], active_link=None,
                                 since=date(2026, 1, 1), at=AT)
    refused(ErrorCode.ALREADY_SERVED, links.link_station, link_id="l2", station=stations["red"],
            branch=stations["urban"], active_link=link, since=TODAY, at=AT)
    refused(ErrorCode.VALIDATION_FAILED, link.end, ended_on=date(2025, 12, 31), at=AT)
    assert link.active
    event = link.end(ended_on=date(2026, 1, 1), at=AT, by="user:x", reason="撤并")
    assert not link.active and link.active_pair is None and link.end_reason == "撤并"
    assert event.ended_on == date(2026, 1, 1) and event.since == date(2026, 1, 1)
    refused(ErrorCode.ALREADY_ENDED, link.end, ended_on=TODAY, at=AT)
    again, _ = links.link_station(link_id="l2", station=stations["red"], branch=stations["urban"], active_link=None,
                                  since=TODAY, at=AT)
    assert again.active


# ---- town–community pairings ---------------------------------------------------------------------

def pair(tree, town=None, community=None, name=None, town_pairing=None, community_pairing=None):
    return links.pair(pairing_id="p1", town=town or tree["town"], community=community, community_name=name,
                      community_place=None, town_pairing=town_pairing, community_pairing=community_pairing,
                      paired_on=TODAY, at=AT, by="user:x")


def test_a_town_pairs_with_a_community_on_the_platform_or_outside(tree):
    city = org("city", "party_committee")
    community = org("community", "branch", city)
    pairing, event = pair(tree, community=community)
    assert pairing.community_name == "community" and pairing.active_for_community_id == "community"
    assert event == links.TownCommunityPaired(pairing_id="p1", town_id="town", community_organisation_id="community",
                                              community_name="community", paired_on=TODAY)
    outside, _ = pair(tree, town=org("t2", "party_committee", tree["county"]), name="甘州区某社区党委")
    assert outside.community_organisation_id is None and outside.active_for_community_id is None


def test_only_a_town_pairs(tree):
    refused(ErrorCode.NOT_A_TOWN, pair, tree, town=tree["county"], name="x")
    refused(ErrorCode.NOT_A_TOWN, pair, tree, town=tree["village"], name="x")


def test_the_community_is_not_the_town_nor_inside_it_nor_a_station(tree):
    refused(ErrorCode.NOT_A_COMMUNITY, pair, tree, community=tree["town"])
    refused(ErrorCode.NOT_A_COMMUNITY, pair, tree, community=tree["village"])
    refused(ErrorCode.NOT_A_COMMUNITY, pair, tree, community=org("red", "red_station", tree["county"]))


def test_one_to_one_and_ending_frees_both_sides(tree):
    community = org("community", "branch", org("city", "party_committee"))
    pairing, _ = pair(tree, community=community)
    assert "town_id" in refused(ErrorCode.ALREADY_PAIRED, pair, tree, name="x", town_pairing=pairing)
    assert "community_organisation_id" in refused(
        ErrorCode.ALREADY_PAIRED, pair, tree, town=org("t2", "party_committee", tree["county"]), community=community,
        community_pairing=pairing)
    event = pairing.end(ended_on=TODAY, at=AT, by="user:x")
    assert not pairing.active and pairing.active_for_town_id is None and pairing.active_for_community_id is None
    assert event.ended_on == TODAY and event.community_organisation_id == "community"
    refused(ErrorCode.ALREADY_ENDED, pairing.end, ended_on=TODAY, at=AT)
