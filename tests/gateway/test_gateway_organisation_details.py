"""Issue 8's organisation resources at the gateway, against a fake roster: details at creation
and by PATCH, the history, stations serving branches and town–community pairings: what is sent
over RPC, who may call, and bad input refused (422 naming the field) before anything is sent."""
import uuid
from datetime import date, datetime, timezone

import pytest

from contracts import roster
from contracts.errors import ErrorCode, ServiceError

NOW = datetime(2026, 3, 20, 8, 0, tzinfo=timezone.utc)


def link_reply(**fields):
    return {**roster.StationLinkSchema().dump({
        "id": uuid.uuid4(), "station_id": uuid.uuid4(), "station_name": "巷道镇红色驿站", "station_kind": "red_station",
        "branch_id": uuid.uuid4(), "branch_name": "东联村党支部", "since": date(2026, 3, 1), "ended_on": None,
        "end_reason": None, "active": True, "linked_at": NOW, "linked_by": "user:x", "ended_at": None, "ended_by": None,
    }), **fields}


def pairing_reply(**fields):
    return {**roster.PairingSchema().dump({
        "id": uuid.uuid4(), "town_id": uuid.uuid4(), "town_name": "巷道镇党委", "community_organisation_id": None,
        "community_name": "甘州区某社区党委", "community_place": "张掖市甘州区", "paired_on": date(2026, 3, 1),
        "ended_on": None, "end_reason": None, "active": True, "recorded_at": NOW, "recorded_by": "user:x",
        "ended_at": None, "ended_by": None,
    }), **fields}


def test_details_are_sent_at_creation(client, fake_rpc, replies, scope):
    fake_rpc.will_answer("create_organisation", replies.organisation(kind="destination_mobile_branch"))
    body = {"name": "瓜州县流动党员党支部", "kind": "destination_mobile_branch", "parent_id": str(uuid.uuid4()),
            "host": {"name": "瓜州县渊泉镇社区", "kind": "community"}, "budget": {"yuan": 50000, "year": 2026}}

    assert client.post("/api/v1/organisations", json=body).status_code == 201
    assert fake_rpc.calls == [("roster", "create_organisation", ({**body, "location": None,
                                                                   "budget": {"yuan": 50000, "year": 2026}}, scope))]


def test_a_villages_second_online_branch_is_409(client, fake_rpc):
    fake_rpc.will_answer("create_organisation", ServiceError(
        ErrorCode.ONLINE_BRANCH_EXISTS, "this village has its online branch already", {"parent_id": ["already holds one"]}))

    response = client.post("/api/v1/organisations", json={"name": "网络党支部", "kind": "village_online_branch",
                                                          "parent_id": str(uuid.uuid4())})

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "online_branch_exists"
    assert "parent_id" in response.get_json()["error"]["details"]


def test_patch_sends_only_what_changes(client, fake_rpc, replies, scope):
    organisation_id = str(uuid.uuid4())
    fake_rpc.will_answer("update_organisation", replies.organisation(id=organisation_id, activity_day=6))
    body = {"secretary": {"name": "王书记"}, "liaison": None, "reason": "换届"}

    response = client.patch(f"/api/v1/organisations/{organisation_id}", json=body)

    assert response.status_code == 200
    assert fake_rpc.calls == [("roster", "update_organisation", (organisation_id, {
        "secretary": {"name": "王书记", "member_id": None}, "liaison": None, "reason": "换届"}, scope))]


@pytest.mark.parametrize("body, field", [
    ({}, "_schema"),
    ({"reason": "nothing else"}, "_schema"),
    ({"budget": {"yuan": -1}}, "budget"),
    ({"budget": {"yuan": "lots"}}, "budget"),
    ({"host": {"name": "某公司", "kind": "factory"}}, "host"),
    ({"host": {"name": "某公司"}}, "host"),
    ({"secretary": {"name": ""}}, "secretary"),
    ({"secretary": {"name": "王", "member_id": "not-a-uuid"}}, "secretary"),
    ({"activity_day": "sixth"}, "activity_day"),
    ({"name": "改名"}, "name"),
    ({"kind": "branch"}, "kind"),
])
def test_bad_patches_are_422_naming_the_field_and_nothing_is_sent(client, fake_rpc, body, field):
    response = client.patch(f"/api/v1/organisations/{uuid.uuid4()}", json=body)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["details"]["json"], error
    assert fake_rpc.calls == []


def test_a_detail_not_for_the_kind_is_422_naming_it(client, fake_rpc):
    fake_rpc.will_answer("update_organisation", ServiceError(
        ErrorCode.INVALID_ORGANISATION_DETAILS, "details not valid for this kind of organisation",
        {"activity_day": ["urban mobile branches meet on the 6th of the month"]}))

    response = client.patch(f"/api/v1/organisations/{uuid.uuid4()}", json={"activity_day": 7})

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_organisation_details"
    assert "activity_day" in response.get_json()["error"]["details"]


def test_the_history(client, fake_rpc, scope):
    organisation_id = str(uuid.uuid4())
    change = {"id": str(uuid.uuid4()), "organisation_id": organisation_id, "revision": 2,
              "changes": {"activity_day": {"from": None, "to": 12}}, "reason": None,
              "changed_at": NOW.isoformat(), "changed_by": "user:x"}
    fake_rpc.will_answer("list_organisation_changes", {"items": [change]})

    response = client.get(f"/api/v1/organisations/{organisation_id}/changes")

    assert response.status_code == 200 and response.get_json()["items"][0]["changes"] == change["changes"]
    assert fake_rpc.calls == [("roster", "list_organisation_changes", (organisation_id, scope))]


def test_link_and_end_and_list_station_links(client, fake_rpc, scope):
    station_id, branch_id, link_id = (str(uuid.uuid4()) for _ in range(3))
    fake_rpc.will_answer("link_station", link_reply(station_id=station_id, branch_id=branch_id))
    assert client.post(f"/api/v1/organisations/{station_id}/served-branches", json={"branch_id": branch_id}).status_code == 201
    fake_rpc.will_answer("end_station_link", link_reply(active=False, ended_on="2026-03-20"))
    assert client.post(f"/api/v1/organisations/{station_id}/served-branches/{link_id}/end",
                       json={"reason": "撤并"}).status_code == 200
    fake_rpc.will_answer("list_station_branches", {"items": [link_reply()]})
    assert client.get(f"/api/v1/organisations/{station_id}/served-branches?state=active").status_code == 200
    fake_rpc.will_answer("list_branch_stations", {"items": []})
    assert client.get(f"/api/v1/organisations/{branch_id}/serving-stations").status_code == 200
    assert fake_rpc.calls == [
        ("roster", "link_station", (station_id, {"branch_id": branch_id, "since": None}, scope)),
        ("roster", "end_station_link", (station_id, link_id, {"ended_on": None, "reason": "撤并"}, scope)),
        ("roster", "list_station_branches", (station_id, {"state": "active"}, scope)),
        ("roster", "list_branch_stations", (branch_id, {}, scope)),
    ]


@pytest.mark.parametrize("body, field", [
    ({}, "branch_id"), ({"branch_id": "x"}, "branch_id"), ({"branch_id": str(uuid.uuid4()), "since": "soon"}, "since"),
])
def test_bad_links_are_422_and_nothing_is_sent(client, fake_rpc, body, field):
    response = client.post(f"/api/v1/organisations/{uuid.uuid4()}/served-branches", json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["details"]["json"]
    assert fake_rpc.calls == []


def test_a_station_serving_a_non_branch_is_422(client, fake_rpc):
    fake_rpc.will_answer("link_station", ServiceError(ErrorCode.NOT_A_BRANCH, "a party_committee is not a branch",
                                                      {"branch_id": ["only branches are served"]}))
    response = client.post(f"/api/v1/organisations/{uuid.uuid4()}/served-branches", json={"branch_id": str(uuid.uuid4())})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "not_a_branch"


def test_pairings(client, fake_rpc, scope):
    town_id, pairing_id = str(uuid.uuid4()), str(uuid.uuid4())
    fake_rpc.will_answer("pair_town", pairing_reply(town_id=town_id))
    body = {"town_id": town_id, "community_name": "甘州区某社区党委", "community_place": "张掖市甘州区"}
    assert client.post("/api/v1/town-community-pairings", json=body).status_code == 201
    fake_rpc.will_answer("list_pairings", {"items": [pairing_reply()], "page": 1, "per_page": 20, "total": 1})
    assert client.get(f"/api/v1/town-community-pairings?town_id={town_id}&state=active").status_code == 200
    fake_rpc.will_answer("get_pairing", pairing_reply(id=pairing_id))
    assert client.get(f"/api/v1/town-community-pairings/{pairing_id}").status_code == 200
    fake_rpc.will_answer("end_pairing", pairing_reply(id=pairing_id, active=False))
    assert client.post(f"/api/v1/town-community-pairings/{pairing_id}/end", json={}).status_code == 200
    assert fake_rpc.calls == [
        ("roster", "pair_town", ({**body, "community_organisation_id": None, "paired_on": None}, scope)),
        ("roster", "list_pairings", ({"town_id": town_id, "state": "active", "page": 1, "per_page": 20}, scope)),
        ("roster", "get_pairing", (pairing_id, scope)),
        ("roster", "end_pairing", (pairing_id, {"ended_on": None, "reason": None}, scope)),
    ]


@pytest.mark.parametrize("body, field", [
    ({"community_name": "x"}, "town_id"),
    ({"town_id": str(uuid.uuid4())}, "community_organisation_id"),
    ({"town_id": str(uuid.uuid4()), "community_organisation_id": str(uuid.uuid4()), "community_name": "x"},
     "community_name"),
    ({"town_id": str(uuid.uuid4()), "community_name": "x", "paired_on": "2026-13-01"}, "paired_on"),
])
def test_bad_pairings_are_422_naming_the_field_and_nothing_is_sent(client, fake_rpc, body, field):
    response = client.post("/api/v1/town-community-pairings", json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["details"]["json"]
    assert fake_rpc.calls == []


@pytest.mark.parametrize("role, may_write", [
    ("county_admin", True), ("town_admin", True), ("branch_secretary", False), ("liaison", False),
])
def test_the_organisation_writing_permission_is_needed(access, fake_rpc, replies, role, may_write):
    client, _ = access.user_client((role, uuid.uuid4()))
    fake_rpc.will_answer("update_organisation", replies.organisation())
    fake_rpc.will_answer("list_branch_stations", {"items": []})

    response = client.patch(f"/api/v1/organisations/{uuid.uuid4()}", json={"activity_day": 6})

    assert response.status_code == (200 if may_write else 403)
    assert client.get(f"/api/v1/organisations/{uuid.uuid4()}/serving-stations").status_code == 200
