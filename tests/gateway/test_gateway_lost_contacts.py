"""失联 at the gateway, against a fake roster: what is sent over RPC, who may call which
operation (a decision is a person's act: no API key carries it), and bad input refused
before anything is sent."""
import uuid
from datetime import datetime, timezone

import pytest

from contracts.errors import ErrorCode, ServiceError

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)
REPORT = {"lost_since": "2026-01-01", "search_efforts": [{"on": "2026-01-10", "how": "电话联系本人", "outcome": "停机"}]}


def spell_reply(**fields):
    return {
        "id": str(uuid.uuid4()), "member_id": str(uuid.uuid4()), "organisation_id": str(uuid.uuid4()),
        "lost_since": "2026-01-01", "reported_on": "2026-02-01", "search_efforts": REPORT["search_efforts"],
        "note": None, "reported_at": NOW.isoformat(), "reported_by": "user:x", "restored_on": None,
        "restored_at": None, "restored_by": None, "restoration_note": None, "decisions": [],
        "proposal": {"kind": "suspension", "kind_label": "停止党籍", "due_from": "2026-07-01"},
        "next_proposal": None, **fields,
    }


def test_report_lost_contact_sends_the_efforts(client, fake_rpc, scope):
    member_id = str(uuid.uuid4())
    reply = spell_reply(member_id=member_id)
    fake_rpc.will_answer("report_lost_contact", reply)

    response = client.post(f"/api/v1/members/{member_id}/lost-contact", json=REPORT)

    assert response.status_code == 201 and response.get_json() == reply
    assert fake_rpc.calls == [("roster", "report_lost_contact", (member_id, {**REPORT, "note": None}, scope))]


@pytest.mark.parametrize("body, field", [
    ({"search_efforts": REPORT["search_efforts"]}, "lost_since"),
    ({"lost_since": "2026-01-01"}, "search_efforts"),
    ({"lost_since": "2026-01-01", "search_efforts": []}, "search_efforts"),
    ({"lost_since": "2026-01-01", "search_efforts": [{"on": "2026-01-10", "how": "电话"}]}, "search_efforts"),
    ({**REPORT, "lost_since": "yesterday"}, "lost_since"),
    ({**REPORT, "status": "lost"}, "status"),
])
def test_a_bad_report_is_422_naming_the_field_and_nothing_is_sent(client, fake_rpc, body, field):
    response = client.post(f"/api/v1/members/{uuid.uuid4()}/lost-contact", json=body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["json"] and fake_rpc.calls == []


@pytest.mark.parametrize("body, field", [({}, "kind"), ({"kind": "pardon"}, "kind"),
                                         ({"kind": "removal", "decided_on": "soon"}, "decided_on")])
def test_a_bad_decision_is_422_naming_the_field(access, fake_rpc, body, field):
    client, _ = access.user_client("county_admin")
    response = client.post(f"/api/v1/members/{uuid.uuid4()}/membership-decisions", json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["details"]["json"]
    assert fake_rpc.calls == []


def test_a_decision_not_proposed_is_409_naming_kind(access, fake_rpc):
    client, _ = access.user_client("town_admin")
    fake_rpc.will_answer("decide_membership", ServiceError(ErrorCode.NO_PROPOSAL, "no suspension is proposed",
                                                           {"kind": ["suspension is proposed from 2026-07-01"]}))
    response = client.post(f"/api/v1/members/{uuid.uuid4()}/membership-decisions", json={"kind": "suspension"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "no_proposal" and "kind" in response.get_json()["error"]["details"]


def test_an_api_key_never_decides_and_a_branch_secretary_neither(client, access, fake_rpc):
    assert client.post(f"/api/v1/members/{uuid.uuid4()}/membership-decisions",
                       json={"kind": "suspension"}).status_code in (401, 403)
    secretary, _ = access.user_client("branch_secretary")
    assert secretary.post(f"/api/v1/members/{uuid.uuid4()}/membership-decisions",
                          json={"kind": "suspension"}).status_code == 403
    assert fake_rpc.calls == []


def test_a_member_does_not_report_themself_lost(access, fake_rpc):
    member_id = str(uuid.uuid4())
    client, _ = access.user_client("member", member_id=member_id)
    assert client.post(f"/api/v1/members/{member_id}/lost-contact", json=REPORT).status_code == 403
    assert fake_rpc.calls == []


def test_restoration_and_the_list_pass_through(client, fake_rpc, scope):
    member_id, organisation_id = str(uuid.uuid4()), str(uuid.uuid4())
    fake_rpc.will_answer("restore_contact", spell_reply(member_id=member_id, restored_on="2026-12-01"))
    assert client.post(f"/api/v1/members/{member_id}/lost-contact/restoration", json={}).status_code == 201
    fake_rpc.will_answer("lost_members", {"items": [], "page": 1, "per_page": 20, "total": 0, "as_of": "2026-12-02"})
    response = client.get(f"/api/v1/members/lost-contact?organisation_id={organisation_id}&proposal=suspension")
    assert response.status_code == 200
    assert fake_rpc.calls == [
        ("roster", "restore_contact", (member_id, {"restored_on": None, "note": None}, scope)),
        ("roster", "lost_members", ({"organisation_id": organisation_id, "proposal": "suspension", "page": 1,
                                     "per_page": 20}, scope)),
    ]
