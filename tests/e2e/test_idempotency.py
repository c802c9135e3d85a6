"""Idempotency-Key on writes a client may retry: one effect, the same answer;
the same key with another body is refused and changes nothing."""
import uuid

from tests.support import created, id_number, scalar


def member_body(branch_id, serial):
    return {"name": "幂等测试", "gender": "male", "birth_date": "1980-01-01", "id_number": id_number("1980-01-01", serial),
            "phone": f"1360000{serial:04d}", "joined_on": "2005-07-01", "organisation_id": branch_id}


def post(platform, path, body, key):
    return platform.post(path, body, headers={"Idempotency-Key": key})


def test_a_retried_registration_and_departure_take_effect_once(platform):
    county = created(platform.post("/api/v1/organisations", {"name": "幂等县委", "kind": "party_committee"}))
    branch = created(platform.post("/api/v1/organisations", {"name": "幂等村党支部", "kind": "branch",
                                                             "parent_id": county["id"]}))
    body = member_body(branch["id"], 1)
    key = str(uuid.uuid4())
    first = created(post(platform, "/api/v1/members", body, key))
    again = post(platform, "/api/v1/members", body, key)
    assert again.status_code == 201 and again.json() == first
    listed = platform.get("/api/v1/members", params={"organisation_id": branch["id"]}).json()
    assert [member["id"] for member in listed["items"]] == [first["id"]]

    departure = {"destination_province": "甘肃省", "destination_city": "酒泉市瓜州县", "work": "枸杞采摘",
                 "contact": "13900001234"}
    key = str(uuid.uuid4())
    path = f"/api/v1/members/{first['id']}/departures"
    reported = created(post(platform, path, departure, key))
    retried = post(platform, path, departure, key)
    # Without the key the second report would be 409 member_already_away.
    assert retried.status_code == 201 and retried.json() == reported
    assert scalar(platform.database_url, "SELECT count(*) FROM departures WHERE member_id = %s", first["id"]) == 1
    assert scalar(platform.database_url, "SELECT count(*) FROM outbox WHERE event_type = 'member_departed' "
                  "AND envelope::jsonb -> 'data' ->> 'member_id' = %s", first["id"]) == 1

    # The same key with another body: a client bug, refused, nothing changes.
    reused = post(platform, path, {**departure, "work": "建筑工地"}, key)
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert scalar(platform.database_url, "SELECT count(*) FROM departures WHERE member_id = %s", first["id"]) == 1

    # Keys belong to their caller: another county system's same key is another request.
    other = {"X-API-Key": platform.create_key()}
    assert platform.post("/api/v1/members", member_body(branch["id"], 2), headers={**other, "Idempotency-Key": key}).status_code == 201


def test_a_malformed_key_is_refused_naming_the_header(platform):
    response = post(platform, "/api/v1/organisations", {"name": "x县委", "kind": "party_committee"}, "bad key with spaces")
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"headers": {"Idempotency-Key": [
        "1 to 200 visible ASCII characters, e.g. a UUID"]}}
