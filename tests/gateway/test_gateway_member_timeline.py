"""Member field changes and the member timeline at the gateway, against a fake
roster: what is sent over RPC, who may call it, bad input refused before
anything is sent, and the audit of a timeline read that shows personal data."""
import uuid
from datetime import date, datetime, timezone

import pytest

from contracts import roster
from contracts.errors import ErrorCode, ServiceError

NOW = datetime(2026, 3, 20, 8, 0, tzinfo=timezone.utc)


def member_reply(member_id, **fields):
    values = {
        "id": member_id, "name": "马永福", "gender": "male", "birth_date": date(1978, 4, 9), "birth_year": 1978,
        "id_number": "62072419780409138X", "phone": "13900000002", "joined_on": date(2005, 7, 1),
        "membership": "full", "organisation_id": uuid.uuid4(), "status": "at_home", "current_departure": None,
        "registered_at": NOW,
    }
    return {**roster.MemberSchema().dump(values), **fields}


def timeline_reply(member_id, phone="139****0002"):
    entries = [
        {"at": NOW, "on": None, "kind": "registered", "kind_label": "登记入册", "by": "user:a", "record_id": member_id,
         "organisation_id": uuid.uuid4(), "details": {"joined_on": "2005-07-01"}},
        {"at": NOW, "on": None, "kind": "field_changed", "kind_label": "信息变更", "by": "user:b", "record_id": "c1",
         "organisation_id": uuid.uuid4(), "details": {"field": "phone", "old_value": "139****0001", "new_value": phone}},
    ]
    return roster.TimelineSchema().dump({"member_id": member_id, "items": entries, "total": 2, "page": 1,
                                         "per_page": 100})


def test_change_a_members_phone_with_a_reason(client, fake_rpc, scope):
    member_id = str(uuid.uuid4())
    reply = member_reply(member_id)
    fake_rpc.will_answer("update_member", reply)

    response = client.patch(f"/api/v1/members/{member_id}", json={"phone": "13900000002", "reason": "换号"})

    assert response.status_code == 200 and response.get_json() == reply
    assert fake_rpc.calls == [("roster", "update_member", (member_id, {"phone": "13900000002", "reason": "换号"}, scope))]


def test_a_probationary_member_becomes_full_with_the_date(client, fake_rpc, scope):
    member_id = str(uuid.uuid4())
    fake_rpc.will_answer("update_member", member_reply(member_id))
    body = {"membership": "full", "full_member_on": "2026-03-01"}

    assert client.patch(f"/api/v1/members/{member_id}", json=body).status_code == 200
    assert fake_rpc.calls[0][2][1] == body


@pytest.mark.parametrize("body, field", [
    ({"id_number": "62072419780409138X"}, "id_number"),
    ({"birth_date": "1978-04-10", "name": "李四"}, "birth_date"),
    ({"organisation_id": str(uuid.uuid4())}, "organisation_id"),
    ({"status": "away"}, "status"),
    ({"phone": "1390000"}, "phone"),
    ({"gender": "other"}, "gender"),
    ({"membership": "member"}, "membership"),
    ({"name": ""}, "name"),
    ({"name": "马\u202e永福"}, "name"),
    ({"full_member_on": "2026-03-01"}, "full_member_on"),
    ({"name": "李四", "note": "x"}, "note"),
    ({}, "_schema"),
    ({"reason": "nothing else"}, "_schema"),
])
def test_bad_changes_are_422_naming_the_field_and_nothing_is_sent(client, fake_rpc, body, field):
    response = client.patch(f"/api/v1/members/{uuid.uuid4()}", json=body)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["details"]["json"], error
    assert fake_rpc.calls == []


def test_a_rule_the_service_refuses_is_422_naming_the_field(client, fake_rpc):
    fake_rpc.will_answer("update_member", ServiceError(
        ErrorCode.VALIDATION_FAILED, "not before the probationary year ends",
        {"full_member_on": ["the probationary year runs to 2026-07-01: not before it"]}))

    response = client.patch(f"/api/v1/members/{uuid.uuid4()}", json={"membership": "full", "full_member_on": "2026-03-01"})

    assert response.status_code == 422 and "full_member_on" in response.get_json()["error"]["details"]


def test_an_unknown_member_is_404(client, fake_rpc):
    fake_rpc.will_answer("update_member", ServiceError(ErrorCode.MEMBER_NOT_FOUND, "member not found"))
    response = client.patch(f"/api/v1/members/{uuid.uuid4()}", json={"name": "李四"})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "member_not_found"


def test_read_the_timeline_a_page_at_a_time(client, fake_rpc, scope):
    member_id = str(uuid.uuid4())
    fake_rpc.will_answer("member_timeline", timeline_reply(member_id))

    response = client.get(f"/api/v1/members/{member_id}/timeline?per_page=50&page=2")

    assert response.status_code == 200
    assert [item["kind"] for item in response.get_json()["items"]] == ["registered", "field_changed"]
    assert fake_rpc.calls == [("roster", "member_timeline", (member_id, {"page": 2, "per_page": 50}, scope))]


@pytest.mark.parametrize("query", ["per_page=501", "per_page=0", "page=0", "kind=x"])
def test_bad_timeline_queries_are_422_and_nothing_is_sent(client, fake_rpc, query):
    response = client.get(f"/api/v1/members/{uuid.uuid4()}/timeline?{query}")
    assert response.status_code == 422 and fake_rpc.calls == []


@pytest.mark.parametrize("role, may_change", [
    ("county_admin", True), ("branch_secretary", True), ("town_admin", False), ("liaison", False),
])
def test_who_may_change_a_member(access, fake_rpc, role, may_change):
    client, _ = access.user_client((role, uuid.uuid4()))
    member_id = str(uuid.uuid4())
    fake_rpc.will_answer("update_member", member_reply(member_id))

    response = client.patch(f"/api/v1/members/{member_id}", json={"name": "李四"})

    assert response.status_code == (200 if may_change else 403)
    assert len(fake_rpc.calls) == (1 if may_change else 0)


def test_a_member_reads_their_own_timeline_but_changes_nothing(access, fake_rpc):
    member_id = str(uuid.uuid4())
    client, _ = access.user_client("member", member_id=member_id)
    fake_rpc.will_answer("member_timeline", timeline_reply(member_id))

    assert client.get(f"/api/v1/members/{member_id}/timeline").status_code == 200
    refused = client.patch(f"/api/v1/members/{member_id}", json={"phone": "13900000003"})
    assert refused.status_code == 403 and len(fake_rpc.calls) == 1


def _records(access, action):
    from gateway.access import store

    with access.store.connect() as conn:
        items, _ = store.list_audit_records(conn, page=1, per_page=100, action=action)
    return items


def test_a_timeline_read_that_reveals_personal_data_is_audited_and_a_masked_one_is_not(access, fake_rpc):
    member_id, branch = str(uuid.uuid4()), str(uuid.uuid4())
    secretary, user = access.user_client(("branch_secretary", branch))
    fake_rpc.will_answer("member_timeline", timeline_reply(member_id, phone="13900000002"))
    assert secretary.get(f"/api/v1/members/{member_id}/timeline").status_code == 200
    (record,) = _records(access, "members.timeline")
    assert record["resource_ids"] == [member_id] and record["principal"] == f"user:{user['id']}"

    reader, _ = access.key_client(scopes=[roster.MEMBERS_READ])
    assert reader.get(f"/api/v1/members/{member_id}/timeline").status_code == 200
    assert len(_records(access, "members.timeline")) == 1


def test_a_change_is_an_audited_write(access, fake_rpc):
    member_id, branch = str(uuid.uuid4()), str(uuid.uuid4())
    secretary, _ = access.user_client(("branch_secretary", branch))
    fake_rpc.will_answer("update_member", member_reply(member_id))
    assert secretary.patch(f"/api/v1/members/{member_id}", json={"phone": "13900000002"}).status_code == 200
    records = _records(access, "members.update")
    assert sorted(record["outcome"] for record in records) == ["attempted", "succeeded"]
    assert [record["resource_ids"] for record in records if record["outcome"] == "succeeded"] == [[member_id]]
    assert "13900000002" not in str(records)  # the new number is not written into the audit record
