"""Issue 8's organisations on the real roster service (nameko container, PostgreSQL): details
at creation and by change with their history and events in the outbox; one online branch per
village, refused by the database even past the domain's check; station links and
town–community pairings, each refused a second active one by the database too."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.exc import IntegrityError

from contracts.errors import ServiceError
from services.roster import repository
from services.roster.models import organisation_changes, organisations, outbox, station_links, town_community_pairings
from tests.integration.rpc import call

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def scope(*organisation_ids, principal="user:someone"):
    return {"organisation_ids": [str(i) for i in organisation_ids], "member_id": None, "reveal": [],
            "principal": principal}


@pytest.fixture
def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def rows(engine, query):
    with engine.connect() as connection:
        return connection.execute(query).all()


def events(engine, *kinds):
    return [(r.event_type, r.envelope["data"]) for r in rows(engine, select(outbox).order_by(outbox.c.id))
            if r.event_type in kinds]


@pytest.fixture
def world(roster):
    def org(name, kind, parent=None, **details):
        return call(roster, "create_organisation", {"name": name, "kind": kind,
                                                    "parent_id": parent["id"] if parent else None, **details})

    county = org("高台县委", "party_committee")
    town = org("巷道镇党委", "party_committee", county)
    return {"org": org, "county": county, "town": town, "village": org("东联村党支部", "branch", town),
            "urban": org("城区第1流动党员党支部", "urban_mobile_branch", county),
            "red": org("巷道镇红色驿站", "red_station", town)}


def refused(roster, method, *args, **kwargs):
    with pytest.raises(ServiceError) as error:
        call(roster, method, *args, **kwargs)
    return error.value


def test_details_at_creation_and_by_change_with_history_and_events(roster, world, engine):
    branch = world["org"]("瓜州县流动党员党支部", "destination_mobile_branch", world["county"],
                          host={"name": "瓜州县渊泉镇社区", "kind": "community"}, budget={"yuan": 40_000, "year": 2026})
    assert branch["host"] == {"name": "瓜州县渊泉镇社区", "kind": "community"} and branch["revision"] == 1
    assert world["urban"]["activity_day"] == 6 and world["urban"]["secretary"] is None

    county_admin = scope(world["county"]["id"], principal="user:county")
    changed = call(roster, "update_organisation", branch["id"],
                   {"budget": {"yuan": 50_000, "year": 2026}, "activity_day": 12, "reason": "追加预算"}, scope=county_admin)
    assert changed["budget"] == {"yuan": 50_000, "year": 2026} and changed["activity_day"] == 12
    assert changed["revision"] == 2 and call(roster, "get_organisation", branch["id"]) == changed

    (change,) = call(roster, "list_organisation_changes", branch["id"])["items"]
    assert change["changes"] == {"budget_yuan": {"from": 40_000, "to": 50_000}, "activity_day": {"from": None, "to": 12}}
    assert (change["changed_by"], change["reason"], change["revision"]) == ("user:county", "追加预算", 2)

    (updated,) = [data for kind, data in events(engine, "organisation_updated")]
    assert updated["organisation_id"] == branch["id"] and updated["revision"] == 2
    assert updated["changed"] == ["activity_day", "budget_yuan"] and updated["path"][-1] == branch["id"]
    # Another service's catch-up reads the latest revision.
    page = call(roster, "organisation_tree_page", None, 1000)["items"]
    assert next(item for item in page if item["organisation_id"] == branch["id"])["revision"] == 2


def test_refused_details_write_nothing(roster, world, engine):
    before = len(rows(engine, select(outbox)))
    error = refused(roster, "update_organisation", world["urban"]["id"], {"activity_day": 7})
    assert error.code == "invalid_organisation_details" and "activity_day" in error.details
    error = refused(roster, "create_organisation", {"name": "x", "kind": "branch", "parent_id": world["town"]["id"],
                                                    "activity_day": 29})
    assert error.code == "invalid_organisation_details"
    error = refused(roster, "update_organisation", world["urban"]["id"], {"liaison": {"name": "张"}},
                    scope=scope(world["town"]["id"]))
    assert error.code == "organisation_not_found"
    assert len(rows(engine, select(outbox))) == before and rows(engine, select(organisation_changes)) == []


def test_one_online_branch_per_village_refused_by_the_domain_and_by_the_database(roster, world, engine, monkeypatch):
    online = world["org"]("东联村网络党支部", "village_online_branch", world["village"])
    assert rows(engine, select(organisations.c.online_branch_of).where(organisations.c.id == online["id"])) == [
        (world["village"]["id"],)]
    error = refused(roster, "create_organisation", {"name": "第二", "kind": "village_online_branch",
                                                    "parent_id": world["village"]["id"]})
    assert error.code == "online_branch_exists"

    # Past the domain's check (as two requests racing would be): the unique index refuses it.
    monkeypatch.setattr(repository.SqlOrganisationDetails, "online_branch_of", lambda self, village_id: None)
    error = refused(roster, "create_organisation", {"name": "第三", "kind": "village_online_branch",
                                                    "parent_id": world["village"]["id"]})
    assert error.code == "online_branch_exists"
    kept = rows(engine, select(organisations.c.id).where(organisations.c.kind == "village_online_branch"))
    assert kept == [(online["id"],)]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(organisations).values(
            id="00000000-0000-4000-8000-000000000001", name="直接写入", kind="village_online_branch",
            parent_id=world["village"]["id"], path="/x/", depth=3, created_at=NOW,
            online_branch_of=world["village"]["id"]))


def test_a_station_serves_branches_with_history(roster, world, engine):
    town = scope(world["town"]["id"], principal="user:town")
    link = call(roster, "link_station", world["red"]["id"], {"branch_id": world["village"]["id"]}, scope=town)
    assert (link["station_name"], link["branch_name"], link["active"]) == ("巷道镇红色驿站", "东联村党支部", True)
    assert refused(roster, "link_station", world["red"]["id"], {"branch_id": world["village"]["id"]}).code == \
        "already_served"
    assert refused(roster, "link_station", world["red"]["id"], {"branch_id": world["town"]["id"]}).code == "not_a_branch"
    assert refused(roster, "link_station", world["village"]["id"], {"branch_id": world["urban"]["id"]}).code == \
        "not_a_station"
    assert refused(roster, "link_station", world["red"]["id"], {"branch_id": world["urban"]["id"]},
                   scope=town).code == "unknown_reference"

    ended = call(roster, "end_station_link", world["red"]["id"], link["id"], {"reason": "撤并"}, scope=town)
    assert not ended["active"] and ended["ended_by"] == "user:town" and ended["end_reason"] == "撤并"
    again = call(roster, "link_station", world["red"]["id"], {"branch_id": world["village"]["id"]}, scope=town)
    history = call(roster, "list_branch_stations", world["village"]["id"], {}, scope=town)["items"]
    assert [item["id"] for item in history] == [link["id"], again["id"]]
    assert [item["id"] for item in call(roster, "list_station_branches", world["red"]["id"], {"state": "active"})["items"]] \
        == [again["id"]]
    assert [kind for kind, _ in events(engine, "station_linked", "station_unlinked")] == [
        "station_linked", "station_unlinked", "station_linked"]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(station_links).values(
            id="00000000-0000-4000-8000-000000000002", station_id=world["red"]["id"], branch_id=world["village"]["id"],
            since=date(2026, 1, 1), active_pair=f"{world['red']['id']}:{world['village']['id']}",
            linked_at=NOW))


def test_town_community_pairings_one_to_one(roster, world, engine):
    city = world["org"]("甘州区委", "party_committee")
    community = world["org"]("甘州区某社区党委", "party_committee", city)
    town = scope(world["town"]["id"], principal="user:town")
    pairing = call(roster, "pair_town", {"town_id": world["town"]["id"], "community_organisation_id": community["id"]},
                   scope=town)
    assert (pairing["town_name"], pairing["community_name"], pairing["active"]) == ("巷道镇党委", "甘州区某社区党委", True)
    assert refused(roster, "pair_town", {"town_id": world["town"]["id"], "community_name": "另一社区"}).code == \
        "already_paired"
    assert refused(roster, "pair_town", {"town_id": world["county"]["id"], "community_name": "x"}).code == "not_a_town"
    assert call(roster, "get_pairing", pairing["id"], scope=scope(community["id"]))["id"] == pairing["id"]
    listed = call(roster, "list_pairings", {"town_id": world["town"]["id"]}, scope=town)
    assert listed["total"] == 1 and listed["items"][0]["id"] == pairing["id"]
    assert call(roster, "list_pairings", {}, scope=scope(world["village"]["id"]))["total"] == 0

    ended = call(roster, "end_pairing", pairing["id"], {}, scope=town)
    assert not ended["active"] and ended["ended_by"] == "user:town"
    call(roster, "pair_town", {"town_id": world["town"]["id"], "community_name": "甘州区另一社区", "community_place": "张掖市甘州区"},
         scope=town)
    assert call(roster, "list_pairings", {"town_id": world["town"]["id"], "state": "active"}, scope=town)["total"] == 1
    assert [kind for kind, _ in events(engine, "town_community_paired", "town_community_pairing_ended")] == [
        "town_community_paired", "town_community_pairing_ended", "town_community_paired"]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(town_community_pairings).values(
            id="00000000-0000-4000-8000-000000000003", town_id=world["town"]["id"], community_name="直接写入",
            paired_on=date(2026, 1, 1), active_for_town_id=world["town"]["id"], recorded_at=NOW))
