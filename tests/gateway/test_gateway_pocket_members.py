"""口袋党员 at the gateway, against a fake roster: what is sent over RPC, who may
call which operation, and bad input refused (naming the field) before anything is sent."""
import uuid
from datetime import date, datetime, timezone

import pytest

from contracts import roster
from contracts.errors import ErrorCode, ServiceError
from tests.support import id_number

NOW = datetime(2026, 4, 10, 8, 0, tzinfo=timezone.utc)
NUMBER = id_number("1990-05-06", 357)


def candidate_reply(**fields):
    values = {
        "id": uuid.uuid4(), "source": "check_in", "source_label": "报到", "state": "open",
        "organisation_id": uuid.uuid4(), "name": "李四", "member_id": None, "transfer_id": None,
        "id_number": "**************" + NUMBER[-4:], "place": "酒泉市瓜州县", "note": None, "sightings": 1,
        "found_on": date(2026, 4, 1), "last_seen_on": date(2026, 4, 1), "found_at": NOW, "closed_on": None,
        "placed_branch_id": None, "placed_member_id": None,
    }
    return {**roster.PocketMemberSchema().dump(values), **fields}


def placement_reply(pocket_member_id, branch_id):
    return roster.PlacementSchema().dump({
        "id": uuid.uuid4(), "pocket_member_id": pocket_member_id, "member_id": uuid.uuid4(), "from_organisation_id": None,
        "branch_id": branch_id, "placed_on": date(2026, 4, 10), "registered": True, "note": None, "recorded_at": NOW,
        "recorded_by": "key:x"})


SIGHTING = {"id_number": NUMBER, "name": "李四", "source": "check_in", "organisation_id": str(uuid.uuid4())}


def test_a_sighting_is_sent_in_the_body_and_answered(client, fake_rpc, scope):
    reply = {"outcome": "candidate", "member_id": None, "new": True, "pocket_member": candidate_reply()}
    fake_rpc.will_answer("report_sighting", reply)

    response = client.post("/api/v1/pocket-members/sightings", json=SIGHTING)

    assert response.status_code == 200 and response.get_json() == reply
    assert fake_rpc.calls == [("roster", "report_sighting", (
        {**SIGHTING, "place": None, "note": None, "seen_on": None}, scope))]


def test_a_matched_sighting_is_answered_in_the_same_shape(client, fake_rpc):
    fake_rpc.will_answer("report_sighting", {"outcome": "matched", "member_id": None, "new": False, "pocket_member": None})
    body = client.post("/api/v1/pocket-members/sightings", json=SIGHTING).get_json()
    assert body == {"outcome": "matched", "member_id": None, "new": False, "pocket_member": None}


@pytest.mark.parametrize("change, field", [
    ({"id_number": NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1")}, "id_number"),  # wrong check character
    ({"id_number": "12345"}, "id_number"),
    ({"source": "rumour"}, "source"),
    ({"organisation_id": "nope"}, "organisation_id"),
    ({"name": ""}, "name"),
    ({"extra": 1}, "extra"),
])
def test_a_bad_sighting_is_422_naming_the_field_and_nothing_is_sent(client, fake_rpc, change, field):
    response = client.post("/api/v1/pocket-members/sightings", json={**SIGHTING, **change})

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["details"]["json"], error
    assert NUMBER not in response.get_data(as_text=True)
    assert fake_rpc.calls == []


def test_the_list_passes_filters_and_paging(client, fake_rpc, scope):
    organisation_id = str(uuid.uuid4())
    fake_rpc.will_answer("list_pocket_members", {"items": [candidate_reply()], "page": 2, "per_page": 5, "total": 6})

    response = client.get(f"/api/v1/pocket-members?organisation_id={organisation_id}&source=check_in&state=open"
                          "&page=2&per_page=5")

    assert response.status_code == 200 and response.get_json()["total"] == 6
    assert fake_rpc.calls == [("roster", "list_pocket_members", ({
        "organisation_id": organisation_id, "source": "check_in", "state": "open", "page": 2, "per_page": 5}, scope))]


@pytest.mark.parametrize("query", ["state=lost", "source=rumour", "per_page=0", "organisation_id=x"])
def test_bad_list_filters_are_422(client, fake_rpc, query):
    assert client.get(f"/api/v1/pocket-members?{query}").status_code == 422
    assert fake_rpc.calls == []


def test_get_one_and_unknown_is_404(client, fake_rpc, scope):
    pocket_member_id = str(uuid.uuid4())
    fake_rpc.will_answer("get_pocket_member", {**candidate_reply(id=pocket_member_id), "placement": None})
    assert client.get(f"/api/v1/pocket-members/{pocket_member_id}").get_json()["id"] == pocket_member_id
    assert fake_rpc.calls == [("roster", "get_pocket_member", (pocket_member_id, scope))]

    fake_rpc.will_answer("get_pocket_member", ServiceError(ErrorCode.POCKET_MEMBER_NOT_FOUND, "not found"))
    response = client.get(f"/api/v1/pocket-members/{uuid.uuid4()}")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "pocket_member_not_found"


def test_place_a_candidate(client, fake_rpc, scope):
    pocket_member_id, branch_id = str(uuid.uuid4()), str(uuid.uuid4())
    reply = {"pocket_member": candidate_reply(id=pocket_member_id, state="placed"),
             "placement": placement_reply(pocket_member_id, branch_id)}
    fake_rpc.will_answer("place_pocket_member", reply)
    body = {"branch_id": branch_id, "phone": "13900000009", "joined_on": "2015-07-01"}

    response = client.post(f"/api/v1/pocket-members/{pocket_member_id}/placement", json=body)

    assert response.status_code == 201 and response.get_json() == reply
    assert fake_rpc.calls == [("roster", "place_pocket_member", (pocket_member_id, {
        **body, "placed_on": None, "note": None, "membership": None, "gender": None}, scope))]


@pytest.mark.parametrize("body, field", [
    ({}, "branch_id"),
    ({"branch_id": "x"}, "branch_id"),
    ({"branch_id": str(uuid.uuid4()), "phone": "12345"}, "phone"),
    ({"branch_id": str(uuid.uuid4()), "membership": "honorary"}, "membership"),
    ({"branch_id": str(uuid.uuid4()), "placed_on": "yesterday"}, "placed_on"),
])
def test_a_bad_placement_is_422_naming_the_field(client, fake_rpc, body, field):
    response = client.post(f"/api/v1/pocket-members/{uuid.uuid4()}/placement", json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["details"]["json"]
    assert fake_rpc.calls == []


@pytest.mark.parametrize("error, status", [
    (ServiceError(ErrorCode.POCKET_MEMBER_NOT_OPEN, "placed already", {"state": "placed"}), 409),
    (ServiceError(ErrorCode.UNKNOWN_REFERENCE, "branch_id names no organisation", {"branch_id": ["no such organisation"]}),
     422),
])
def test_refused_placements(client, fake_rpc, error, status):
    fake_rpc.will_answer("place_pocket_member", error)
    response = client.post(f"/api/v1/pocket-members/{uuid.uuid4()}/placement", json={"branch_id": str(uuid.uuid4())})
    assert response.status_code == status and response.get_json()["error"]["code"] == error.code


@pytest.mark.parametrize("role, may_read, may_write", [
    ("county_admin", True, True), ("branch_secretary", True, True), ("town_admin", True, False),
    ("liaison", False, False),
])
def test_who_may_read_report_and_place(access, fake_rpc, role, may_read, may_write):
    client, _ = access.user_client((role, uuid.uuid4()))
    fake_rpc.will_answer("report_sighting", {"outcome": "matched", "member_id": None, "new": False, "pocket_member": None})
    fake_rpc.will_answer("list_pocket_members", {"items": [], "page": 1, "per_page": 20, "total": 0})

    assert client.post("/api/v1/pocket-members/sightings", json=SIGHTING).status_code == (200 if may_write else 403)
    assert client.get("/api/v1/pocket-members").status_code == (200 if may_read else 403)


def test_a_member_reads_no_pocket_members(access, fake_rpc):
    client, _ = access.user_client("member", member_id=str(uuid.uuid4()))
    assert client.get("/api/v1/pocket-members").status_code == 403
    assert client.get(f"/api/v1/pocket-members/{uuid.uuid4()}").status_code == 403
    assert fake_rpc.calls == []
