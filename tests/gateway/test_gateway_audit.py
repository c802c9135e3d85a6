"""The audit record: what is written, that it is never skipped, who reads it, and that it cannot be rewritten."""
import json
import uuid

import psycopg2
import pytest
import sqlalchemy
from alembic.script import ScriptDirectory
from sqlalchemy import text

from contracts import roster
from contracts.access import AUDIT_ONLY_DETAILS
from contracts.errors import ServiceError
from gateway.access import policy, store
from gateway.access.store import MIGRATIONS, AccessStore
from gateway.app import create_app
from persistence.migrations import alembic_config
from tests.support import create_database, drop_database, id_number

BRANCH = str(uuid.uuid4())
ID_NUMBER = id_number("1985-03-02", 1, "620922")
MISSING_ID_NUMBER = id_number("1985-03-02", 2, "620922")
PHONE = "13800000000"
VALID_MEMBER = {
    "name": "张三", "gender": "male", "birth_date": "1985-03-02", "id_number": ID_NUMBER,
    "phone": PHONE, "joined_on": "2010-07-01", "organisation_id": BRANCH,
}


@pytest.fixture
def records(access):
    """All audit records so far, oldest first, as the store holds them."""
    def read(action=None):
        with access.store.connect() as conn:
            items, _ = store.list_audit_records(conn, page=1, per_page=100, action=action)
        return list(reversed(items))
    return read


@pytest.fixture
def secretary(access):
    return access.user_client((policy.BRANCH_SECRETARY, BRANCH))


# ---- personal-data reads -------------------------------------------------------------

def test_a_read_of_unmasked_personal_data_is_audited(secretary, fake_rpc, replies, records):
    client, user = secretary
    member = replies.member(organisation_id=BRANCH)
    fake_rpc.will_answer("get_member", member)

    response = client.get(f"/api/v1/members/{member['id']}", headers={"X-Request-Id": "req-1"})

    assert response.status_code == 200
    (record,) = records("members.read")
    assert record["principal"] == f"user:{user['id']}"
    assert record["resource_type"] == "member" and record["resource_ids"] == [member["id"]]
    assert record["details"] == {"fields": ["id_number", "birth_date", "phone", "contact", "destination_address"]}
    assert record["outcome"] == "succeeded" and record["status"] == 200
    assert record["endpoint"] == "GET /api/v1/members/<uuid:member_id>"
    assert record["request_id"] == "req-1" and record["remote_addr"] == "127.0.0.1"
    assert record["occurred_at"].tzinfo is not None


def test_a_list_read_names_every_member_shown(secretary, fake_rpc, replies, records):
    client, _ = secretary
    items = [replies.member(organisation_id=BRANCH) for _ in range(3)]
    fake_rpc.will_answer("list_members", replies.page(items))

    client.get("/api/v1/members")

    (record,) = records("members.list")
    assert record["resource_ids"] == [item["id"] for item in items]


def test_a_read_with_everything_masked_is_not_a_personal_data_read(access, fake_rpc, replies, records):
    client, _ = access.key_client(scopes=[roster.MEMBERS_READ])
    fake_rpc.will_answer("get_member", replies.member())
    fake_rpc.will_answer("list_members", replies.page([replies.member()]))

    client.get(f"/api/v1/members/{uuid.uuid4()}")
    client.get("/api/v1/members")

    assert records() == []


def test_a_destination_address_is_revealed_and_audited_like_the_phone(access, fake_rpc, replies, records):
    client, _ = access.user_client((policy.LIAISON, BRANCH))
    member = replies.member(organisation_id=BRANCH, status="away",
                            current_departure=replies.departure(destination_address="瓜州县渊泉镇建设路18号"))
    fake_rpc.will_answer("get_member", member)

    assert client.get(f"/api/v1/members/{member['id']}").status_code == 200

    scope = fake_rpc.calls[-1][2][-1]
    assert scope["reveal"] == ["phone", "contact", "destination_address"]
    (record,) = records("members.read")
    assert record["details"] == {"fields": ["phone", "contact", "destination_address"]}


def test_an_empty_page_is_not_audited(secretary, fake_rpc, replies, records):
    client, _ = secretary
    fake_rpc.will_answer("list_members", replies.page([]))
    client.get("/api/v1/members")
    assert records("members.list") == []


# ---- lookups and exports -----------------------------------------------------------------

def test_every_lookup_is_audited_without_the_id_number(secretary, fake_rpc, replies, records):
    client, _ = secretary
    member = replies.member()
    fake_rpc.will_answer("find_member_by_id_number", member)
    client.post("/api/v1/members/lookup", json={"id_number": ID_NUMBER})
    fake_rpc.will_answer("find_member_by_id_number", ServiceError("member_not_found", "no member has this ID number"))
    assert client.post("/api/v1/members/lookup", json={"id_number": MISSING_ID_NUMBER}).status_code == 404

    found, missed = records("members.lookup")
    assert found["resource_ids"] == [member["id"]] and found["outcome"] == "succeeded"
    assert missed["resource_ids"] == [] and missed["outcome"] == "failed" and missed["status"] == 404
    assert missed["details"] == {"error": "member_not_found"}
    assert ID_NUMBER not in json.dumps(found, default=str) and MISSING_ID_NUMBER not in json.dumps(missed, default=str)


def test_every_export_is_audited_with_its_filters_and_row_count(access, fake_rpc, replies, records):
    client, user = access.user_client(policy.COUNTY_ADMIN)
    items = [replies.member() for _ in range(4)]
    fake_rpc.will_answer("export_members", {"items": items, "total": 4})

    assert client.get(f"/api/v1/members/export?organisation_id={BRANCH}&status=away").status_code == 200

    (record,) = records("members.export")
    assert record["details"] == {
        "filters": {"organisation_id": BRANCH, "status": "away"}, "rows": 4, "fields": ["id_number", "birth_date", "phone", "contact", "destination_address"],
    }
    assert record["resource_ids"] == [item["id"] for item in items]


def test_a_refused_export_is_audited(access, fake_rpc, records):
    client, _ = access.user_client(policy.COUNTY_ADMIN)
    fake_rpc.will_answer("export_members", ServiceError("export_too_large", "more than 10000 members match"))

    assert client.get("/api/v1/members/export").status_code == 422

    (record,) = records("members.export")
    assert record["outcome"] == "failed" and record["details"] == {"filters": {}, "error": "export_too_large"}


# ---- writes ------------------------------------------------------------------------------

def test_a_write_is_audited_before_and_after_with_the_resource(secretary, fake_rpc, replies, records):
    client, user = secretary
    member = replies.member(organisation_id=BRANCH)
    fake_rpc.will_answer("register_member", member)

    assert client.post("/api/v1/members", json=VALID_MEMBER).status_code == 201

    attempted, succeeded = records("members.register")
    assert attempted["outcome"] == "attempted" and attempted["resource_ids"] == [] and attempted["status"] is None
    assert succeeded["outcome"] == "succeeded" and succeeded["status"] == 201
    assert succeeded["resource_ids"] == [member["id"]] and succeeded["endpoint"] == "POST /api/v1/members"
    assert attempted["request_id"] == succeeded["request_id"]
    assert ID_NUMBER not in json.dumps(records(), default=str) and PHONE not in json.dumps(records(), default=str)


def test_a_movement_names_the_member_and_the_departure(secretary, fake_rpc, replies, records):
    client, _ = secretary
    member_id = str(uuid.uuid4())
    departure = replies.departure(member_id=member_id)
    fake_rpc.will_answer("report_departure", departure)

    client.post(f"/api/v1/members/{member_id}/departures", json={
        "destination_province": "甘肃省", "destination_city": "酒泉市", "work": "农业", "contact": "13900000000",
    })

    attempted, succeeded = records("members.report_departure")
    assert attempted["resource_ids"] == succeeded["resource_ids"] == [member_id]
    assert succeeded["details"]["result_id"] == departure["id"]


def test_a_refused_write_is_audited_with_its_error(secretary, fake_rpc, records):
    client, _ = secretary
    member_id = str(uuid.uuid4())
    fake_rpc.will_answer("report_return", ServiceError("member_not_found", "no such member"))

    assert client.post(f"/api/v1/members/{member_id}/returns", json={}).status_code == 404

    attempted, failed = records("members.report_return")
    assert failed["outcome"] == "failed" and failed["status"] == 404
    assert failed["details"] == {"error": "member_not_found"} and failed["resource_ids"] == [member_id]


def test_a_duplicate_id_number_is_audited_by_its_index_and_the_client_never_sees_it(secretary, fake_rpc, records):
    """Finding 5 of issue 7: the hit is on the record, by the hash-index value roster computed."""
    client, _ = secretary
    index = "ab" * 32
    fake_rpc.will_answer("register_member", ServiceError(
        "duplicate_id_number", "a member with this ID number is already registered",
        {"id_number": ["already registered"], AUDIT_ONLY_DETAILS: {"id_number_index": index}},
    ))

    response = client.post("/api/v1/members", json=VALID_MEMBER)

    assert response.status_code == 409
    assert response.get_json()["error"]["details"] == {"id_number": ["already registered"]}
    assert index not in response.get_data(as_text=True) and AUDIT_ONLY_DETAILS not in response.get_data(as_text=True)
    attempted, failed = records("members.register")
    assert failed["outcome"] == "failed" and failed["status"] == 409
    assert failed["details"] == {"error": "duplicate_id_number", "id_number_index": index}
    assert ID_NUMBER not in json.dumps([attempted, failed], default=str)


def test_audit_only_details_never_reach_the_client_on_any_route(secretary, fake_rpc):
    client, _ = secretary
    fake_rpc.will_answer("get_member", ServiceError("member_not_found", "no such member",
                                                    {AUDIT_ONLY_DETAILS: {"id_number_index": "cd" * 32}}))

    response = client.get(f"/api/v1/members/{uuid.uuid4()}")

    assert response.status_code == 404 and response.get_json()["error"]["details"] == {}


def test_an_organisation_write_is_audited(access, fake_rpc, replies, records):
    client, _ = access.user_client(policy.COUNTY_ADMIN)
    created = replies.organisation()
    fake_rpc.will_answer("create_organisation", created)

    client.post("/api/v1/organisations", json={"name": "城关镇党委", "kind": "party_committee"})

    assert [r["outcome"] for r in records("organisations.create")] == ["attempted", "succeeded"]
    assert records("organisations.create")[-1]["resource_ids"] == [created["id"]]


# ---- access changes, failed authentication, refusals -----------------------------------------

def test_access_changes_are_audited(access, anonymous, records):
    admin_client, admin = access.user_client(policy.SYSTEM_ADMIN)
    client, officer = access.user_client(policy.SECURITY_OFFICER)
    second, other_officer = access.user_client(policy.SECURITY_OFFICER)

    user = admin_client.post("/api/v1/users", json={"username": "wang.wu", "display_name": "王五"}).get_json()
    anonymous.post("/api/v1/activations", json={"username": "wang.wu", "code": "WRONG", "password": "my own password"})
    anonymous.post("/api/v1/activations", json={"username": "wang.wu", "code": user["activation_code"],
                                                "password": "my own password"})
    granted = client.post("/api/v1/grants", json={"principal": f"user:{user['id']}", "role": policy.COUNTY_ADMIN}).get_json()
    refused = client.post("/api/v1/grants", json={"principal": f"user:{user['id']}", "role": policy.AUDITOR})
    second.post(f"/api/v1/grants/{granted['id']}/approve")
    client.delete(f"/api/v1/grants/{granted['id']}")
    admin_client.patch(f"/api/v1/users/{user['id']}", json={"active": False})
    key = client.post("/api/v1/api-keys", json={"name": "k", "owner": "o", "scopes": [roster.PERSONAL_DATA_READ]}).get_json()
    second.post(f"/api/v1/grants/{key['grant']['id']}/reject")
    client.delete(f"/api/v1/api-keys/{key['id']}")

    assert refused.status_code == 409
    trail = [(r["action"], r["outcome"], r["principal"]) for r in records() if r["action"].startswith("access.")]
    by = {"admin": f"user:{admin['id']}", "officer": f"user:{officer['id']}", "second": f"user:{other_officer['id']}",
          "owner": f"user:{user['id']}"}
    assert trail == [
        ("access.user_created", "succeeded", by["admin"]),
        ("access.activation_failed", "failed", by["owner"]), ("access.user_activated", "succeeded", by["owner"]),
        ("access.grant_created", "succeeded", by["officer"]), ("access.grant_created", "failed", by["officer"]),
        ("access.grant_approved", "succeeded", by["second"]), ("access.grant_revoked", "succeeded", by["officer"]),
        ("access.user_updated", "succeeded", by["admin"]),
        ("access.key_created", "succeeded", by["officer"]), ("access.grant_rejected", "succeeded", by["second"]),
        ("access.key_revoked", "succeeded", by["officer"]),
    ]
    failed = records("access.grant_created")[1]
    assert failed["details"]["error"] == "separation_of_duties" and failed["status"] == 409
    assert records("access.grant_created")[0]["details"]["status"] == "pending"
    assert records("access.activation_failed")[0]["details"] == {"reason": "wrong_code"}
    everything = json.dumps(records(), default=str)
    assert user["activation_code"] not in everything and "my own password" not in everything
    assert key["key"] not in everything


def test_failed_authentications_are_audited(access, anonymous, records):
    key_id, key = access.key()
    user = access.user(policy.LIAISON, username="liaison-1", password="a long enough password")

    anonymous.get("/api/v1/members", headers={"X-API-Key": "garbage"})
    anonymous.get("/api/v1/members", headers={"X-API-Key": key[:-1] + ("1" if key[-1] != "1" else "2")})
    anonymous.post("/api/v1/tokens", json={"username": "liaison-1", "password": "wrong password"})
    anonymous.post("/api/v1/tokens", json={"username": "nobody", "password": "a long enough password"})
    anonymous.get("/api/v1/members")  # no credential at all: not an authentication attempt

    failures = records("authentication.failed")
    assert [(r["principal"], r["details"]["reason"]) for r in failures] == [
        ("anonymous", "malformed"), (f"key:{key_id}", "wrong_secret"),
        (f"user:{user['id']}", "wrong_password"), ("anonymous", "unknown_user"),
    ]
    assert all(r["status"] == 401 and r["outcome"] == "failed" for r in failures)
    assert "wrong password" not in json.dumps(failures, default=str) and "nobody" not in json.dumps(failures, default=str)


def test_refusals_by_role_are_audited(access, records):
    client, user = access.user_client(policy.AUDITOR)
    client.get("/api/v1/members")

    (record,) = records("authorisation.denied")
    assert record["principal"] == f"user:{user['id']}" and record["details"] == {"permission": roster.MEMBERS_READ}


# ---- never skipped ------------------------------------------------------------------------

def test_a_read_whose_audit_cannot_be_written_fails_without_its_data(secretary, fake_rpc, replies, monkeypatch):
    client, _ = secretary
    fake_rpc.will_answer("get_member", replies.member())
    monkeypatch.setattr(store, "insert_audit_record", _broken)

    response = client.get(f"/api/v1/members/{uuid.uuid4()}")

    assert response.status_code == 500 and response.get_json()["error"]["code"] == "internal_error"
    assert ID_NUMBER not in response.get_data(as_text=True)


def test_a_write_whose_audit_cannot_be_written_is_never_sent(secretary, fake_rpc, replies, monkeypatch):
    client, _ = secretary
    fake_rpc.will_answer("register_member", replies.member())
    monkeypatch.setattr(store, "insert_audit_record", _broken)

    assert client.post("/api/v1/members", json=VALID_MEMBER).status_code == 500
    assert fake_rpc.calls == []


def test_a_lookup_whose_audit_cannot_be_written_fails(secretary, fake_rpc, replies, monkeypatch):
    client, _ = secretary
    fake_rpc.will_answer("find_member_by_id_number", replies.member())
    monkeypatch.setattr(store, "insert_audit_record", _broken)

    response = client.post("/api/v1/members/lookup", json={"id_number": ID_NUMBER})
    assert response.status_code == 500 and ID_NUMBER not in response.get_data(as_text=True)


def _broken(conn, record):
    raise sqlalchemy.exc.OperationalError("INSERT INTO audit_records", {}, Exception("disk I/O error"))


# ---- reading the audit ----------------------------------------------------------------------

def test_only_the_auditor_reads_the_audit(access, secretary, fake_rpc, replies):
    client, user = secretary
    member = replies.member()
    fake_rpc.will_answer("get_member", member)
    client.get(f"/api/v1/members/{member['id']}")
    auditor, auditor_user = access.user_client(policy.AUDITOR)

    for role in (policy.COUNTY_ADMIN, policy.SECURITY_OFFICER, policy.BRANCH_SECRETARY, policy.TOWN_ADMIN):
        other, _ = access.user_client(role)
        assert other.get("/api/v1/audit-records").status_code == 403
    response = auditor.get(f"/api/v1/audit-records?action=members.read&principal=user:{user['id']}")

    assert response.status_code == 200
    page = response.get_json()
    assert page["total"] == 1 and page["items"][0]["resource_ids"] == [member["id"]]
    assert set(page["items"][0]) == {
        "id", "occurred_at", "principal", "action", "outcome", "status", "resource_type", "resource_ids",
        "endpoint", "request_id", "remote_addr", "details",
    }
    by_member = auditor.get(f"/api/v1/audit-records?resource_id={member['id']}").get_json()
    assert [item["action"] for item in by_member["items"]] == ["members.read"]
    read_of_audit = auditor.get("/api/v1/audit-records?action=audit.read").get_json()["items"]
    assert read_of_audit and read_of_audit[0]["principal"] == f"user:{auditor_user['id']}"


def test_the_audit_is_paginated_newest_first_and_filtered_by_time(access, fake_rpc, replies):
    auditor, _ = access.user_client(policy.AUDITOR)
    client, _ = access.user_client(policy.AUDITOR)
    for _ in range(5):
        client.get("/api/v1/members")  # five refusals

    page = auditor.get("/api/v1/audit-records?action=authorisation.denied&per_page=2&page=1").get_json()
    assert page["total"] == 5 and len(page["items"]) == 2 and page["items"][0]["id"] > page["items"][1]["id"]
    assert auditor.get("/api/v1/audit-records?per_page=101").status_code == 422
    everything = auditor.get("/api/v1/audit-records?action=authorisation.denied&per_page=100").get_json()["items"]
    middle = everything[2]["occurred_at"]
    since = auditor.get("/api/v1/audit-records", query_string={"action": "authorisation.denied", "since": middle}).get_json()
    assert 3 <= since["total"] <= 5
    until = auditor.get("/api/v1/audit-records", query_string={"action": "authorisation.denied", "until": "2000-01-01T00:00:00+00:00"}).get_json()
    assert until["total"] == 0


# ---- append-only -------------------------------------------------------------------------

def _one_record(engine):
    with engine.begin() as conn:
        store.insert_audit_record(conn, {"principal": "tests", "action": "tests.one", "outcome": "succeeded",
                                         "resource_ids": ["a"], "details": {}})


def test_sqlite_refuses_to_rewrite_the_audit(app):
    engine = app.extensions["liudong.access"].store.engine
    _one_record(engine)

    for statement in ("UPDATE audit_records SET action = 'x'", "DELETE FROM audit_records",
                      "UPDATE audit_resources SET resource_id = 'b'", "DELETE FROM audit_resources"):
        with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))


@pytest.fixture
def postgres_url():
    try:
        url = create_database("liudong_gateway_test")
    except psycopg2.OperationalError as exc:
        pytest.fail(f"this test needs PostgreSQL (LIUDONG_TEST_POSTGRES_URL): {exc}")
    yield url
    drop_database(url)


def test_postgresql_refuses_to_rewrite_the_audit_and_to_delete_grants(postgres_url, access_for, fake_rpc, replies):
    app = create_app({"LIUDONG_GATEWAY_DATABASE_URL": postgres_url}, rpc=fake_rpc)
    engine = app.extensions["liudong.access"].store.engine
    assert engine.dialect.name == "postgresql"
    # The gateway works on it: a read is audited there.
    client, _ = access_for(app).user_client((policy.BRANCH_SECRETARY, BRANCH))
    fake_rpc.will_answer("get_member", replies.member())
    assert client.get(f"/api/v1/members/{uuid.uuid4()}").status_code == 200
    _one_record(engine)

    for statement in (
        "UPDATE audit_records SET action = 'x'", "DELETE FROM audit_records", "TRUNCATE audit_records CASCADE",
        "UPDATE audit_resources SET resource_id = 'b'", "DELETE FROM audit_resources", "DELETE FROM grants",
    ):
        with pytest.raises(sqlalchemy.exc.DatabaseError, match="is refused"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_records")).scalar() == 2
        # Revoking (an UPDATE of grants) is how grants end.
        assert conn.execute(text("UPDATE grants SET revoked_at = now(), revoked_by = 'tests'")).rowcount == 1
    app.extensions["liudong.access"].store.dispose()


def test_migrations_are_safe_to_run_again_and_from_several_stores(tmp_path):
    head = ScriptDirectory.from_config(alembic_config(MIGRATIONS)).get_current_head()
    url = f"sqlite:///{tmp_path}/again.db"
    first, second = AccessStore(url), AccessStore(url)
    first.migrate()
    second.migrate()
    with first.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    first.dispose()
    second.dispose()

