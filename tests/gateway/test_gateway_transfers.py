"""组织关系转接 at the gateway: what each route sends to roster, who may call it, how its bad input
and roster's refusals are answered, and that its writes are audited."""
import uuid

import pytest

from contracts.errors import ServiceError
from gateway.access import policy, store

MEMBER = str(uuid.uuid4())
BRANCH, OTHER_BRANCH = str(uuid.uuid4()), str(uuid.uuid4())
LETTER = str(uuid.uuid4())


def letter(**fields):
    return {
        "id": LETTER, "member_id": MEMBER, "member_name": "马永福", "from_organisation_id": BRANCH,
        "to_organisation_id": OTHER_BRANCH, "to_name": "巷道镇第1村党支部", "to_place": None, "state": "pending",
        "issued_on": "2026-03-01", "valid_until": "2026-03-31", "dues_paid_until": "2026-02", "received_on": None,
        "expired_on": None, "reissue_of": None, "reissued_as": None, "issued_at": "2026-03-01T02:00:00+00:00",
        "received_at": None, **fields,
    }


ISSUE = {"to_organisation_id": OTHER_BRANCH, "dues_paid_until": "2026-02"}


def test_issuing_sends_the_letter_to_roster_and_answers_201(client, fake_rpc, scope):
    fake_rpc.will_answer("issue_transfer", letter())
    response = client.post(f"/api/v1/members/{MEMBER}/transfers", json=ISSUE)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == letter()
    assert fake_rpc.calls == [("roster", "issue_transfer", (MEMBER, {**ISSUE, "to_name": None, "to_place": None,
                                                                     "valid_until": None}, scope))]


@pytest.mark.parametrize("body, field", [
    ({"dues_paid_until": "2026-02"}, "to_organisation_id"),
    ({**ISSUE, "to_name": "某党支部", "to_place": "新疆"}, "to_organisation_id"),
    ({"to_name": "某党支部", "dues_paid_until": "2026-02"}, "to_place"),
    ({**ISSUE, "dues_paid_until": "2026-13"}, "dues_paid_until"),
    ({"to_organisation_id": OTHER_BRANCH}, "dues_paid_until"),
    ({**ISSUE, "valid_until": "31/03/2026"}, "valid_until"),
    ({**ISSUE, "to_name": "某\u202e党支部"}, "to_name"),
    ({**ISSUE, "validity": 30}, "validity"),
])
def test_bad_letters_are_422_naming_the_field_and_never_reach_roster(client, fake_rpc, body, field):
    response = client.post(f"/api/v1/members/{MEMBER}/transfers", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in str(error["details"]), error
    assert fake_rpc.calls == []


@pytest.mark.parametrize("code, status", [
    ("transfer_already_pending", 409), ("member_not_found", 404), ("transfer_not_found", 404),
    ("transfer_expired", 409), ("transfer_not_pending", 409), ("transfer_not_expired", 409),
    ("transfer_already_reissued", 409), ("member_transferred_out", 409), ("unknown_reference", 422),
])
def test_roster_refusals_keep_their_codes(client, fake_rpc, code, status):
    for method in ("issue_transfer", "receive_transfer", "reissue_transfer"):
        fake_rpc.will_answer(method, ServiceError(code, "refused", {"valid_until": "2026-03-31"}))
    for path in (f"/api/v1/members/{MEMBER}/transfers", f"/api/v1/transfers/{LETTER}/receipt",
                 f"/api/v1/transfers/{LETTER}/reissue"):
        response = client.post(path, json=ISSUE if path.endswith("/transfers") else {})
        assert response.status_code == status and response.get_json()["error"]["code"] == code


def test_receipt_and_reissue_and_reads(client, fake_rpc, scope):
    fake_rpc.will_answer("receive_transfer", letter(state="received", received_on="2026-03-05"))
    fake_rpc.will_answer("reissue_transfer", letter(id=str(uuid.uuid4()), reissue_of=LETTER))
    fake_rpc.will_answer("get_transfer", letter())
    fake_rpc.will_answer("list_transfers", {"items": [letter()], "total": 1, "page": 1, "per_page": 20})

    assert client.post(f"/api/v1/transfers/{LETTER}/receipt", json={}).get_json()["state"] == "received"
    reissued = client.post(f"/api/v1/transfers/{LETTER}/reissue", json={"valid_until": "2026-05-01"})
    assert reissued.status_code == 201 and reissued.get_json()["reissue_of"] == LETTER
    assert client.get(f"/api/v1/transfers/{LETTER}").status_code == 200
    page = client.get("/api/v1/transfers", query_string={"organisation_id": BRANCH, "direction": "sent", "state": "pending"})
    assert page.status_code == 200 and page.get_json()["total"] == 1
    assert [call[1:] for call in fake_rpc.calls] == [
        ("receive_transfer", (LETTER, {}, scope)),
        ("reissue_transfer", (LETTER, {"valid_until": "2026-05-01", "dues_paid_until": None}, scope)),
        ("get_transfer", (LETTER, scope)),
        ("list_transfers", ({"organisation_id": BRANCH, "direction": "sent", "state": "pending", "page": 1,
                             "per_page": 20}, scope)),
    ]


@pytest.mark.parametrize("query", [{"direction": "both"}, {"state": "lost"}, {"organisation_id": "x"}, {"stat": "pending"}])
def test_bad_filters_are_422(client, fake_rpc, query):
    assert client.get("/api/v1/transfers", query_string=query).status_code == 422
    assert fake_rpc.calls == []


@pytest.mark.parametrize("role, allowed", [
    (policy.COUNTY_ADMIN, True), (policy.BRANCH_SECRETARY, True), (policy.TOWN_ADMIN, False), (policy.LIAISON, False),
])
def test_county_admins_and_branch_secretaries_issue_and_receive(access, fake_rpc, role, allowed):
    client, _ = access.user_client((role, BRANCH))
    fake_rpc.will_answer("issue_transfer", letter())
    fake_rpc.will_answer("receive_transfer", letter(state="received"))
    fake_rpc.will_answer("get_transfer", letter())
    issued = client.post(f"/api/v1/members/{MEMBER}/transfers", json=ISSUE)
    received = client.post(f"/api/v1/transfers/{LETTER}/receipt", json={})
    assert (issued.status_code, received.status_code) == ((201, 200) if allowed else (403, 403))
    assert client.get(f"/api/v1/transfers/{LETTER}").status_code == 200  # members:read, every one of them


def test_a_member_reads_but_never_writes_letters(access, fake_rpc):
    client, _ = access.user_client(policy.MEMBER, member_id=MEMBER)
    fake_rpc.will_answer("get_transfer", letter())
    assert client.get(f"/api/v1/transfers/{LETTER}").status_code == 200
    assert client.post(f"/api/v1/members/{MEMBER}/transfers", json=ISSUE).status_code == 403


def test_writes_are_audited(client, fake_rpc, access):
    fake_rpc.will_answer("issue_transfer", letter())
    fake_rpc.will_answer("receive_transfer", ServiceError("transfer_expired", "expired", {"valid_until": "2026-03-31"}))
    client.post(f"/api/v1/members/{MEMBER}/transfers", json=ISSUE)
    client.post(f"/api/v1/transfers/{LETTER}/receipt", json={})
    with access.store.connect() as conn:
        items, _ = store.list_audit_records(conn, page=1, per_page=100)
    outcomes = {(r["action"], r["outcome"]) for r in items}
    assert {("transfers.issue", "succeeded"), ("transfers.receive", "failed")} <= outcomes
    [issued] = [r for r in items if r["action"] == "transfers.issue" and r["outcome"] == "succeeded"]
    assert MEMBER in issued["resource_ids"] and issued["details"]["result_id"] == LETTER
