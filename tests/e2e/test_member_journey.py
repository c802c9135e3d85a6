"""A member's departure and return through the real gateway and roster
processes, with the events a subscriber sees."""
import json
import signal
import uuid

from datetime import date

import pytest

from contracts.events import EnvelopeSchema
from services.common.clock import Clock
from services.roster.domain.status import StatusFacts, derive_status
from tests.support import created, id_number, scalar, wait_for

_serial = iter(range(1, 10_000))


@pytest.fixture(scope="module")
def branch(platform):
    county = created(platform.post("/api/v1/organisations", {"name": "中共高台县委员会", "kind": "party_committee"}))
    town = created(platform.post("/api/v1/organisations",
                                 {"name": "中共高台县南华镇委员会", "kind": "party_committee", "parent_id": county["id"]}))
    return created(platform.post("/api/v1/organisations",
                                 {"name": "南华镇第1村党支部", "kind": "branch", "parent_id": town["id"]}))


def register(platform, branch):
    n = next(_serial)
    return created(platform.post("/api/v1/members", {
        "name": "马永福", "gender": "male", "birth_date": "1978-04-09", "id_number": id_number("1978-04-09", n % 1000),
        "phone": f"1390000{n:04d}", "joined_on": "2004-07-01", "organisation_id": branch["id"],
    }))


DEPARTURE = {"departed_on": "2026-03-01", "destination_province": "甘肃省", "destination_city": "酒泉市瓜州县",
             "work": "枸杞采摘", "contact": "13900001111", "expected_return_on": "2026-11-30"}


def marker(platform, branch, tap):
    """Register a member and wait for their event: everything committed before
    it has been relayed (the outbox is published in order), so what the tap
    holds now is all there will be."""
    member = register(platform, branch)
    wait_for(lambda: any(e["data"]["member_id"] == member["id"] for e in tap.envelopes("member_registered")),
             message="the marker event")


def test_departure_and_return_end_to_end(platform, branch, tap):
    member = register(platform, branch)
    departure = created(platform.post(f"/api/v1/members/{member['id']}/departures", DEPARTURE))
    # away since 1 March 2026: what the clock makes of it today (should transfer, from 1 September on)
    expected = derive_status(StatusFacts(departed_on=date(2026, 3, 1)), Clock.from_config({}).today())
    assert platform.get(f"/api/v1/members/{member['id']}").json()["status"] == expected
    returned = created(platform.post(f"/api/v1/members/{member['id']}/returns", {"returned_on": "2026-11-28"}))
    assert returned["id"] == departure["id"] and returned["reported"] is True
    assert platform.get(f"/api/v1/members/{member['id']}").json()["status"] == "normal"

    marker(platform, branch, tap)
    mine = [e for e in tap.envelopes() if e["data"]["member_id"] == member["id"]]
    assert [e["event_type"] for e in mine] == ["member_registered", "member_departed", "member_status_changed",
                                               "member_returned", "member_status_changed"]
    assert [(e["data"]["previous_status"], e["data"]["status"], e["data"]["cause"]) for e in mine[2::2]] == [
        ("normal", expected, "member_departed"), (expected, "normal", "member_returned")]
    assert mine[-1]["data"]["effective_on"] == "2026-11-28"
    [envelope] = [e for e in mine if e["event_type"] == "member_returned"]  # exactly once
    assert set(envelope) == {"event_id", "event_type", "version", "occurred_at", "source", "data"}
    assert EnvelopeSchema().validate(envelope) == {}
    assert envelope["source"] == "roster" and envelope["version"] == 1
    assert envelope["data"] == {
        "member_id": member["id"], "departure_id": departure["id"], "organisation_id": branch["id"],
        "returned_on": "2026-11-28", "departed_on": "2026-03-01", "departure_reported": True,
    }
    # Events carry ids, never personal data.
    assert member["phone"] not in json.dumps(mine, ensure_ascii=False)
    assert member["id_number"] not in json.dumps(mine, ensure_ascii=False)


def test_lists_and_subtree_over_http(platform, branch):
    register(platform, branch)
    page = platform.get("/api/v1/members", params={"organisation_id": branch["id"], "per_page": 1}).json()
    assert page["per_page"] == 1 and len(page["items"]) == 1 and page["total"] >= 1
    county_id = platform.get("/api/v1/organisations", params={"kind": "party_committee"}).json()["items"][0]["id"]
    tree = platform.get(f"/api/v1/organisations/{county_id}/subtree").json()
    assert tree["children"][0]["children"][0]["id"] == branch["id"]


def counts(platform):
    return tuple(scalar(platform.database_url, f"SELECT count(*) FROM {table}")
                 for table in ("organisations", "members", "departures", "outbox"))


def error_of(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()["error"]


def test_bad_input_is_refused_and_writes_nothing(platform, branch):
    away = register(platform, branch)
    created(platform.post(f"/api/v1/members/{away['id']}/departures", DEPARTURE))
    before = counts(platform)

    error = error_of(platform.post("/api/v1/members", data="{not json", headers={"Content-Type": "application/json"}), 400)
    assert error["code"] == "malformed_json"

    good = {"name": "王红梅", "gender": "female", "birth_date": "1988-01-01", "id_number": id_number("1988-01-01", 2),
            "phone": "13912345678", "joined_on": "2012-07-01", "organisation_id": branch["id"]}
    missing = {k: v for k, v in good.items() if k != "phone"}
    error = error_of(platform.post("/api/v1/members", missing), 422)
    assert error["code"] == "validation_failed" and "phone" in json.dumps(error["details"])

    error = error_of(platform.post("/api/v1/members", {**good, "birth_date": 19880101}), 422)
    assert "birth_date" in json.dumps(error["details"])

    error = error_of(platform.post(f"/api/v1/members/{uuid.uuid4()}/departures", DEPARTURE), 404)
    assert error["code"] == "member_not_found"

    error = error_of(platform.post(f"/api/v1/members/{away['id']}/departures", DEPARTURE), 409)
    assert error["code"] == "member_already_away"

    error = error_of(platform.post("/api/v1/members", {**good, "organisation_id": str(uuid.uuid4())}), 422)
    assert error["code"] == "unknown_reference" and "organisation_id" in json.dumps(error["details"])

    assert counts(platform) == before


def test_a_return_never_reported_as_departure_is_recorded(platform, branch):
    member = register(platform, branch)
    departure = created(platform.post(f"/api/v1/members/{member['id']}/returns", {}))
    assert departure["reported"] is False and departure["departed_on"] is None


def test_an_event_committed_before_a_sigkill_is_delivered_after_restart(platform, branch, tap):
    member = register(platform, branch)
    platform.roster.stop()
    # The relay is held back so the kill lands after the commit and before the publish.
    platform.start_roster(LIUDONG_ROSTER_OUTBOX_RELAY="false")
    departure = created(platform.post(f"/api/v1/members/{member['id']}/departures", DEPARTURE))
    platform.roster.stop(signal.SIGKILL)

    db = platform.database_url
    # Committed together: the state change and its event, nothing published yet.
    expected = derive_status(StatusFacts(departed_on=date(2026, 3, 1)), Clock.from_config({}).today())
    assert scalar(db, "SELECT status FROM members WHERE id = %s", member["id"]) == expected
    assert scalar(db, "SELECT count(*) FROM departures WHERE id = %s", departure["id"]) == 1
    assert scalar(db, "SELECT count(*) FROM outbox WHERE event_type = 'member_departed' AND published_at IS NULL "
                      "AND envelope->'data'->>'departure_id' = %s", departure["id"]) == 1
    assert [e for e in tap.envelopes("member_departed") if e["data"]["member_id"] == member["id"]] == []

    platform.start_roster()
    wait_for(lambda: [e for e in tap.envelopes("member_departed") if e["data"]["member_id"] == member["id"]],
             message="member_departed after the restart")
    marker(platform, branch, tap)
    delivered = [e for e in tap.envelopes("member_departed") if e["data"]["member_id"] == member["id"]]
    assert len(delivered) == 1 and delivered[0]["data"]["departure_id"] == departure["id"]
    assert scalar(db, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
