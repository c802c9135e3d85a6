"""双报到 at the gateway, against a fake roster: what is sent over RPC, who may
call which operation, and bad input refused before anything is sent."""
import uuid
from datetime import date, datetime, timezone

import pytest

from contracts import roster
from contracts.errors import ErrorCode, ServiceError

NOW = datetime(2026, 3, 20, 8, 0, tzinfo=timezone.utc)


def check_in_reply(**fields):
    values = {
        "id": uuid.uuid4(), "member_id": uuid.uuid4(), "departure_id": uuid.uuid4(), "checked_in_on": date(2026, 3, 5),
        "host_organisation_id": uuid.uuid4(), "host_name": "瓜州县流动党员党支部", "host_place": "酒泉市瓜州县",
        "reported_at": NOW, "reported_by": "user:x", "host_confirmed_at": None, "host_confirmed_by": None,
        "home_confirmed_at": None, "home_confirmed_by": None, "confirmed": False,
    }
    return {**roster.CheckInSchema().dump(values), **fields}


def away_page(**fields):
    item = roster.AwayMemberSchema().dump({
        "member_id": uuid.uuid4(), "name": "马永福", "organisation_id": uuid.uuid4(), "departure_id": uuid.uuid4(),
        "departed_on": date(2026, 3, 1), "destination_province": "甘肃省", "destination_city": "酒泉市瓜州县",
        "days_away": 19, "check_in_due_on": date(2026, 3, 16), "should_transfer_from": date(2026, 9, 1),
    })
    return {"items": [item], "page": 1, "per_page": 20, "total": 1, "as_of": "2026-03-20", **fields}


def test_report_a_check_in_at_a_host_on_the_platform(client, fake_rpc, scope):
    member_id, host_id = str(uuid.uuid4()), str(uuid.uuid4())
    reply = check_in_reply(member_id=member_id, host_organisation_id=host_id)
    fake_rpc.will_answer("report_check_in", reply)

    response = client.post(f"/api/v1/members/{member_id}/check-ins", json={"host_organisation_id": host_id})

    assert response.status_code == 201 and response.get_json() == reply
    assert fake_rpc.calls == [("roster", "report_check_in", (member_id, {
        "host_organisation_id": host_id, "checked_in_on": None, "host_name": None, "host_place": None}, scope))]


def test_report_a_check_in_at_a_host_outside_the_platform(client, fake_rpc, scope):
    member_id = str(uuid.uuid4())
    fake_rpc.will_answer("report_check_in", check_in_reply(member_id=member_id, host_organisation_id=None))
    body = {"host_name": "昌吉市某社区党委", "host_place": "新疆昌吉州", "checked_in_on": "2026-03-05"}

    assert client.post(f"/api/v1/members/{member_id}/check-ins", json=body).status_code == 201
    assert fake_rpc.calls[0][2][1] == {**body, "host_organisation_id": None}


@pytest.mark.parametrize("body, fields", [
    ({}, {"host_name", "host_place"}),
    ({"host_name": "某社区"}, {"host_place"}),
    ({"host_organisation_id": str(uuid.uuid4()), "host_name": "某社区"}, {"host_name"}),
    ({"host_organisation_id": "not-a-uuid"}, {"host_organisation_id"}),
    ({"host_name": "某\u202e社区", "host_place": "新疆"}, {"host_name"}),
    ({"host_name": "某社区", "host_place": "新疆", "note": "x"}, {"note"}),
])
def test_bad_check_in_bodies_are_422_naming_the_field_and_nothing_is_sent(client, fake_rpc, body, fields):
    response = client.post(f"/api/v1/members/{uuid.uuid4()}/check-ins", json=body)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and fields <= set(error["details"]["json"]), error
    assert fake_rpc.calls == []


def test_a_check_in_for_a_member_at_home_is_409_member_not_away(client, fake_rpc):
    fake_rpc.will_answer("report_check_in", ServiceError(ErrorCode.MEMBER_NOT_AWAY, "the member is at home",
                                                         {"member_id": ["has no open departure"]}))

    response = client.post(f"/api/v1/members/{uuid.uuid4()}/check-ins", json={"host_name": "a", "host_place": "b"})

    assert response.status_code == 409 and response.get_json()["error"]["code"] == "member_not_away"


def test_list_a_members_check_ins(client, fake_rpc, scope):
    member_id = str(uuid.uuid4())
    fake_rpc.will_answer("list_check_ins", {"items": [check_in_reply(member_id=member_id)]})

    response = client.get(f"/api/v1/members/{member_id}/check-ins")

    assert response.status_code == 200 and len(response.get_json()["items"]) == 1
    assert fake_rpc.calls == [("roster", "list_check_ins", (member_id, scope))]


def test_confirm_a_check_in(client, fake_rpc, scope):
    member_id, check_in_id = str(uuid.uuid4()), str(uuid.uuid4())
    reply = check_in_reply(id=check_in_id, member_id=member_id, home_confirmed_at=NOW.isoformat(), home_confirmed_by="key:x")
    fake_rpc.will_answer("confirm_check_in", reply)

    response = client.post(f"/api/v1/members/{member_id}/check-ins/{check_in_id}/confirmations", json={"side": "home"})

    assert response.status_code == 201 and response.get_json() == reply
    assert fake_rpc.calls == [("roster", "confirm_check_in", (member_id, check_in_id, {"side": "home"}, scope))]


@pytest.mark.parametrize("body", [{}, {"side": "both"}, {"side": "home", "by": "x"}])
def test_a_confirmation_names_one_side(client, fake_rpc, body):
    response = client.post(f"/api/v1/members/{uuid.uuid4()}/check-ins/{uuid.uuid4()}/confirmations", json=body)
    assert response.status_code == 422 and response.get_json()["error"]["details"]["json"]
    assert fake_rpc.calls == []


def test_confirmation_by_the_wrong_side_is_403_naming_the_side(client, fake_rpc):
    fake_rpc.will_answer("confirm_check_in", ServiceError(ErrorCode.NOT_THE_CONFIRMING_SIDE, "not the host",
                                                          {"side": ["the caller may not confirm for the host side"]}))

    response = client.post(f"/api/v1/members/{uuid.uuid4()}/check-ins/{uuid.uuid4()}/confirmations", json={"side": "host"})

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_the_confirming_side"
    assert "side" in response.get_json()["error"]["details"]


@pytest.mark.parametrize("path, method", [
    ("/api/v1/members/awaiting-check-in", "members_awaiting_check_in"),
    ("/api/v1/members/should-transfer", "members_to_transfer"),
])
def test_the_lists_pass_the_subtree_and_paging(client, fake_rpc, scope, path, method):
    organisation_id = str(uuid.uuid4())
    fake_rpc.will_answer(method, away_page())

    response = client.get(f"{path}?organisation_id={organisation_id}&per_page=50")

    assert response.status_code == 200 and response.get_json()["items"][0]["days_away"] == 19
    assert fake_rpc.calls == [("roster", method, ({"organisation_id": organisation_id, "page": 1, "per_page": 50}, scope))]


def test_a_member_checks_in_themself_but_confirms_nothing(access, fake_rpc):
    member_id = str(uuid.uuid4())
    client, _ = access.user_client("member", member_id=member_id)
    fake_rpc.will_answer("report_check_in", check_in_reply(member_id=member_id))

    assert client.post(f"/api/v1/members/{member_id}/check-ins", json={"host_name": "a", "host_place": "b"}).status_code == 201
    assert fake_rpc.calls[0][2][-1]["member_id"] == member_id

    refused = client.post(f"/api/v1/members/{member_id}/check-ins/{uuid.uuid4()}/confirmations", json={"side": "home"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert len(fake_rpc.calls) == 1


@pytest.mark.parametrize("role, may_confirm", [
    ("county_admin", True), ("town_admin", True), ("branch_secretary", True), ("liaison", False),
])
def test_who_may_confirm(access, fake_rpc, role, may_confirm):
    client, _ = access.user_client((role, uuid.uuid4()))
    fake_rpc.will_answer("confirm_check_in", check_in_reply())

    response = client.post(f"/api/v1/members/{uuid.uuid4()}/check-ins/{uuid.uuid4()}/confirmations", json={"side": "home"})

    assert response.status_code == (201 if may_confirm else 403)
