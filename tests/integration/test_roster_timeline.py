"""Member field changes and the member timeline on the real roster service
(nameko container, PostgreSQL, the test vhost): a member registered, away,
checked in, back home and given a new phone, whose timeline lists it all with
who and when; the phone kept only as ciphertext; refusals that write nothing;
both sides of a transfer keeping the history."""
import pytest
from sqlalchemy import create_engine, select

from contracts.access import unrestricted
from contracts.errors import ServiceError
from services.roster.models import member_field_changes, outbox
from services.roster.service import RosterService
from tests.integration.rpc import call
from tests.support import id_number

_serial = iter(range(300, 999))


def scope(*organisation_ids, reveal=(), principal="user:someone"):
    return {"organisation_ids": [str(i) for i in organisation_ids], "member_id": None, "reveal": list(reveal),
            "principal": principal}


@pytest.fixture
def roster(container_factory, service_config):
    container = container_factory(RosterService, service_config)
    container.start()
    return container


@pytest.fixture
def world(roster):
    def org(name, kind, parent=None):
        return call(roster, "create_organisation", {"name": name, "kind": kind, "location": None,
                                                    "parent_id": parent["id"] if parent else None})

    county = org("高台县委", "party_committee")
    town = org("巷道镇党委", "party_committee", county)
    return {"county": county, "town": town, "village": org("东联村党支部", "branch", town),
            "other_village": org("西联村党支部", "branch", town),
            "guazhou": org("瓜州县流动党员党支部", "destination_mobile_branch", county)}


def register(roster, branch, phone="13900000001", principal="user:registrar"):
    n = next(_serial)
    return call(roster, "register_member", {
        "name": f"成员{n}", "gender": "male", "birth_date": "1980-01-01", "id_number": id_number("1980-01-01", n),
        "phone": phone, "joined_on": "2005-07-01", "organisation_id": branch["id"]},
        scope=unrestricted(principal))


def rows(database_url, query):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).all()
    finally:
        engine.dispose()


def test_the_timeline_lists_registration_movements_and_a_phone_change_with_who_and_when(roster, world, database_url):
    member = register(roster, world["village"])
    secretary = scope(world["village"]["id"], reveal=["phone", "contact", "destination_address"],
                      principal="user:secretary")
    call(roster, "report_departure", member["id"], {
        "departed_on": "2026-01-05", "destination_province": "甘肃省", "destination_city": "酒泉市瓜州县",
        "work": "枸杞采摘", "contact": "13900001234"}, scope=secretary)
    check_in = call(roster, "report_check_in", member["id"], {"host_organisation_id": world["guazhou"]["id"],
                                                              "checked_in_on": "2026-01-08"}, scope=secretary)
    call(roster, "confirm_check_in", member["id"], check_in["id"], {"side": "host"},
         scope=scope(world["guazhou"]["id"], principal="user:guazhou"))
    call(roster, "report_return", member["id"], {"returned_on": "2026-02-01"}, scope=secretary)
    updated = call(roster, "update_member", member["id"], {"phone": "13900000002", "reason": "换号"}, scope=secretary)
    assert updated["phone"] == "13900000002"
    # Stored, not only answered: a change to an encrypted field alone leaves the row clean until it is
    # sealed at the commit (services.common.tables keeps the loaded member alive until then).
    assert call(roster, "get_member", member["id"], scope=secretary)["phone"] == "13900000002"
    assert call(roster, "find_member_by_id_number", member["id_number"], scope=secretary)["phone"] == "13900000002"

    timeline = call(roster, "member_timeline", member["id"], {}, scope=secretary)
    # The computed status moved too (left in January: at once six months away; home again: normal).
    assert [(item["details"]["previous_status"], item["details"]["status"], item["details"]["cause"])
            for item in timeline["items"] if item["kind"] == "status_changed"] == [
        ("normal", "should_transfer", "member_departed"), ("should_transfer", "normal", "member_returned")]
    items = [item for item in timeline["items"] if item["kind"] != "status_changed"]
    assert [(item["kind"], item["by"]) for item in items] == [
        ("registered", "user:registrar"), ("departure_reported", "user:secretary"), ("checked_in", "user:secretary"),
        ("check_in_confirmed", "user:guazhou"), ("returned", "user:secretary"), ("field_changed", "user:secretary"),
    ]
    assert [item["at"] for item in items] == sorted(item["at"] for item in items)
    assert [item["on"] for item in items[1:3]] == ["2026-01-05", "2026-01-08"] and items[4]["on"] == "2026-02-01"
    assert timeline["total"] == 8 and {item["organisation_id"] for item in items} == {world["village"]["id"]}
    assert items[-1]["details"] == {"field": "phone", "old_value": "13900000001", "new_value": "13900000002",
                                    "reason": "换号"}
    assert items[1]["details"]["contact"] == "13900001234"

    # Masked for a reader who may not see phones in full, the contact of the departure too.
    masked = call(roster, "member_timeline", member["id"], {"per_page": 2, "page": 4},
                  scope=scope(world["town"]["id"], principal="user:town"))
    assert masked["total"] == 8 and [item["kind"] for item in masked["items"]] == ["status_changed", "field_changed"]
    assert (masked["items"][1]["details"]["old_value"], masked["items"][1]["details"]["new_value"]) == (
        "139****0001", "139****0002")

    # Stored as ciphertext only: neither number appears in the row.
    [row] = rows(database_url, select(member_field_changes))
    assert row.field == "phone" and row.changed_by == "user:secretary" and row.member_id == member["id"]
    assert "13900000001" not in (row.old_value or "") and "13900000002" not in (row.new_value or "")
    # The event names the field, never a value.
    [event] = [r for r in rows(database_url, select(outbox)) if r.event_type == "member_updated"]
    assert event.envelope["data"]["changed_fields"] == ["phone"] and "1390000000" not in str(event.envelope)


def test_refused_changes_write_nothing(roster, world, database_url):
    member = register(roster, world["village"])
    secretary = scope(world["village"]["id"], principal="user:secretary")

    def refused(member_id, payload, scope_=secretary):
        with pytest.raises(ServiceError) as error:
            call(roster, "update_member", member_id, payload, scope=scope_)
        return error.value

    assert "id_number" in refused(member["id"], {"id_number": id_number("1980-01-01", 1)}).details
    assert "full_member_on" in refused(member["id"], {"membership": "full", "full_member_on": "2025-01-01"}).details
    assert "membership" in refused(member["id"], {"membership": "probationary"}).details
    assert "joined_on" in refused(member["id"], {"joined_on": "1979-01-01", "name": "李四"}).details
    assert refused("00000000-0000-4000-8000-000000000000", {"name": "李四"}).code == "member_not_found"
    assert refused(member["id"], {"name": "李四"}, scope(world["other_village"]["id"])).code == "member_not_found"
    assert rows(database_url, select(member_field_changes)) == []
    assert not [r for r in rows(database_url, select(outbox)) if r.event_type == "member_updated"]
    assert call(roster, "get_member", member["id"])["name"] == member["name"]
    # Nothing changed: nothing recorded, nothing published.
    assert call(roster, "update_member", member["id"], {"name": member["name"]}, scope=secretary)["name"] == member["name"]
    assert rows(database_url, select(member_field_changes)) == []


def test_a_probationary_member_becomes_full(roster, world):
    n = next(_serial)
    member = call(roster, "register_member", {
        "name": f"成员{n}", "gender": "female", "birth_date": "1990-01-01", "id_number": id_number("1990-01-01", n),
        "phone": "13900000003", "joined_on": "2024-07-01", "membership": "probationary",
        "organisation_id": world["village"]["id"]})
    updated = call(roster, "update_member", member["id"], {"membership": "full", "full_member_on": "2025-07-01"})
    assert updated["membership"] == "full"
    [entry] = [item for item in call(roster, "member_timeline", member["id"], {})["items"]
               if item["kind"] == "field_changed"]
    assert entry["on"] == "2025-07-01" and entry["details"]["new_value"] == "full"


def test_both_sides_of_a_transfer_keep_the_history(roster, world):
    member = register(roster, world["village"])
    village, other = scope(world["village"]["id"]), scope(world["other_village"]["id"])
    letter = call(roster, "issue_transfer", member["id"], {"to_organisation_id": world["other_village"]["id"],
                                                           "dues_paid_until": "2026-01"}, scope=village)
    pending = call(roster, "member_timeline", member["id"], {}, scope=other)
    assert [item["kind"] for item in pending["items"]] == ["transfer_issued"]
    call(roster, "receive_transfer", letter["id"], {}, scope=other)
    call(roster, "update_member", member["id"], {"name": "新名字"}, scope=other)

    assert [item["kind"] for item in call(roster, "member_timeline", member["id"], {}, scope=other)["items"]] == [
        "registered", "transfer_issued", "status_changed", "transfer_received", "status_changed", "field_changed"]
    # The sending branch keeps its part of the history, and no longer sees what came after.
    assert [item["kind"] for item in call(roster, "member_timeline", member["id"], {}, scope=village)["items"]] == [
        "registered", "transfer_issued", "status_changed", "transfer_received"]
