"""Where members go and the county's figures, on the real roster service
(PostgreSQL): departures classified when reported, and statistics for a small
county whose figures are known, at the year boundaries."""
import pytest
from sqlalchemy import create_engine, func, select

from contracts.access import Scope
from contracts.errors import ServiceError
from services.roster.models import departures
from tests.integration.rpc import call
from tests.support import id_number


def _org(roster, name, kind, parent=None):
    return call(roster, "create_organisation", {"name": name, "kind": kind, "parent_id": parent["id"] if parent else None})


def _member(roster, branch, serial, joined_on="2000-07-01"):
    birth = "1980-01-01"
    return call(roster, "register_member", {
        "name": f"测试{serial}", "gender": "male", "birth_date": birth, "id_number": id_number(birth, serial * 2 + 1),
        "phone": f"1390000{serial:04d}", "joined_on": joined_on, "organisation_id": branch["id"],
    })


def _depart(roster, member, departed_on, province, city):
    return call(roster, "report_departure", member["id"], {
        "departed_on": departed_on, "destination_province": province, "destination_city": city,
        "work": "务工", "contact": "13900000000"})


@pytest.fixture
def county(roster):
    root = _org(roster, "高台县委", "party_committee")
    town = _org(roster, "巷道镇党委", "party_committee", root)
    first = _org(roster, "东联村党支部", "branch", town)
    second = _org(roster, "西联村党支部", "branch", town)
    m1, m2, m3, m4 = (_member(roster, first, n) for n in (1, 2, 3, 4))
    m5 = _member(roster, second, 5, joined_on="2020-01-01")
    _member(roster, second, 6)
    # m1: away 2014-05-01 .. 2016-03-01 in the province, then from 2018 out of it.
    _depart(roster, m1, "2014-05-01", "甘肃省", "张掖市甘州区")
    call(roster, "report_return", m1["id"], {"returned_on": "2016-03-01"})
    _depart(roster, m1, "2018-01-01", "陕西", "西安")
    # m2 leaves on the last day of 2015: away at that year's end.
    _depart(roster, m2, "2015-12-31", "甘肃", "高台县城")
    # m3 leaves on the first day of 2016 and is back on its last: away at neither year end.
    _depart(roster, m3, "2016-01-01", "新疆", "乌鲁木齐市")
    call(roster, "report_return", m3["id"], {"returned_on": "2016-12-31"})
    _depart(roster, m5, "2021-04-01", "甘肃省", "兰州市")
    # m4 left without reporting and came back: not away on any day.
    call(roster, "report_return", m4["id"], {"returned_on": "2019-01-01"})
    return {"root": root, "town": town, "first": first, "second": second}


def test_a_departure_is_classified_when_reported(roster, county, database_url):
    member = _member(roster, county["first"], 7)
    departure = _depart(roster, member, "2022-01-01", "甘肃", "酒泉市瓜州县")
    assert (departure["destination_reach"], departure["destination_code"]) == ("in_province", "620922")
    assert call(roster, "get_member", member["id"])["current_departure"]["destination_reach"] == "in_province"


def test_an_unknown_province_is_refused_naming_the_field_and_writes_nothing(roster, county, database_url):
    member = _member(roster, county["first"], 8)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        before = connection.scalar(select(func.count()).select_from(departures))
    for province, city, field in (("火星", "奥林匹斯", "destination_province"), ("甘肃省", "西安市", "destination_city")):
        with pytest.raises(ServiceError) as refused:
            _depart(roster, member, "2022-01-01", province, city)
        assert refused.value.code == "validation_failed" and field in refused.value.details
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(departures)) == before
    engine.dispose()
    assert call(roster, "get_member", member["id"])["status"] == "normal"


def test_the_county_figures_on_a_day(roster, county):
    figures = call(roster, "county_statistics", {"date": "2022-06-30"})
    assert (figures["members"], figures["away"], figures["away_share_percent"]) == (6, 3, 50.0)
    assert {row["reach"]: (row["away"], row["share_percent"]) for row in figures["away_by_reach"]} == {
        "in_county": (1, 33.3), "in_province": (1, 33.3), "out_of_province": (1, 33.3)}
    assert [(row["year"], row["as_of"], row["away"]) for row in figures["away_by_year"]] == [
        (2014, "2014-12-31", 1), (2015, "2015-12-31", 2), (2016, "2016-12-31", 1), (2017, "2017-12-31", 1),
        (2018, "2018-12-31", 2), (2019, "2019-12-31", 2), (2020, "2020-12-31", 2), (2021, "2021-12-31", 3),
        (2022, "2022-06-30", 3)]
    by_organisation = {row["name"]: (row["members"], row["away"]) for row in figures["members_by_organisation"]}
    assert by_organisation == {"东联村党支部": (4, 2), "西联村党支部": (2, 1)}
    assert {row["kind"]: (row["organisations"], row["members"]) for row in figures["members_by_kind"]} == {
        "party_committee": (2, 0), "branch": (2, 6)}
    assert figures["lost_contact"] == 0 and figures["pocket_members"] == 0
    assert figures["transfers_in_year"] == 0
    assert figures["not_yet_tracked"] == []


def test_transfers_received_in_the_year_count_on_both_sides(roster, county):
    member = _member(roster, county["first"], 9)
    letter = call(roster, "issue_transfer", member["id"], {"to_organisation_id": county["second"]["id"],
                                                            "dues_paid_until": "2026-11"})
    elsewhere = _member(roster, county["first"], 10)
    call(roster, "issue_transfer", elsewhere["id"], {"to_name": "昌吉市某党支部", "to_place": "新疆昌吉市",
                                                     "dues_paid_until": "2026-11"})   # pending: not counted
    assert call(roster, "county_statistics", {})["transfers_in_year"] == 0
    call(roster, "receive_transfer", letter["id"], {})
    today = call(roster, "county_statistics", {})
    assert today["transfers_in_year"] == 1
    for side in ("first", "second"):
        assert call(roster, "county_statistics", {"organisation_id": county[side]["id"]})["transfers_in_year"] == 1
    last_year = f"{int(today['date'][:4]) - 1}-12-31"
    assert call(roster, "county_statistics", {"date": last_year})["transfers_in_year"] == 0


def test_an_earlier_day_counts_only_who_had_joined_and_left_by_then(roster, county):
    figures = call(roster, "county_statistics", {"date": "2015-12-31"})
    # m5 joined in 2020; m1 and m2 were away that night.
    assert (figures["members"], figures["away"], figures["away_share_percent"]) == (5, 2, 40.0)
    assert figures["away_by_year"][-1] == {"year": 2015, "as_of": "2015-12-31", "away": 2}


def test_a_subtree_and_the_callers_scope(roster, county):
    second = call(roster, "county_statistics", {"organisation_id": county["second"]["id"], "date": "2022-06-30"})
    assert (second["organisation_id"], second["members"], second["away"]) == (county["second"]["id"], 2, 1)
    assert second["away_share_percent"] == 50.0
    # A caller granted only the second village sees only it, by default and by name.
    scope = Scope.of(organisation_ids=[county["second"]["id"]], principal="user:secretary")
    scoped = {"organisation_ids": sorted(scope.organisation_ids), "member_id": None, "reveal": [],
              "principal": scope.principal}
    mine = call(roster, "county_statistics", {"date": "2022-06-30"}, scope=scoped)
    assert (mine["members"], mine["away"]) == (2, 1)
    with pytest.raises(ServiceError) as refused:
        call(roster, "county_statistics", {"organisation_id": county["first"]["id"]}, scope=scoped)
    assert refused.value.code == "organisation_not_found"


def test_bad_queries_name_the_field(roster, county):
    for query, field in (({"date": "yesterday"}, "date"), ({"date": "9999-12-31"}, "date"), ({"organisation_id": "x"}, "organisation_id"),
                         ({"colour": "red"}, "colour")):
        with pytest.raises(ServiceError) as refused:
            call(roster, "county_statistics", query)
        assert refused.value.code == "validation_failed" and field in refused.value.details


# ---- batches -----------------------------------------------------------------

def _body(branch, serial, **changes):
    birth = "1980-01-01"
    return {"name": f"批量{serial}", "gender": "male", "birth_date": birth, "id_number": id_number(birth, serial * 2 + 1),
            "phone": f"1380000{serial:04d}", "joined_on": "2000-07-01", "organisation_id": branch["id"], **changes}


def test_a_batch_answers_each_item_and_writes_only_the_good_ones(roster, county, database_url):
    first, town = county["first"], county["town"]
    answer = call(roster, "register_members", {"items": [
        _body(first, 101),
        _body(first, 102, phone="12"),                    # invalid: 422 naming the field
        _body(first, 101, phone="13800009999"),           # the first item's ID number again
        _body(town, 103),                                 # not a branch
        _body(first, 1),                                  # on the roll already (the fixture's m1)
        _body(first, 104),
    ]})
    statuses = [(item["index"], item["status"], (item["error"] or {}).get("code")) for item in answer["items"]]
    assert statuses == [(0, 201, None), (1, 422, "validation_failed"), (2, 409, "duplicate_id_number"),
                        (3, 422, "not_a_branch"), (4, 409, "duplicate_id_number"), (5, 201, None)]
    assert "phone" in answer["items"][1]["error"]["details"]
    assert all("_audit" not in str(item["error"]) for item in answer["items"] if item["error"])
    assert (answer["succeeded"], answer["refused"]) == (2, 4)
    listed = call(roster, "list_members", {"organisation_id": first["id"], "per_page": 100})
    assert sorted(m["name"] for m in listed["items"] if m["name"].startswith("批量")) == ["批量101", "批量104"]

    registered = answer["items"][0]["member"]
    departures_answer = call(roster, "report_departures", {"items": [
        {"member_id": registered["id"], "departed_on": "2022-03-01", "destination_province": "新疆",
         "destination_city": "哈密", "work": "棉花采摘", "contact": "13800000101"},
        {"member_id": registered["id"], "departed_on": "2022-03-02", "destination_province": "甘肃",
         "destination_city": "瓜州", "work": "枸杞", "contact": "13800000101"},   # already away
        {"member_id": answer["items"][5]["member"]["id"], "destination_province": "火星", "destination_city": "x",
         "work": "x", "contact": "x"},
        {"member_id": "not-a-uuid", "destination_province": "甘肃", "destination_city": "瓜州", "work": "x", "contact": "x"},
    ]})
    assert [(item["status"], (item["error"] or {}).get("code")) for item in departures_answer["items"]] == [
        (201, None), (409, "member_already_away"), (422, "validation_failed"), (422, "validation_failed")]
    assert departures_answer["items"][0]["departure"]["destination_reach"] == "out_of_province"
    assert "destination_province" in departures_answer["items"][2]["error"]["details"]
    assert "member_id" in departures_answer["items"][3]["error"]["details"]
    assert call(roster, "get_member", answer["items"][5]["member"]["id"])["status"] == "normal"
