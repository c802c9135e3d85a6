"""双报到 through the real gateway and roster processes: the member reports
their own departure and check-in at a destination branch of another subtree,
the host's secretary and the home town confirm, each only their own side, and
a subscriber on ``roster.events`` hears ``member_checked_in`` naming the host."""
import pytest

from tests.support import created, id_number, scalar, wait_for

_serial = iter(range(500, 10_000))


@pytest.fixture(scope="module")
def world(platform):
    def org(name, kind, parent=None, location=None):
        return created(platform.post("/api/v1/organisations", {
            "name": name, "kind": kind, "location": location, "parent_id": parent["id"] if parent else None}))

    county = org("中共高台县委员会", "party_committee")
    town = org("中共高台县巷道镇委员会", "party_committee", county)
    return {"county": county, "town": town, "branch": org("巷道镇东联村党支部", "branch", town),
            "host": org("瓜州县流动党员党支部", "destination_mobile_branch", county, "酒泉市瓜州县")}


def register(platform, branch):
    n = next(_serial)
    return created(platform.post("/api/v1/members", {
        "name": "马永福", "gender": "male", "birth_date": "1978-04-09", "id_number": id_number("1978-04-09", n),
        "phone": f"1390001{n:04d}", "joined_on": "2004-07-01", "organisation_id": branch["id"]}))


def as_person(platform, role, organisation=None, member=None):
    headers = platform.token_headers(*platform.create_user(
        role, organisation_id=organisation["id"] if organisation else None, member_id=member["id"] if member else None))

    def post(path, body):
        return platform.http.post(platform.base_url + path, json=body, headers=headers, timeout=10)
    return post


def error_code(response, status):
    assert response.status_code == status, response.text
    return response.json()["error"]["code"]


def test_depart_check_in_and_both_confirmations_end_to_end(platform, world, tap):
    member = register(platform, world["branch"])
    himself = as_person(platform, "member", world["branch"], member)
    host_secretary = as_person(platform, "branch_secretary", world["host"])
    home_town = as_person(platform, "town_admin", world["town"])
    base = f"/api/v1/members/{member['id']}"

    created(himself(f"{base}/departures", {"destination_province": "甘肃省", "destination_city": "酒泉市瓜州县",
                                           "work": "枸杞采摘", "contact": "13900001111"}))
    check_in = created(himself(f"{base}/check-ins", {"host_organisation_id": world["host"]["id"]}))
    assert check_in["host_name"] == "瓜州县流动党员党支部" and not check_in["confirmed"]
    confirmations = f"{base}/check-ins/{check_in['id']}/confirmations"

    # Nobody confirms their own check-in, nor the other side's.
    assert error_code(himself(confirmations, {"side": "home"}), 403) == "forbidden"
    assert error_code(home_town(confirmations, {"side": "host"}), 403) == "not_the_confirming_side"
    assert error_code(host_secretary(confirmations, {"side": "home"}), 403) == "not_the_confirming_side"
    # A second check-in while this one stands is refused, naming it.
    second = himself(f"{base}/check-ins", {"host_name": "某社区党委", "host_place": "酒泉市"})
    assert error_code(second, 409) == "already_checked_in"
    assert second.json()["error"]["details"]["check_in_id"] == check_in["id"]

    host_side = created(host_secretary(confirmations, {"side": "host"}))
    assert host_side["host_confirmed_at"] and not host_side["confirmed"]
    both = created(home_town(confirmations, {"side": "home"}))
    assert both["confirmed"] and both["host_confirmed_by"] == host_side["host_confirmed_by"]
    assert error_code(home_town(confirmations, {"side": "home"}), 409) == "already_confirmed"
    assert platform.get(f"{base}/check-ins").json()["items"] == [both]

    wait_for(lambda: len(tap.envelopes("member_check_in_confirmed")) >= 2, message="both confirmations on the broker")
    [checked_in] = [e for e in tap.envelopes("member_checked_in") if e["data"]["member_id"] == member["id"]]
    assert checked_in["data"]["host_organisation_id"] == world["host"]["id"]
    assert checked_in["data"]["organisation_id"] == world["branch"]["id"]
    assert checked_in["data"]["check_in_id"] == check_in["id"]
    sides = [e["data"]["side"] for e in tap.envelopes("member_check_in_confirmed") if e["data"]["member_id"] == member["id"]]
    assert sides == ["host", "home"]


def test_a_check_in_for_a_member_at_home_is_409_and_writes_nothing(platform, world):
    member = register(platform, world["branch"])
    before = [scalar(platform.database_url, f"SELECT count(*) FROM {table}") for table in ("check_ins", "outbox")]

    response = platform.post(f"/api/v1/members/{member['id']}/check-ins", {"host_organisation_id": world["host"]["id"]})
    assert error_code(response, 409) == "member_not_away"
    assert "member_id" in response.json()["error"]["details"]
    unknown = platform.post("/api/v1/members/00000000-0000-4000-8000-000000000000/check-ins",
                            {"host_organisation_id": world["host"]["id"]})
    assert error_code(unknown, 404) == "member_not_found"

    assert [scalar(platform.database_url, f"SELECT count(*) FROM {table}") for table in ("check_ins", "outbox")] == before
