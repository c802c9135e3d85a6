"""三员分立 for real: the system administrator makes accounts, the security officer grants roles and
issues keys, the auditor reads the audit record, and no one of them alone reaches personal data.

The fake roster here honours the scope the way the real one does: the ID number comes back in
full only when the scope reveals it, so that "plaintext reached the caller" is observable.
"""
import io
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text, update

from contracts import roster
from contracts.access import mask_id_number
from gateway.access import models, policy, store
from gateway.access.__main__ import main as cli
from tests.support import id_number

ID_NUMBER = id_number("1983-05-07", 401, "620724")
BRANCH = str(uuid.uuid4())
PASSWORD = "the owner's own password"


def error_of(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == code
    return response.get_json()["error"]


@pytest.fixture
def member(fake_rpc, replies):
    """One member on the roll; roster shows the ID number in full only to a scope that reveals it."""
    member = replies.member(id_number=ID_NUMBER, organisation_id=BRANCH)

    def shown(scope):
        return {**member, "id_number": ID_NUMBER if "id_number" in scope["reveal"] else mask_id_number(ID_NUMBER)}

    fake_rpc.will_answer("get_member", lambda member_id, scope: shown(scope))
    fake_rpc.will_answer("list_members", lambda query, scope: replies.page([shown(scope)]))
    fake_rpc.will_answer("get_organisation", lambda organisation_id, scope: replies.organisation(id=organisation_id))
    return member


@pytest.fixture
def officer(access):
    return access.user_client(policy.SECURITY_OFFICER)


@pytest.fixture
def auditor(access):
    return access.user_client(policy.AUDITOR)


def grant(client, principal, role, organisation_id=None):
    return client.post("/api/v1/grants", json={"principal": principal, "role": role, "organisation_id": organisation_id})


def answers(*responses):
    return "".join(response.get_data(as_text=True) for response in responses)


# ---- the issue's acceptance point ------------------------------------------------------------------

def test_the_officer_alone_cannot_obtain_plaintext_personal_data_by_any_route(access, anonymous, officer, auditor, member):
    client, me = officer
    auditor_user = auditor[1]
    colleague = access.user(password=PASSWORD, username="colleague")  # someone's existing account, not the officer's
    colleague_client = access.client(access.bearer(colleague))
    seen = []

    # 1. A key that reads personal data: issued, but refused until a second person approves it ...
    created = client.post("/api/v1/api-keys", json={
        "name": "自建对接", "owner": "安全保密管理员", "scopes": [roster.MEMBERS_READ, roster.PERSONAL_DATA_READ],
    })
    assert created.status_code == 201 and created.get_json()["grant"]["status"] == "pending"
    key = created.get_json()["key"]
    for response in (anonymous.get(f"/api/v1/members/{member['id']}", headers={"X-API-Key": key}),
                     anonymous.get("/api/v1/members", headers={"X-API-Key": key})):
        error_of(response, 401, "unauthenticated")
        seen.append(response)
    # ... and the officer cannot be that second person.
    seen.append(client.post(f"/api/v1/grants/{created.get_json()['grant']['id']}/approve"))
    error_of(seen[-1], 403, "forbidden")
    error_of(anonymous.get(f"/api/v1/members/{member['id']}", headers={"X-API-Key": key}), 401, "unauthenticated")

    # 2. An account of their own making: not their duty; nor can they choose anyone's password.
    seen.append(client.post("/api/v1/users", json={"username": "shadow", "display_name": "影子"}))
    error_of(seen[-1], 403, "forbidden")
    seen.append(client.post(f"/api/v1/users/{colleague['id']}/activation"))
    error_of(seen[-1], 403, "forbidden")

    # 3. county_admin for an existing user: pending, so it gives the user nothing.
    granted = grant(client, f"user:{colleague['id']}", policy.COUNTY_ADMIN)
    assert granted.status_code == 201 and granted.get_json()["status"] == "pending"
    seen.append(colleague_client.get(f"/api/v1/members/{member['id']}"))
    error_of(seen[-1], 403, "forbidden")
    seen.append(client.post(f"/api/v1/grants/{granted.get_json()['id']}/approve"))
    error_of(seen[-1], 403, "forbidden")
    # A key scoped to the member's data through a business role for a key: not a role a key holds.
    error_of(grant(client, f"key:{created.get_json()['id']}", policy.COUNTY_ADMIN), 422, "validation_failed")
    # Nor to themselves.
    error_of(grant(client, f"user:{me['id']}", policy.COUNTY_ADMIN), 403, "forbidden")

    # 4. The auditor who would notice: neither disabled nor stripped of the role.
    seen.append(client.patch(f"/api/v1/users/{auditor_user['id']}", json={"active": False}))
    error_of(seen[-1], 403, "forbidden")
    with access.store.connect() as conn:
        (auditor_grant,) = store.active_grants(conn, "user", auditor_user["id"])
    seen.append(client.delete(f"/api/v1/grants/{auditor_grant['id']}"))
    error_of(seen[-1], 409, "last_auditor")

    # 5. The audit record: not theirs to read.
    seen.append(client.get("/api/v1/audit-records"))
    error_of(seen[-1], 403, "forbidden")

    # 6. Their own token, on the member itself.
    seen.append(client.get(f"/api/v1/members/{member['id']}"))
    error_of(seen[-1], 403, "forbidden")

    assert ID_NUMBER not in answers(*seen)
    # The fake roster was never asked with a scope that reveals the ID number.
    assert all("id_number" not in call[2][-1].get("reveal", ()) for call in access_calls(access))


def access_calls(access):
    rpc = access.app.extensions["liudong.rpc"]
    return [call for call in rpc.calls if call[2] and isinstance(call[2][-1], dict)]


def test_with_a_second_officer_the_same_key_works(access, anonymous, officer, member):
    client, _ = officer
    second, _ = access.user_client(policy.SECURITY_OFFICER)
    created = client.post("/api/v1/api-keys", json={
        "name": "县人社局", "owner": "信息科", "scopes": [roster.MEMBERS_READ, roster.PERSONAL_DATA_READ],
    }).get_json()

    approved = second.post(f"/api/v1/grants/{created['grant']['id']}/approve")

    assert approved.status_code == 200
    assert approved.get_json()["status"] == "approved" and approved.get_json()["decided_by"].startswith("user:")
    shown = anonymous.get(f"/api/v1/members/{member['id']}", headers={"X-API-Key": created["key"]})
    assert shown.status_code == 200 and shown.get_json()["id_number"] == ID_NUMBER
    error_of(second.post(f"/api/v1/grants/{created['grant']['id']}/approve"), 409, "not_pending")


def test_a_rejected_grant_never_counts_and_stays_listed(access, officer, member):
    client, _ = officer
    second, _ = access.user_client(policy.SECURITY_OFFICER)
    user = access.user(password=PASSWORD)
    created = grant(client, f"user:{user['id']}", policy.BRANCH_SECRETARY, BRANCH).get_json()

    assert client.get("/api/v1/grants?status=pending").get_json()["items"][0]["id"] == created["id"]
    rejected = second.post(f"/api/v1/grants/{created['id']}/reject").get_json()

    assert rejected["status"] == "rejected"
    error_of(access.client(access.bearer(user)).get(f"/api/v1/members/{member['id']}"), 403, "forbidden")
    assert client.get("/api/v1/grants?status=pending").get_json()["total"] == 0
    assert client.get(f"/api/v1/grants?principal=user:{user['id']}").get_json()["total"] == 0
    history = client.get(f"/api/v1/grants?principal=user:{user['id']}&include_revoked=true").get_json()["items"]
    assert [(item["id"], item["status"]) for item in history] == [(created["id"], "rejected")]
    # A rejected request can be made again, and then approved.
    again = grant(client, f"user:{user['id']}", policy.BRANCH_SECRETARY, BRANCH)
    assert again.status_code == 201 and again.get_json()["id"] != created["id"]


def test_the_grant_s_own_principal_cannot_approve_it(access, officer, member):
    client, _ = officer
    colleague_client, colleague = access.user_client(policy.SECURITY_OFFICER)
    created = grant(client, f"user:{colleague['id']}", policy.SECURITY_OFFICER, BRANCH).get_json()
    assert created["status"] == "pending"

    error = error_of(colleague_client.post(f"/api/v1/grants/{created['id']}/approve"), 403, "forbidden")
    assert "second person" in error["message"]


@pytest.mark.parametrize(("role", "scopes", "pending"), [
    (policy.COUNTY_ADMIN, None, True),
    (policy.TOWN_ADMIN, None, True),
    (policy.BRANCH_SECRETARY, None, True),   # personal_data:read
    (policy.LIAISON, None, True),            # phone:read
    (policy.SYSTEM_ADMIN, None, True),
    (policy.SECURITY_OFFICER, None, True),
    (policy.AUDITOR, None, True),
    (policy.MEMBER, None, False),            # their own record only
    (policy.SYSTEM_INTEGRATION, [roster.MEMBERS_READ], False),
    (policy.SYSTEM_INTEGRATION, [roster.MEMBERS_READ, roster.PHONE_READ], True),
    (policy.SYSTEM_INTEGRATION, [roster.PERSONAL_DATA_READ], True),
])
def test_what_needs_a_second_person(role, scopes, pending):
    assert policy.needs_approval(role, scopes) is pending


# ---- the three duties -----------------------------------------------------------------------------

def test_the_system_administrator_cannot_grant_roles_nor_issue_keys(access):
    client, _ = access.user_client(policy.SYSTEM_ADMIN)
    user = access.user()

    error_of(grant(client, f"user:{user['id']}", policy.COUNTY_ADMIN), 403, "forbidden")
    error_of(client.post("/api/v1/api-keys", json={"name": "x", "owner": "y", "scopes": [roster.MEMBERS_READ]}), 403, "forbidden")
    error_of(client.get("/api/v1/audit-records"), 403, "forbidden")


@pytest.mark.parametrize(("held", "new"), [
    (policy.SYSTEM_ADMIN, policy.SECURITY_OFFICER),
    (policy.SYSTEM_ADMIN, policy.AUDITOR),
    (policy.SECURITY_OFFICER, policy.SYSTEM_ADMIN),
    (policy.AUDITOR, policy.SYSTEM_ADMIN),
    (policy.SYSTEM_ADMIN, policy.COUNTY_ADMIN),
])
def test_no_one_holds_two_duties(access, officer, held, new):
    client, _ = officer
    user = access.user(held)

    error = error_of(grant(client, f"user:{user['id']}", new), 409, "separation_of_duties")
    assert held in error["details"]["held_roles"]


def test_a_pending_grant_already_counts_against_a_second_duty(access, officer):
    client, _ = officer
    user = access.user()
    assert grant(client, f"user:{user['id']}", policy.SYSTEM_ADMIN).get_json()["status"] == "pending"

    error_of(grant(client, f"user:{user['id']}", policy.AUDITOR), 409, "separation_of_duties")


# ---- activation --------------------------------------------------------------------------------------

@pytest.fixture
def admin(access):
    return access.user_client(policy.SYSTEM_ADMIN)


def new_user(admin, username="zhao.liu"):
    response = admin[0].post("/api/v1/users", json={"username": username, "display_name": "赵六"})
    assert response.status_code == 201
    return response.get_json()


def activate(anonymous, username, code, password=PASSWORD):
    return anonymous.post("/api/v1/activations", json={"username": username, "code": code, "password": password})


def sign_in(anonymous, username, password=PASSWORD):
    return anonymous.post("/api/v1/tokens", json={"username": username, "password": password})


def test_an_account_not_yet_activated_cannot_sign_in(admin, anonymous, access):
    user = new_user(admin)

    error_of(sign_in(anonymous, user["username"], user["activation_code"]), 401, "unauthenticated")
    with access.store.connect() as conn:
        failures = [r for r in store.list_audit_records(conn, page=1, per_page=10, action="authentication.failed")[0]]
    assert failures[0]["details"]["reason"] == "not_activated"


def test_activation_works_once_and_only_once(admin, anonymous):
    user = new_user(admin)

    assert activate(anonymous, user["username"], user["activation_code"]).status_code == 204
    error_of(activate(anonymous, user["username"], user["activation_code"], "somebody else's password"), 401, "unauthenticated")

    assert sign_in(anonymous, user["username"]).status_code == 200
    error_of(sign_in(anonymous, user["username"], "somebody else's password"), 401, "unauthenticated")
    # Once activated, the password is the owner's: no new code replaces it.
    error_of(admin[0].post(f"/api/v1/users/{user['id']}/activation"), 409, "not_pending")


def test_a_wrong_or_expired_code_or_another_user_s_code_is_refused(admin, anonymous, access):
    first, second = new_user(admin, "first.one"), new_user(admin, "second.one")

    error_of(activate(anonymous, "first.one", second["activation_code"]), 401, "unauthenticated")
    error_of(activate(anonymous, "first.one", "A" * 32), 401, "unauthenticated")
    error_of(activate(anonymous, "nobody.here", first["activation_code"]), 401, "unauthenticated")
    with access.store.begin() as conn:
        conn.execute(update(models.activations).where(models.activations.c.user_id == first["id"])
                     .values(expires_at=store.now() - timedelta(seconds=1)))
    error_of(activate(anonymous, "first.one", first["activation_code"]), 401, "unauthenticated")
    # The administrator issues a new code; the old one stays dead.
    renewed = admin[0].post(f"/api/v1/users/{first['id']}/activation")
    assert renewed.status_code == 201 and renewed.get_json()["activation_code"] != first["activation_code"]
    assert activate(anonymous, "first.one", renewed.get_json()["activation_code"]).status_code == 204


def test_a_new_code_kills_the_one_before(admin, anonymous):
    user = new_user(admin)
    renewed = admin[0].post(f"/api/v1/users/{user['id']}/activation").get_json()

    error_of(activate(anonymous, user["username"], user["activation_code"]), 401, "unauthenticated")
    assert activate(anonymous, user["username"], renewed["activation_code"]).status_code == 204


def test_a_disabled_account_cannot_be_activated(admin, anonymous):
    user = new_user(admin)
    admin[0].patch(f"/api/v1/users/{user['id']}", json={"active": False})

    error_of(activate(anonymous, user["username"], user["activation_code"]), 401, "unauthenticated")


def test_activation_is_rate_limited_per_address(fake_rpc, monkeypatch):
    from gateway.app import create_app

    monkeypatch.setenv("LIUDONG_TOKEN_RATE_LIMIT", "2/minute")
    app = create_app({"TESTING": True}, rpc=fake_rpc)
    anonymous = app.test_client()
    statuses = [activate(anonymous, "nobody.here", "A" * 32).status_code for _ in range(3)]

    assert statuses == [401, 401, 429]


def test_a_short_password_is_refused_at_activation(admin, anonymous):
    user = new_user(admin)

    error = error_of(activate(anonymous, user["username"], user["activation_code"], "short"), 422, "validation_failed")
    assert "password" in error["details"]["json"]


# ---- the last auditor and what the auditor sees ---------------------------------------------------

def test_the_last_auditor_cannot_be_removed(access, admin, officer):
    only_auditor = access.user(policy.AUDITOR)
    with access.store.connect() as conn:
        (auditor_grant,) = store.active_grants(conn, "user", only_auditor["id"])

    error = error_of(admin[0].patch(f"/api/v1/users/{only_auditor['id']}", json={"active": False}), 409, "last_auditor")
    assert "auditor" in error["message"]
    error_of(officer[0].delete(f"/api/v1/grants/{auditor_grant['id']}"), 409, "last_auditor")

    # With a second auditor, either may go.
    access.user(policy.AUDITOR)
    assert admin[0].patch(f"/api/v1/users/{only_auditor['id']}", json={"active": False}).status_code == 200


def test_the_cli_keeps_the_last_auditor_too(app, capsys):
    out = io.StringIO()
    cli(["create-user", "--username", "only.auditor", "--role", policy.AUDITOR], out=out)
    code = out.getvalue().strip().splitlines()[-1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        cli(["activate", "--username", "only.auditor", "--code", code], out=io.StringIO())

    with pytest.raises(SystemExit) as exited:
        cli(["disable-user", "--username", "only.auditor"])
    assert exited.value.code == 2 and "last_auditor" in capsys.readouterr().err


def test_the_auditor_sees_every_access_change(access, anonymous, admin, officer, auditor):
    second, _ = access.user_client(policy.SECURITY_OFFICER)
    user = new_user(admin)
    activate(anonymous, user["username"], "not the code")
    activate(anonymous, user["username"], user["activation_code"])
    asked = grant(officer[0], f"user:{user['id']}", policy.COUNTY_ADMIN).get_json()
    officer[0].post(f"/api/v1/grants/{asked['id']}/approve")  # refused: their own request
    second.post(f"/api/v1/grants/{asked['id']}/approve")
    officer[0].delete(f"/api/v1/grants/{asked['id']}")
    admin[0].post(f"/api/v1/users/{new_user(admin, 'late.one')['id']}/activation")
    admin[0].patch(f"/api/v1/users/{user['id']}", json={"active": False})

    listed = auditor[0].get("/api/v1/audit-records?per_page=100")

    assert listed.status_code == 200
    actions = [(r["action"], r["outcome"]) for r in reversed(listed.get_json()["items"]) if r["action"].startswith("access.")]
    assert actions == [
        ("access.user_created", "succeeded"), ("access.activation_failed", "failed"),
        ("access.user_activated", "succeeded"), ("access.grant_created", "succeeded"),
        ("access.grant_approved", "failed"), ("access.grant_approved", "succeeded"),
        ("access.grant_revoked", "succeeded"), ("access.user_created", "succeeded"),
        ("access.activation_issued", "succeeded"), ("access.user_updated", "succeeded"),
    ]
    assert user["activation_code"] not in json.dumps(listed.get_json())


# ---- the migration ----------------------------------------------------------------------------------

def test_existing_users_and_grants_stay_effective_after_the_migration(tmp_path):
    from persistence.engine import make_engine
    from persistence.migrations import upgrade_to_head

    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    upgrade_to_head(engine, store.MIGRATIONS, revision="0001")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (id, username, display_name, password_hash, active, created_at, created_by, updated_at, updated_by) "
            "VALUES ('u1', 'old.hand', 'old', 'x', 1, '2026-01-01 00:00:00', 't', '2026-01-01 00:00:00', 't')"
        ))
        conn.execute(text(
            "INSERT INTO grants (id, user_id, role, granted_at, granted_by) VALUES ('g1', 'u1', 'auditor', '2026-01-01 00:00:00', 't')"
        ))
    upgrade_to_head(engine, store.MIGRATIONS)
    with engine.connect() as conn:
        assert [g["id"] for g in store.active_grants(conn, "user", "u1")] == ["g1"]
        assert store.get_user(conn, "u1")["activated_at"] is not None
        assert store.active_auditors(conn) == {"u1"}
    engine.dispose()
