"""The quorum, 留党察看 and exclusion routes against a fake roster: what is sent
over RPC, what comes back, who may call them, and bad input refused before any
call (so nothing is written)."""
import uuid

import pytest

from contracts.errors import ErrorCode, ServiceError

BRANCH = str(uuid.uuid4())
TOWN = str(uuid.uuid4())
MEMBER = str(uuid.uuid4())
OTHER = str(uuid.uuid4())
EXCLUSION_ID = str(uuid.uuid4())


def exclusion_reply(**fields):
    return {"id": EXCLUSION_ID, "member_id": MEMBER, "organisation_id": BRANCH, "ground": "serving_sentence",
            "ground_label": "正在服刑", "approved_by_organisation_id": TOWN, "approved_by_organisation_name": "城关镇党委",
            "approved_on": "2026-05-01", "agreed_on": "2026-05-10", "valid_from": "2026-05-10", "valid_until": None,
            "note": None, "recorded_at": "2026-05-11T02:00:00+00:00", "recorded_by": "user:x", **fields}


def quorum_reply():
    member = {"member_id": MEMBER, "name": "马永福", "membership": "full", "joined_on": "2004-07-01", "has_vote": True,
              "no_vote_reason": None, "no_vote_reason_label": None, "should_attend": False, "present": False,
              "exclusion": exclusion_reply(), "party_probation": None}
    return {"organisation_id": BRANCH, "date": "2026-06-06", "members_total": 1, "members_with_vote": 1,
            "should_attend": 0, "excluded": 1, "present": 0, "present_with_vote": 0,
            "general_meeting": {"may_vote": False, "present_needed": None, "motion_votes_needed": None},
            "election": {"valid": False, "present_needed": None}, "members": [member]}


def test_the_quorum_passes_the_date_and_everyone_present(client, fake_rpc, scope):
    fake_rpc.will_answer("quorum", quorum_reply())
    response = client.post(f"/api/v1/organisations/{BRANCH}/quorum", json={"date": "2026-06-06", "present": [MEMBER, OTHER]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == quorum_reply()
    assert fake_rpc.calls == [("roster", "quorum", (BRANCH, {"date": "2026-06-06", "present": [MEMBER, OTHER]}, scope))]


def test_nobody_present_is_an_empty_list(client, fake_rpc, scope):
    fake_rpc.will_answer("quorum", quorum_reply())
    assert client.post(f"/api/v1/organisations/{BRANCH}/quorum", json={"date": "2026-06-06"}).status_code == 200
    assert fake_rpc.calls[0][2][1] == {"date": "2026-06-06", "present": []}


@pytest.mark.parametrize("body, field", [
    ({"date": "06/06/2026"}, "date"),
    ({"date": "2026-02-30"}, "date"),
    ({}, "date"),
    ({"date": "2026-06-06", "present": ["someone"]}, "present"),
    ({"date": "2026-06-06", "present": MEMBER}, "present"),
    ({"date": "2026-06-06", "present": [MEMBER, MEMBER]}, "present"),
    ({"date": "2026-06-06", "presnt": []}, "presnt"),
])
def test_bad_requests_are_422_naming_the_field_and_call_nothing(client, fake_rpc, body, field):
    response = client.post(f"/api/v1/organisations/{BRANCH}/quorum", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["details"]["json"]
    assert fake_rpc.calls == []


@pytest.mark.parametrize("code, status", [
    (ErrorCode.UNKNOWN_REFERENCE, 422), (ErrorCode.NOT_A_BRANCH, 422), (ErrorCode.ORGANISATION_NOT_FOUND, 404),
])
def test_the_services_refusals_come_back_with_their_code(client, fake_rpc, code, status):
    fake_rpc.will_answer("quorum", ServiceError(code, "refused", {"present": [f"not a member of this branch: {OTHER}"]}))
    response = client.post(f"/api/v1/organisations/{BRANCH}/quorum", json={"date": "2026-06-06", "present": [OTHER]})
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


EXCLUSION = {"member_id": MEMBER, "ground": "serving_sentence", "approved_by_organisation_id": TOWN,
             "approved_on": "2026-05-01", "agreed_on": "2026-05-10", "valid_from": "2026-05-10"}
PROBATION = {"member_id": MEMBER, "starts_on": "2026-01-01", "ends_on": "2026-12-31", "decided_by": "城关镇纪委",
             "decided_on": "2025-12-20"}


def test_recording_an_exclusion_sends_the_body_and_answers_201(client, fake_rpc, scope):
    fake_rpc.will_answer("record_attendance_exclusion", exclusion_reply())
    response = client.post(f"/api/v1/organisations/{BRANCH}/attendance-exclusions", json=EXCLUSION)
    assert response.status_code == 201
    assert fake_rpc.calls == [("roster", "record_attendance_exclusion",
                               (BRANCH, {**EXCLUSION, "valid_until": None, "note": None}, scope))]


def test_recording_a_party_probation_sends_the_body_and_answers_201(client, fake_rpc, scope):
    reply = {**PROBATION, "id": str(uuid.uuid4()), "organisation_id": BRANCH, "recorded_at": "2026-05-11T02:00:00+00:00",
             "recorded_by": "user:x"}
    fake_rpc.will_answer("record_party_probation", reply)
    response = client.post(f"/api/v1/organisations/{BRANCH}/party-probations", json=PROBATION)
    assert response.status_code == 201
    assert response.get_json() == reply
    assert fake_rpc.calls == [("roster", "record_party_probation", (BRANCH, PROBATION, scope))]


def test_withdrawing_an_exclusion_names_the_branch_and_the_exclusion(client, fake_rpc, scope):
    body = {"effective_from": "2026-07-01", "reason": "已返乡"}
    reply = {**body, "id": str(uuid.uuid4()), "exclusion_id": EXCLUSION_ID, "member_id": MEMBER, "organisation_id": BRANCH,
             "recorded_at": "2026-07-01T02:00:00+00:00", "recorded_by": "user:x"}
    fake_rpc.will_answer("withdraw_attendance_exclusion", reply)
    response = client.post(f"/api/v1/organisations/{BRANCH}/attendance-exclusions/{EXCLUSION_ID}/withdrawal", json=body)
    assert response.status_code == 201 and response.get_json() == reply
    assert fake_rpc.calls == [("roster", "withdraw_attendance_exclusion", (BRANCH, EXCLUSION_ID, body, scope))]
    bad = client.post(f"/api/v1/organisations/{BRANCH}/attendance-exclusions/{EXCLUSION_ID}/withdrawal",
                      json={"effective_from": "2026-07-01"})
    assert bad.status_code == 422 and "reason" in bad.get_json()["error"]["details"]["json"]
    assert len(fake_rpc.calls) == 1


def test_the_histories_are_listed(client, fake_rpc, scope):
    fake_rpc.will_answer("list_attendance_exclusions", {"items": [exclusion_reply()]})
    fake_rpc.will_answer("list_party_probations", {"items": []})
    assert client.get(f"/api/v1/organisations/{BRANCH}/attendance-exclusions").get_json()["items"][0]["ground"] == "serving_sentence"
    assert client.get(f"/api/v1/organisations/{BRANCH}/party-probations").get_json() == {"items": []}


@pytest.mark.parametrize("path, body, field", [
    ("attendance-exclusions", {**EXCLUSION, "ground": "on_holiday"}, "ground"),
    ("attendance-exclusions", {**EXCLUSION, "approved_on": "2026-13-01"}, "approved_on"),
    ("attendance-exclusions", {**EXCLUSION, "member_id": "m1"}, "member_id"),
    ("attendance-exclusions", {**EXCLUSION, "note": "a\u202eb"}, "note"),
    ("attendance-exclusions", {**EXCLUSION, "extra": 1}, "extra"),
    ("party-probations", {**PROBATION, "decided_by": ""}, "decided_by"),
    ("party-probations", {k: v for k, v in PROBATION.items() if k != "ends_on"}, "ends_on"),
])
def test_bad_bodies_are_422_naming_the_field_and_call_nothing(client, fake_rpc, path, body, field):
    response = client.post(f"/api/v1/organisations/{BRANCH}/{path}", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["json"]
    assert fake_rpc.calls == []


def test_a_liaison_reads_the_quorum_but_records_nothing(access, fake_rpc):
    liaison, _ = access.user_client(("liaison", BRANCH))
    fake_rpc.will_answer("quorum", quorum_reply())
    assert liaison.post(f"/api/v1/organisations/{BRANCH}/quorum", json={"date": "2026-06-06"}).status_code == 200
    assert liaison.post(f"/api/v1/organisations/{BRANCH}/party-probations", json=PROBATION).status_code == 403
    assert liaison.post(f"/api/v1/organisations/{BRANCH}/attendance-exclusions", json=EXCLUSION).status_code == 403
    assert [call[1] for call in fake_rpc.calls] == ["quorum"]


@pytest.mark.parametrize("role", ["security_officer", "member", "auditor"])
def test_who_sees_the_tree_or_their_own_record_does_not_see_who_is_left_out_and_why(access, fake_rpc, role):
    grant = {"security_officer": ("security_officer", BRANCH), "member": ("member", BRANCH), "auditor": "auditor"}[role]
    caller, _ = access.user_client(grant, member_id=MEMBER if role == "member" else None)
    for path in ("quorum", "attendance-exclusions", "party-probations"):
        response = (caller.post(f"/api/v1/organisations/{BRANCH}/quorum", json={"date": "2026-06-06"}) if path == "quorum"
                    else caller.get(f"/api/v1/organisations/{BRANCH}/{path}"))
        assert response.status_code == 403, path
    assert fake_rpc.calls == []
