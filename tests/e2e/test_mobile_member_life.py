"""One member's whole life away, through the real gateway and roster processes: departure, check-in,
six months away, a transfer letter with its receipt, and the return. At each step the computed status
is asserted over HTTP, and at the end the events on ``roster.events``, in order, as a subscriber sees
them (the status changes among them, the one the clock made included)."""
import pytest

from tests.support import created, execute, id_number, wait_for

_serial = iter(range(700, 10_000))


@pytest.fixture(scope="module")
def world(platform):
    def org(name, kind, parent=None, location=None):
        return created(platform.post("/api/v1/organisations", {
            "name": name, "kind": kind, "location": location, "parent_id": parent["id"] if parent else None}))

    county = org("中共高台县委员会", "party_committee")
    town = org("中共高台县南华镇委员会", "party_committee", county)
    return {"branch": org("南华镇明永村党支部", "branch", town),
            "host": org("嘉峪关市流动党员党支部", "destination_mobile_branch", county, "甘肃省嘉峪关市")}


def status_of(platform, member):
    return platform.get(f"/api/v1/members/{member['id']}").json()["status"]


def ok(response, status=201):
    assert response.status_code == status, response.text
    return response.json()


def test_departure_check_in_six_months_transfer_and_return(platform, world, tap):
    n = next(_serial)
    member = created(platform.post("/api/v1/members", {
        "name": "马永福", "gender": "male", "birth_date": "1978-04-09", "id_number": id_number("1978-04-09", n),
        "phone": f"1390002{n:04d}", "joined_on": "2004-07-01", "organisation_id": world["branch"]["id"]}))
    base = f"/api/v1/members/{member['id']}"
    assert status_of(platform, member) == "normal"

    departure = ok(platform.post(f"{base}/departures", {
        "destination_province": "甘肃省", "destination_city": "嘉峪关市", "work": "钢铁厂", "contact": "13900003333"}))
    assert departure["destination_reach"] == "in_province" and status_of(platform, member) == "away"

    check_in = ok(platform.post(f"{base}/check-ins", {"host_organisation_id": world["host"]["id"]}))
    assert status_of(platform, member) == "away"  # checked in in time: nothing awaited

    # Six months and more at one place: the services run on the real clock, so the departure and the
    # check-in move back in time, and the clock's sweep (every second here) finds the member.
    assert execute(platform.database_url, "UPDATE departures SET departed_on = departed_on - 200 WHERE id = %s",
                   departure["id"]) == 1
    assert execute(platform.database_url, "UPDATE check_ins SET checked_in_on = checked_in_on - 199 WHERE id = %s",
                   check_in["id"]) == 1
    wait_for(lambda: status_of(platform, member) == "should_transfer", message="the sweep to flag should_transfer")
    listed = platform.get("/api/v1/members/should-transfer", params={"organisation_id": world["branch"]["id"]}).json()
    assert [item["member_id"] for item in listed["items"]] == [member["id"]]

    letter = ok(platform.post(f"{base}/transfers", {"to_organisation_id": world["host"]["id"],
                                                    "dues_paid_until": "2026-11"}))
    assert status_of(platform, member) == "transfer_pending"
    received = ok(platform.post(f"/api/v1/transfers/{letter['id']}/receipt", {}), 200)
    assert received["state"] == "received"
    moved = platform.get(base).json()
    # Managed where they are now: away from home, no longer to transfer (nor on that list).
    assert moved["organisation_id"] == world["host"]["id"] and moved["status"] == "away"
    assert platform.get("/api/v1/members/should-transfer",
                        params={"organisation_id": world["host"]["id"]}).json()["total"] == 0

    returned = ok(platform.post(f"{base}/returns", {}))
    assert returned["id"] == departure["id"] and status_of(platform, member) == "normal"

    history = platform.get(f"{base}/status-history").json()["items"]
    assert [(c["previous_status"], c["status"], c["cause"]) for c in history] == [
        (None, "normal", "member_registered"),
        ("normal", "away", "member_departed"),
        ("away", "should_transfer", "clock"),
        ("should_transfer", "transfer_pending", "member_transfer_started"),
        ("transfer_pending", "away", "member_transferred"),
        ("away", "normal", "member_returned"),
    ]
    kinds = [item["kind"] for item in platform.get(f"{base}/timeline").json()["items"]]
    for kind in ("departure_reported", "checked_in", "transfer_issued", "transfer_received", "returned"):
        assert kind in kinds, kinds

    expected = ["member_registered", "member_departed", "member_status_changed", "member_checked_in",
                "member_status_changed", "member_transfer_started", "member_status_changed", "member_transferred",
                "member_status_changed", "member_returned", "member_status_changed"]

    def mine():
        return [e for e in tap.envelopes() if e["data"].get("member_id") == member["id"]]

    wait_for(lambda: len(mine()) >= len(expected), message="the member's events on the broker")
    events = mine()
    assert [e["event_type"] for e in events] == expected
    changes = [(e["data"]["previous_status"], e["data"]["status"], e["data"]["cause"]) for e in events
               if e["event_type"] == "member_status_changed"]
    assert changes == [(c["previous_status"], c["status"], c["cause"]) for c in history[1:]]
    assert events[3]["data"]["host_organisation_id"] == world["host"]["id"]
    assert events[7]["data"]["to_organisation_id"] == world["host"]["id"]
