"""组织关系转接 through the real gateway and roster processes: a letter issued and received over HTTP
moves the member to the new branch, with ``member_transfer_started`` and ``member_transferred`` on
``roster.events``; bad input is a 4xx naming the problem and writes nothing."""
import json
import uuid
from datetime import date, timedelta

import pytest

from tests.support import backdate_transfer, created, id_number, scalar, wait_for

_serial = iter(range(300, 999))


@pytest.fixture(scope="module")
def branches(platform):
    def org(name, kind, parent=None):
        return created(platform.post("/api/v1/organisations", {"name": name, "kind": kind,
                                                               "parent_id": parent["id"] if parent else None}))

    county = org("中共高台县委员会", "party_committee")
    town_a, town_b = org("南华镇党委", "party_committee", county), org("巷道镇党委", "party_committee", county)
    return org("南华镇第2村党支部", "branch", town_a), org("巷道镇第2村党支部", "branch", town_b)


def register(platform, branch):
    n = next(_serial)
    return created(platform.post("/api/v1/members", {
        "name": "马永福", "gender": "male", "birth_date": "1978-04-09", "id_number": id_number("1978-04-09", n),
        "phone": f"1390000{n:04d}", "joined_on": "2004-07-01", "organisation_id": branch["id"],
    }))


def test_issue_then_receipt_moves_the_member_with_the_events_on_the_broker(platform, branches, tap):
    home, new = branches
    member = register(platform, home)
    letter = created(platform.post(f"/api/v1/members/{member['id']}/transfers",
                                   {"to_organisation_id": new["id"], "dues_paid_until": "2026-11"}))
    assert letter["state"] == "pending" and letter["from_organisation_id"] == home["id"]
    assert date.fromisoformat(letter["valid_until"]) == date.fromisoformat(letter["issued_on"]) + timedelta(days=30)
    assert platform.get(f"/api/v1/members/{member['id']}").json()["organisation_id"] == home["id"]

    response = platform.post(f"/api/v1/transfers/{letter['id']}/receipt", {})
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "received"
    assert platform.get(f"/api/v1/members/{member['id']}").json()["organisation_id"] == new["id"]
    sent = platform.get("/api/v1/transfers", params={"organisation_id": home["id"], "direction": "sent"}).json()
    received = platform.get("/api/v1/transfers", params={"organisation_id": new["id"], "direction": "received"}).json()
    assert [t["id"] for t in sent["items"]] == [t["id"] for t in received["items"]] == [letter["id"]]

    wait_for(lambda: [e for e in tap.envelopes("member_transferred") if e["data"]["member_id"] == member["id"]],
             message="member_transferred")
    mine = [e for e in tap.envelopes() if e["data"].get("member_id") == member["id"]]
    assert [(e["data"]["status"], e["data"]["cause"]) for e in mine if e["event_type"] == "member_status_changed"] == [
        ("transfer_pending", "member_transfer_started"), ("normal", "member_transferred")]
    mine = [e for e in mine if e["event_type"] != "member_status_changed"]
    assert [e["event_type"] for e in mine] == ["member_registered", "member_transfer_started", "member_transferred"]
    started, transferred = mine[1]["data"], mine[2]["data"]
    assert started["transfer_id"] == transferred["transfer_id"] == letter["id"]
    assert (started["from_organisation_id"], started["to_organisation_id"]) == (home["id"], new["id"])
    assert started["valid_until"] == letter["valid_until"] and started["dues_paid_until"] == "2026-11"
    assert transferred["transferred_out"] is False and transferred["to_organisation_id"] == new["id"]
    assert member["phone"] not in json.dumps(mine, ensure_ascii=False)


def counts(platform):
    return tuple(scalar(platform.database_url, f"SELECT count(*) FROM {table}")
                 for table in ("transfer_letters", "outbox", "members"))


def error_of(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()["error"]


def test_bad_input_is_refused_naming_the_problem_and_writes_nothing(platform, branches):
    home, new = branches
    pending, expiring = register(platform, home), register(platform, home)
    to_new = {"to_organisation_id": new["id"], "dues_paid_until": "2026-11"}
    created(platform.post(f"/api/v1/members/{pending['id']}/transfers", to_new))
    expired = created(platform.post(f"/api/v1/members/{expiring['id']}/transfers", to_new))
    backdate_transfer(platform.database_url, expired["id"], 31)  # valid until yesterday
    before = counts(platform)

    error = error_of(platform.post(f"/api/v1/members/{pending['id']}/transfers", to_new), 409)
    assert error["code"] == "transfer_already_pending" and error["details"]["pending_transfer_id"]
    error = error_of(platform.post(f"/api/v1/members/{uuid.uuid4()}/transfers", to_new), 404)
    assert error["code"] == "member_not_found"
    error = error_of(platform.post(f"/api/v1/transfers/{uuid.uuid4()}/receipt", {}), 404)
    assert error["code"] == "transfer_not_found"
    error = error_of(platform.get(f"/api/v1/transfers/{uuid.uuid4()}"), 404)
    assert error["code"] == "transfer_not_found"
    error = error_of(platform.post(f"/api/v1/transfers/{expired['id']}/receipt", {}), 409)
    assert error["code"] == "transfer_expired" and error["details"]["valid_until"]
    too_long = (date.fromisoformat(expired["issued_on"]) + timedelta(days=93)).isoformat()
    error = error_of(platform.post(f"/api/v1/members/{register(platform, home)['id']}/transfers",
                                   {**to_new, "valid_until": too_long}), 422)
    assert error["code"] == "validation_failed" and "valid_until" in error["details"]
    before = (before[0], before[1] + 1, before[2] + 1)  # the member just registered for that case
    error = error_of(platform.post(f"/api/v1/members/{pending['id']}/transfers", {"dues_paid_until": "2026-11"}), 422)
    assert "to_organisation_id" in error["details"]["json"]

    assert counts(platform) == before
    assert scalar(platform.database_url, "SELECT organisation_id FROM members WHERE id = %s", expiring["id"]) == home["id"]
