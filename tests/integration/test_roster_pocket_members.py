"""口袋党员 on the real roster service (PostgreSQL, RabbitMQ): a letter that expires unreceived
makes a candidate, an ID number on the roll does not and one off it does (stored encrypted,
counted again when it comes back), placement moves or registers the member with its events
through the outbox, the county statistics count the open ones, and bad input writes nothing."""
from datetime import timedelta

import pytest
from nameko.testing.services import entrypoint_hook

from contracts.access import Scope  # noqa: F401 (documents the shape of the scopes below)
from contracts.errors import ServiceError
from services.common.clock import Clock
from tests.integration.rpc import call
from tests.integration.test_roster_transfers import backdate, execute, register, world  # noqa: F401 (fixture)
from tests.support import id_number

STRANGER = id_number("1990-05-06", 357)


def today():
    return Clock.from_config({}).today()


def scoped(*organisations):
    return {"organisation_ids": [o["id"] for o in organisations], "member_id": None, "reveal": [],
            "principal": "user:town"}


def sweep(roster):
    with entrypoint_hook(roster, "expire_overdue_transfers") as run:
        run()


def pocket_count(roster, organisation=None):
    query = {"organisation_id": organisation["id"]} if organisation else {}
    return call(roster, "county_statistics", query)["pocket_members"]


def written(database_url):
    return execute(database_url, "SELECT (SELECT count(*) FROM pocket_members), (SELECT count(*) FROM "
                                 "pocket_member_placements), (SELECT count(*) FROM members), (SELECT count(*) FROM outbox), "
                                 "(SELECT string_agg(organisation_id, ',' ORDER BY id) FROM members)")[0]


def refused(call_, code):
    with pytest.raises(ServiceError) as error:
        call_()
    assert error.value.code == code, error.value
    return error.value


def test_a_letter_that_expires_unreceived_makes_a_candidate_placed_once(roster, world, event_tap, database_url):  # noqa: F811
    member = register(roster, world["a1"])
    letter = call(roster, "issue_transfer", member["id"], {"to_name": "昌吉市某社区党支部", "to_place": "新疆昌吉市",
                                                           "dues_paid_until": "2026-11"})
    backdate(database_url, letter["id"], 30)  # valid until today: not yet a candidate
    sweep(roster)
    assert call(roster, "list_pocket_members", {})["total"] == 0
    backdate(database_url, letter["id"], 1)
    sweep(roster)
    call(roster, "get_transfer", letter["id"])  # read again: still one candidate
    sweep(roster)
    page = call(roster, "list_pocket_members", {"source": "transfer_letter", "state": "open"})
    [pocket] = page["items"]
    assert (pocket["member_id"], pocket["transfer_id"], pocket["organisation_id"], pocket["name"]) == (
        member["id"], letter["id"], world["a1"]["id"], "王五")
    assert pocket["found_on"] == today().isoformat() and pocket["id_number"] is None
    [found] = event_tap.wait_for("pocket_member_found")
    assert found["data"] == {"pocket_member_id": pocket["id"], "source": "transfer_letter",
                             "organisation_id": world["a1"]["id"], "member_id": member["id"],
                             "transfer_id": letter["id"], "found_on": today().isoformat()}
    assert (pocket_count(roster), pocket_count(roster, world["town_a"]), pocket_count(roster, world["town_b"])) == (1, 1, 0)
    # On the date: yesterday it was not yet a candidate.
    assert call(roster, "county_statistics", {"date": (today() - timedelta(days=1)).isoformat()})["pocket_members"] == 0

    # Town B cannot see it, nor place it.
    refused(lambda: call(roster, "get_pocket_member", pocket["id"], scope=scoped(world["town_b"])),
            "pocket_member_not_found")

    result = call(roster, "place_pocket_member", pocket["id"], {"branch_id": world["b1"]["id"], "note": "编入支部"})
    placement = result["placement"]
    assert result["pocket_member"]["state"] == "placed" and result["pocket_member"]["placed_member_id"] == member["id"]
    assert (placement["from_organisation_id"], placement["branch_id"], placement["registered"], placement["recorded_by"]) \
        == (world["a1"]["id"], world["b1"]["id"], False, "user:admin")
    assert call(roster, "get_member", member["id"])["organisation_id"] == world["b1"]["id"]
    assert call(roster, "get_pocket_member", pocket["id"])["placement"]["id"] == placement["id"]
    [placed] = event_tap.wait_for("pocket_member_placed")
    assert placed["data"]["from_organisation_id"] == world["a1"]["id"] and placed["data"]["branch_id"] == world["b1"]["id"]
    assert pocket_count(roster) == 0

    before = written(database_url)
    error = refused(lambda: call(roster, "place_pocket_member", pocket["id"], {"branch_id": world["a1"]["id"]}),
                    "pocket_member_not_open")
    assert error.details["state"] == "placed" and written(database_url) == before


def test_a_reissued_letter_withdraws_the_candidate(roster, world, database_url):  # noqa: F811
    member = register(roster, world["a1"])
    letter = call(roster, "issue_transfer", member["id"], {"to_organisation_id": world["b1"]["id"],
                                                           "dues_paid_until": "2026-11"})
    backdate(database_url, letter["id"], 31)
    sweep(roster)
    assert pocket_count(roster) == 1
    call(roster, "reissue_transfer", letter["id"], {})
    [pocket] = call(roster, "list_pocket_members", {})["items"]
    assert pocket["state"] == "withdrawn" and pocket_count(roster) == 0


def sighting(roster, w, number=STRANGER, scope=None, **fields):
    body = {"id_number": number, "name": "李四", "source": "check_in", "organisation_id": w["town_a"]["id"],
            "place": "酒泉市瓜州县", **fields}
    return call(roster, "report_sighting", body, **({"scope": scope} if scope else {}))


def test_id_numbers_off_the_roll_become_candidates_and_on_it_are_matched(roster, world, event_tap, database_url):  # noqa: F811
    member = register(roster, world["a1"])
    matched = sighting(roster, world, member["id_number"])
    assert matched == {"outcome": "matched", "member_id": member["id"], "new": False, "pocket_member": None}
    # Outside the caller's organisations: matched, without naming the member; nothing recorded either way.
    outside = sighting(roster, world, member["id_number"], scope=scoped(world["town_b"]),
                       organisation_id=world["b1"]["id"])
    assert outside == {"outcome": "matched", "member_id": None, "new": False, "pocket_member": None}
    assert call(roster, "list_pocket_members", {})["total"] == 0

    first = sighting(roster, world)
    assert first["outcome"] == "candidate" and first["new"] is True
    pocket = first["pocket_member"]
    assert pocket["id_number"] == STRANGER and pocket["sightings"] == 1 and pocket["organisation_id"] == world["town_a"]["id"]
    again = sighting(roster, world, STRANGER.lower(), source="registration_elsewhere")
    assert again["new"] is False and again["pocket_member"]["id"] == pocket["id"]
    assert again["pocket_member"]["sightings"] == 2 and again["pocket_member"]["source"] == "check_in"
    # Stored encrypted, found by its keyed hash; masked for a caller who may not see it.
    [(stored, index)] = execute(database_url, "SELECT id_number, id_number_index FROM pocket_members")
    assert STRANGER not in stored and index and STRANGER not in index
    masked = call(roster, "get_pocket_member", pocket["id"], scope=scoped(world["town_a"]))
    assert masked["id_number"] != STRANGER and masked["id_number"].endswith(STRANGER[-4:])
    [found] = event_tap.wait_for("pocket_member_found")
    assert found["data"]["source"] == "check_in" and STRANGER not in str(found)
    assert pocket_count(roster, world["town_a"]) == 1

    result = call(roster, "place_pocket_member", pocket["id"], {
        "branch_id": world["a1"]["id"], "phone": "13900000009", "joined_on": "2015-07-01"})
    registered = call(roster, "get_member", result["placement"]["member_id"])
    assert (registered["name"], registered["id_number"], registered["gender"], registered["birth_date"]) == (
        "李四", STRANGER, "male", "1990-05-06")
    assert registered["organisation_id"] == world["a1"]["id"] and result["placement"]["registered"] is True
    event_tap.wait_for("pocket_member_placed")
    assert sighting(roster, world)["outcome"] == "matched"  # on the roll now
    assert pocket_count(roster) == 0


@pytest.mark.parametrize("method, args, code, field", [
    ("report_sighting", lambda w: ({"id_number": STRANGER[:-1] + ("1" if STRANGER[-1] == "0" else "0"), "name": "x",
                                    "source": "check_in", "organisation_id": w["town_a"]["id"]},),
     "validation_failed", "id_number"),
    ("report_sighting", lambda w: ({"id_number": STRANGER, "name": "x", "source": "check_in",
                                    "organisation_id": "00000000-0000-4000-8000-000000000000"},),
     "unknown_reference", "organisation_id"),
    ("place_pocket_member", lambda w: (w["pocket"], {"branch_id": "00000000-0000-4000-8000-000000000000",
                                                     "phone": "13900000009", "joined_on": "2015-07-01"}),
     "unknown_reference", "branch_id"),
    ("place_pocket_member", lambda w: (w["pocket"], {"branch_id": w["a1"]["id"]}), "validation_failed", "phone"),
    ("place_pocket_member", lambda w: (w["pocket"], {"branch_id": w["town_a"]["id"], "phone": "13900000009",
                                                     "joined_on": "2015-07-01"}), "not_a_branch", "branch_id"),
])
def test_bad_input_names_the_field_and_writes_nothing(roster, world, database_url, method, args, code, field):  # noqa: F811
    world["pocket"] = sighting(roster, world, id_number("1991-01-01", 246))["pocket_member"]["id"]
    before = written(database_url)
    error = refused(lambda: call(roster, method, *args(world)), code)
    assert field in error.details, error.details
    assert written(database_url) == before


def test_two_first_sightings_at_once_record_one_candidate(roster, world, database_url, monkeypatch):  # noqa: F811
    from services.roster.repository import SqlPocketMembers

    number = id_number("1992-02-02", 468)
    sighting(roster, world, number)
    before = written(database_url)
    # The second looked before the first committed: it finds no candidate, and the unique index refuses it.
    monkeypatch.setattr(SqlPocketMembers, "find_by_id_number", lambda self, id_number: None)
    error = refused(lambda: sighting(roster, world, number), "sighting_conflict")
    assert list(error.details) == ["id_number"] and number not in str(error.details) + error.message
    assert written(database_url) == before
    monkeypatch.undo()
    again = sighting(roster, world, number)  # sent again: counted on the first one's candidate
    assert again["new"] is False and again["pocket_member"]["sightings"] == 2
