"""A member's computed status history at the gateway, against a fake roster; and the member list's
status filter, which takes the computed statuses."""
import uuid
from datetime import date, datetime, timezone

import pytest

from contracts import roster
from contracts.errors import ErrorCode, ServiceError

NOW = datetime(2026, 3, 20, 8, 0, tzinfo=timezone.utc)


def change(member_id, **fields):
    values = {"id": uuid.uuid4(), "member_id": member_id, "organisation_id": uuid.uuid4(), "status": "normal",
              "previous_status": None, "effective_on": date(2026, 3, 1), "changed_at": NOW, "changed_by": "user:x",
              "cause": "member_registered", **fields}
    return roster.MemberStatusChangeSchema().dump(values)


def test_the_status_history_of_a_member(client, fake_rpc, scope):
    member_id = str(uuid.uuid4())
    reply = {"items": [change(member_id),
                       change(member_id, status="away", previous_status="normal", cause="member_departed"),
                       change(member_id, status="awaiting_check_in", previous_status="away", cause="clock",
                              changed_by=None)]}
    fake_rpc.will_answer("member_status_history", reply)

    response = client.get(f"/api/v1/members/{member_id}/status-history")

    assert response.status_code == 200 and response.get_json() == reply
    assert fake_rpc.calls == [("roster", "member_status_history", (member_id, scope))]


def test_an_unknown_member_or_one_outside_the_scope_is_404(client, fake_rpc):
    fake_rpc.will_answer("member_status_history", ServiceError(ErrorCode.MEMBER_NOT_FOUND, "member not found"))

    response = client.get(f"/api/v1/members/{uuid.uuid4()}/status-history")

    assert response.status_code == 404 and response.get_json()["error"]["code"] == "member_not_found"


def test_a_member_id_that_is_no_uuid_is_404_and_nothing_is_sent(client, fake_rpc):
    assert client.get("/api/v1/members/not-a-uuid/status-history").status_code == 404
    assert fake_rpc.calls == []


@pytest.mark.parametrize("status", ["normal", "awaiting_check_in", "should_transfer", "transfer_pending"])
def test_the_member_list_filters_by_a_computed_status(client, fake_rpc, status):
    fake_rpc.will_answer("list_members", {"items": [], "page": 1, "per_page": 20, "total": 0})

    assert client.get(f"/api/v1/members?status={status}").status_code == 200
    assert fake_rpc.calls[0][2][0]["status"] == status


@pytest.mark.parametrize("status", ["at_home", "AWAY", ""])
def test_a_status_that_is_not_one_is_422_naming_the_filter(client, fake_rpc, status):
    response = client.get(f"/api/v1/members?status={status}")

    assert response.status_code == 422 and "status" in response.get_json()["error"]["details"]["query"]
    assert fake_rpc.calls == []
