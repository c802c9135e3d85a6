"""Access management by security officers, and the command line that bootstraps it."""
import io
import uuid

import pytest

from contracts import roster
from contracts.errors import ServiceError
from gateway.access import policy, store
from gateway.access.__main__ import main as cli

TOWN, BRANCH, OTHER_TOWN = (str(uuid.uuid4()) for _ in range(3))


def error_of(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code
    return error


@pytest.fixture
def officer(access):
    """A platform-wide security officer: (client, user)."""
    return access.user_client(policy.SECURITY_OFFICER)


@pytest.fixture
def town_officer(access, fake_rpc, replies):
    """A security officer of TOWN, whose subtree holds TOWN and BRANCH according to roster."""
    inside = {TOWN, BRANCH}

    def get_organisation(organisation_id, scope):
        if organisation_id not in inside or scope["organisation_ids"] != [TOWN]:
            raise ServiceError("organisation_not_found", "no such organisation")
        return replies.organisation(id=organisation_id)

    def subtree(organisation_id, scope):
        branch = replies.tree(replies.organisation(id=BRANCH, parent_id=TOWN, depth=1))
        return replies.tree(replies.organisation(id=TOWN), [branch])

    fake_rpc.will_answer("get_organisation", get_organisation)
    fake_rpc.will_answer("get_organisation_subtree", subtree)
    return access.user_client((policy.SECURITY_OFFICER, TOWN))


def grant(client, principal, role, organisation_id=None):
    return client.post("/api/v1/grants", json={"principal": principal, "role": role, "organisation_id": organisation_id})


@pytest.fixture
def admin(access):
    """A platform-wide system administrator (系统管理员): (client, user)."""
    return access.user_client(policy.SYSTEM_ADMIN)


def approve(access, grant_id):
    """A second, platform-wide security officer approves a pending grant."""
    client, _ = access.user_client(policy.SECURITY_OFFICER)
    response = client.post(f"/api/v1/grants/{grant_id}/approve")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# ---- users ----------------------------------------------------------------------------

def test_a_system_administrator_creates_a_user_who_activates_with_a_one_time_code(admin, anonymous):
    client, _ = admin

    response = client.post("/api/v1/users", json={"username": "zhang.san", "display_name": "张三"})

    assert response.status_code == 201
    user = response.get_json()
    assert user["username"] == "zhang.san" and user["active"] is True and user["principal"] == f"user:{user['id']}"
    assert user["activated_at"] is None and "password" not in user
    assert len(user["activation_code"].replace("-", "")) == 32 and user["activation_expires_at"]
    assert anonymous.post("/api/v1/activations", json={
        "username": "zhang.san", "code": user["activation_code"].lower(), "password": "zhang's own password",
    }).status_code == 204
    login = anonymous.post("/api/v1/tokens", json={"username": "zhang.san", "password": "zhang's own password"})
    assert login.status_code == 200
    # Never again: neither the list nor the user carries the code, a password or its hash.
    listed = client.get("/api/v1/users?username=zhang.san").get_json()["items"]
    assert listed and all(not {"password", "password_hash", "activation_code"} & set(item) for item in listed)
    assert listed[0]["activated_at"] is not None


def test_nobody_but_the_owner_chooses_the_password(admin):
    client, _ = admin

    error = error_of(client.post("/api/v1/users", json={
        "username": "li.si", "display_name": "李四", "password": "a long enough password",
    }), 422, "validation_failed")
    assert "password" in error["details"]["json"]


def test_a_taken_username_is_422(admin):
    client, _ = admin
    client.post("/api/v1/users", json={"username": "wang.wu", "display_name": "王五"})

    error = error_of(client.post("/api/v1/users", json={"username": "wang.wu", "display_name": "王五"}), 422, "validation_failed")
    assert "username" in error["details"]["json"]


def test_disabling_a_user_ends_their_tokens(admin, access, fake_rpc, replies):
    client, _ = admin
    admin_client, county_admin = access.user_client(policy.COUNTY_ADMIN)
    fake_rpc.will_answer("list_organisations", replies.page([]))
    assert admin_client.get("/api/v1/organisations").status_code == 200

    response = client.patch(f"/api/v1/users/{county_admin['id']}", json={"active": False})

    assert response.status_code == 200 and response.get_json()["active"] is False
    assert admin_client.get("/api/v1/organisations").status_code == 401
    assert client.patch(f"/api/v1/users/{county_admin['id']}", json={"active": True}).get_json()["active"] is True
    # Re-enabled, the user signs in again: a token from before the disabling stays ended.
    assert admin_client.get("/api/v1/organisations").status_code == 401
    assert access.client(access.bearer(county_admin)).get("/api/v1/organisations").status_code == 200


def test_nobody_changes_their_own_access(officer, admin):
    client, me = officer
    error_of(grant(client, f"user:{me['id']}", policy.SECURITY_OFFICER, TOWN), 403, "forbidden")
    client, me = admin
    error_of(client.patch(f"/api/v1/users/{me['id']}", json={"active": False}), 403, "forbidden")


def test_only_the_security_officer_manages_grants_and_keys(access):
    for role in (policy.COUNTY_ADMIN, policy.AUDITOR, policy.BRANCH_SECRETARY, policy.SYSTEM_ADMIN):
        client, _ = access.user_client(role)
        error_of(client.post("/api/v1/grants", json={}), 403, "forbidden")
        error_of(client.get("/api/v1/api-keys"), 403, "forbidden")


def test_only_the_system_administrator_manages_accounts(access):
    for role in (policy.COUNTY_ADMIN, policy.AUDITOR, policy.SECURITY_OFFICER):
        client, _ = access.user_client(role)
        error_of(client.post("/api/v1/users", json={"username": "x.y.z", "display_name": "x"}), 403, "forbidden")
        error_of(client.patch(f"/api/v1/users/{uuid.uuid4()}", json={"active": False}), 403, "forbidden")
    # The officer sees the users to grant them roles; the auditor and the county administrator do not.
    assert access.user_client(policy.SECURITY_OFFICER)[0].get("/api/v1/users").status_code == 200
    error_of(access.user_client(policy.AUDITOR)[0].get("/api/v1/users"), 403, "forbidden")


# ---- API keys --------------------------------------------------------------------------

def test_an_officer_creates_a_key_shown_once_lists_it_without_secret_and_revokes_it(officer, anonymous, fake_rpc, replies):
    client, _ = officer
    fake_rpc.will_answer("list_members", replies.page([]))

    response = client.post("/api/v1/api-keys", json={
        "name": "县人社局对接", "owner": "县人社局 信息科", "scopes": [roster.MEMBERS_READ],
    })

    assert response.status_code == 201
    created = response.get_json()
    assert created["key"].startswith(f"ld_{created['id']}_") and created["prefix"] == f"ld_{created['id']}_"
    assert created["grant"]["role"] == policy.SYSTEM_INTEGRATION and created["grant"]["organisation_id"] is None
    assert anonymous.get("/api/v1/members", headers={"X-API-Key": created["key"]}).status_code == 200

    listed = client.get("/api/v1/api-keys").get_json()["items"]
    assert [item["id"] for item in listed] == [created["id"]]
    assert "key" not in listed[0] and "secret_hash" not in listed[0] and listed[0]["last_used_at"]

    revoked = client.delete(f"/api/v1/api-keys/{created['id']}")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert anonymous.get("/api/v1/members", headers={"X-API-Key": created["key"]}).status_code == 401
    assert client.get("/api/v1/api-keys").get_json()["items"] == []
    assert client.get("/api/v1/api-keys?include_revoked=true").get_json()["total"] == 1


def test_a_key_cannot_hold_more_than_system_integration_allows(officer):
    client, _ = officer

    error = error_of(client.post("/api/v1/api-keys", json={
        "name": "x", "owner": "y", "scopes": [policy.ACCESS_MANAGE],
    }), 422, "validation_failed")
    assert "scopes" in error["details"]["json"]


def test_a_key_is_issued_with_its_own_rate_limit_shown_when_listed(officer, access):
    client, _ = officer
    body = {"name": "镇返乡同步", "owner": "镇人社所", "scopes": [roster.MEMBERS_READ]}

    town_system = client.post("/api/v1/api-keys", json={**body, "rate_limit": "20/second;1200/minute"})
    plain = client.post("/api/v1/api-keys", json=body)

    assert town_system.status_code == 201 and town_system.get_json()["rate_limit"] == "20/second;1200/minute"
    assert plain.status_code == 201 and plain.get_json()["rate_limit"] is None
    listed = {item["id"]: item["rate_limit"] for item in client.get("/api/v1/api-keys").get_json()["items"]}
    assert listed == {town_system.get_json()["id"]: "20/second;1200/minute", plain.get_json()["id"]: None}
    with access.store.connect() as conn:
        records, _ = store.list_audit_records(conn, page=1, per_page=10, action="access.key_created")
    assert sorted(str(r["details"]["rate_limit"]) for r in records) == ["20/second;1200/minute", "None"]


@pytest.mark.parametrize("rate_limit", ["lots", "0/minute", "1200 per fortnight", ""])
def test_a_key_rate_limit_must_be_one(officer, rate_limit):
    client, _ = officer
    error = error_of(client.post("/api/v1/api-keys", json={
        "name": "x", "owner": "y", "scopes": [roster.MEMBERS_READ], "rate_limit": rate_limit,
    }), 422, "validation_failed")
    assert "rate_limit" in error["details"]["json"]


# ---- grants: the rules -------------------------------------------------------------------

@pytest.mark.parametrize(("held", "new"), [
    (policy.COUNTY_ADMIN, policy.AUDITOR),
    (policy.BRANCH_SECRETARY, policy.SECURITY_OFFICER),
    (policy.AUDITOR, policy.SECURITY_OFFICER),
    (policy.SECURITY_OFFICER, policy.LIAISON),
])
def test_separation_of_duties_is_409(officer, access, held, new):
    client, _ = officer
    user = access.user((held, TOWN) if held != policy.AUDITOR else held)

    error = error_of(grant(client, f"user:{user['id']}", new, None if new == policy.AUDITOR else TOWN), 409, "separation_of_duties")
    assert error["details"]["role"] == new and held in error["details"]["held_roles"]


def test_roles_of_the_same_duty_may_be_held_together(officer, access):
    client, _ = officer
    user = access.user((policy.TOWN_ADMIN, TOWN))

    assert grant(client, f"user:{user['id']}", policy.BRANCH_SECRETARY, BRANCH).status_code == 201


@pytest.mark.parametrize(("kind", "role"), [("user", policy.SYSTEM_INTEGRATION), ("key", policy.COUNTY_ADMIN)])
def test_a_role_must_fit_the_principal(officer, access, kind, role):
    client, _ = officer
    principal = f"user:{access.user()['id']}" if kind == "user" else f"key:{access.key()[0]}"

    error = error_of(grant(client, principal, role, TOWN), 422, "validation_failed")
    assert "role" in error["details"]["json"]


def test_the_member_role_needs_a_member_and_is_filed_under_their_branch(officer, access, fake_rpc, replies):
    client, _ = officer
    not_a_member = access.user()
    error_of(grant(client, f"user:{not_a_member['id']}", policy.MEMBER), 422, "validation_failed")

    member_id = str(uuid.uuid4())
    fake_rpc.will_answer("get_member", replies.member(id=member_id, organisation_id=BRANCH))
    member = access.user(member_id=member_id)

    response = grant(client, f"user:{member['id']}", policy.MEMBER)

    assert response.status_code == 201
    assert response.get_json()["organisation_id"] == BRANCH
    assert fake_rpc.calls[-1][1:] == ("get_member", (member_id, fake_rpc.calls[-1][2][-1]))


def test_the_auditor_role_is_platform_wide(officer, access):
    client, _ = officer
    user = access.user()

    error = error_of(grant(client, f"user:{user['id']}", policy.AUDITOR, TOWN), 422, "validation_failed")
    assert "organisation_id" in error["details"]["json"]
    assert grant(client, f"user:{user['id']}", policy.AUDITOR).status_code == 201


def test_an_unknown_principal_is_422(officer):
    client, _ = officer
    error_of(grant(client, f"user:{uuid.uuid4()}", policy.LIAISON, TOWN), 422, "unknown_reference")


def test_an_identical_grant_is_answered_not_doubled(officer, access):
    client, _ = officer
    user = access.user()

    first = grant(client, f"user:{user['id']}", policy.LIAISON, BRANCH)
    again = grant(client, f"user:{user['id']}", policy.LIAISON, BRANCH)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert client.get(f"/api/v1/grants?principal=user:{user['id']}").get_json()["total"] == 1


def test_a_grant_gives_access_once_approved_and_its_revocation_takes_it_away(officer, access, fake_rpc, replies):
    client, _ = officer
    user_client, user = access.user_client()
    fake_rpc.will_answer("list_members", replies.page([]))
    assert user_client.get("/api/v1/members").status_code == 403

    created = grant(client, f"user:{user['id']}", policy.LIAISON, BRANCH).get_json()
    assert created["role_label"] == "联络员" and created["granted_by"].startswith("user:")
    assert created["status"] == "pending"  # the liaison sees phone numbers in full
    assert user_client.get("/api/v1/members").status_code == 403
    assert approve(access, created["id"])["status"] == "approved"
    assert user_client.get("/api/v1/members").status_code == 200
    assert fake_rpc.calls[-1][2][-1]["organisation_ids"] == [BRANCH]

    revoked = client.delete(f"/api/v1/grants/{created['id']}")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert user_client.get("/api/v1/members").status_code == 401  # the token issued under the grant has ended
    assert access.client(access.bearer(user)).get("/api/v1/members").status_code == 403
    history = client.get(f"/api/v1/grants?principal=user:{user['id']}&include_revoked=true").get_json()["items"]
    assert [item["id"] for item in history] == [created["id"]]


# ---- grants: only within the officer's own subtree -------------------------------------------

def test_an_officer_grants_within_their_subtree(town_officer, access, fake_rpc):
    client, officer_user = town_officer
    user = access.user()

    response = grant(client, f"user:{user['id']}", policy.BRANCH_SECRETARY, BRANCH)

    assert response.status_code == 201
    service, method, args = fake_rpc.calls[-1]
    assert method == "get_organisation" and args[0] == BRANCH
    assert args[1] == {"organisation_ids": [TOWN], "member_id": None, "reveal": [], "principal": f"user:{officer_user['id']}"}


def test_a_grant_outside_the_officers_subtree_is_refused(town_officer, access):
    client, _ = town_officer
    user = access.user()

    error = error_of(grant(client, f"user:{user['id']}", policy.BRANCH_SECRETARY, OTHER_TOWN), 422, "unknown_reference")
    assert error["details"] == {"organisation_id": OTHER_TOWN}
    error_of(grant(client, f"user:{user['id']}", policy.COUNTY_ADMIN, None), 403, "forbidden")
    error_of(client.post("/api/v1/api-keys", json={"name": "x", "owner": "y", "scopes": [roster.MEMBERS_READ]}), 403, "forbidden")
    # An API key, whatever its scopes, is no credential for access management.
    error_of(access.key_client()[0].get("/api/v1/users"), 401, "unauthenticated")
    with access.store.connect() as conn:
        assert store.active_grants(conn, "user", user["id"]) == []


def test_an_officer_cannot_touch_a_principal_with_grants_outside_their_subtree(town_officer, access):
    client, _ = town_officer
    elsewhere = access.user((policy.BRANCH_SECRETARY, OTHER_TOWN))
    mine = access.user((policy.BRANCH_SECRETARY, BRANCH))

    error_of(grant(client, f"user:{elsewhere['id']}", policy.LIAISON, BRANCH), 404, "not_found")
    assert grant(client, f"user:{mine['id']}", policy.LIAISON, BRANCH).status_code == 201

    users = {item["id"] for item in client.get("/api/v1/users").get_json()["items"]}
    assert mine["id"] in users and elsewhere["id"] not in users
    grants = client.get("/api/v1/grants").get_json()["items"]
    assert {item["organisation_id"] for item in grants} <= {TOWN, BRANCH}


def test_an_officer_creates_keys_within_their_subtree(town_officer, anonymous, fake_rpc, replies):
    client, _ = town_officer

    created = client.post("/api/v1/api-keys", json={
        "name": "镇便民服务中心", "owner": "镇党委", "scopes": [roster.MEMBERS_READ], "organisation_id": BRANCH,
    })

    assert created.status_code == 201
    assert created.get_json()["grant"]["organisation_id"] == BRANCH
    error_of(client.post("/api/v1/api-keys", json={
        "name": "x", "owner": "y", "scopes": [roster.MEMBERS_READ], "organisation_id": OTHER_TOWN,
    }), 422, "unknown_reference")


def test_a_town_system_administrator_disables_only_users_of_the_town(town_officer, access):
    # town_officer's fixture teaches the fake roster the town; the administrator's grant is on the town too.
    client, _ = access.user_client((policy.SYSTEM_ADMIN, TOWN))
    elsewhere = access.user((policy.BRANCH_SECRETARY, OTHER_TOWN))
    mine = access.user((policy.BRANCH_SECRETARY, BRANCH))

    error_of(client.patch(f"/api/v1/users/{elsewhere['id']}", json={"active": False}), 404, "not_found")
    assert client.patch(f"/api/v1/users/{mine['id']}", json={"active": False}).status_code == 200
    users = {item["id"] for item in client.get("/api/v1/users").get_json()["items"]}
    assert mine["id"] in users and elsewhere["id"] not in users


# ---- the command line ---------------------------------------------------------------------

def run_cli(*args):
    out = io.StringIO()
    assert cli(list(args), out=out) == 0
    return out.getvalue()


def cli_user(username, role, *more, password="the owner's own password"):
    """Create a user with the command line and activate it as its owner would; answers the password."""
    code = run_cli("create-user", "--username", username, "--role", role, *more).strip().splitlines()[-1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(password + "\n"))
        run_cli("activate", "--username", username, "--code", code)
    return password


def test_the_cli_bootstraps_an_officer_who_sets_their_own_password(app, anonymous):
    printed = run_cli("create-user", "--username", "first.officer", "--role", policy.SECURITY_OFFICER)

    code = printed.strip().splitlines()[-1]
    assert "shown once" in printed and "activation code" in printed
    assert anonymous.post("/api/v1/tokens", json={"username": "first.officer", "password": code}).status_code == 401
    assert anonymous.post("/api/v1/activations", json={
        "username": "first.officer", "code": code, "password": "the officer's own",
    }).status_code == 204
    token = anonymous.post("/api/v1/tokens", json={"username": "first.officer", "password": "the officer's own"}).get_json()["access_token"]
    assert anonymous.get("/api/v1/grants", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_cli_activates_with_the_password_on_standard_input(app, anonymous):
    password = cli_user("first.admin", policy.SYSTEM_ADMIN)

    assert anonymous.post("/api/v1/tokens", json={"username": "first.admin", "password": password}).status_code == 200


def test_the_cli_makes_and_revokes_keys(app, anonymous, fake_rpc, replies):
    fake_rpc.will_answer("list_members", replies.page([]))
    printed = run_cli("create-key", "--name", "县人社局", "--owner", "信息科", "--scopes", "members:read,phone:read",
                      "--organisation-id", TOWN)

    key = printed.strip().splitlines()[-1]
    assert anonymous.get("/api/v1/members", headers={"X-API-Key": key}).status_code == 200
    assert fake_rpc.calls[-1][2][-1]["organisation_ids"] == [TOWN]
    assert fake_rpc.calls[-1][2][-1]["reveal"] == ["phone", "contact", "destination_address"]

    run_cli("revoke-key", "--key-id", key.split("_")[1])
    assert anonymous.get("/api/v1/members", headers={"X-API-Key": key}).status_code == 401


def test_the_cli_issues_a_key_with_its_own_rate_limit(app, access, capsys):
    printed = run_cli("create-key", "--name", "镇返乡同步", "--owner", "镇人社所", "--scopes", "members:read",
                      "--rate-limit", "1200/minute")

    key_id = printed.strip().splitlines()[-1].split("_")[1]
    assert "limited to 1200/minute" in printed
    with access.store.connect() as conn:
        assert store.get_api_key(conn, key_id)["rate_limit"] == "1200/minute"
    with pytest.raises(SystemExit):
        cli(["create-key", "--name", "x", "--owner", "y", "--scopes", "members:read", "--rate-limit", "lots"])
    assert "rate limit such as" in capsys.readouterr().err


def test_the_cli_keeps_the_rules(app, capsys):
    run_cli("create-user", "--username", "admin.one", "--role", policy.COUNTY_ADMIN)

    with pytest.raises(SystemExit) as exited:
        cli(["grant", "--username", "admin.one", "--role", policy.AUDITOR])
    assert exited.value.code == 2
    assert "separation_of_duties" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli(["create-user", "--username", "member.one", "--role", policy.MEMBER])
    with pytest.raises(SystemExit):
        cli(["create-key", "--name", "x", "--owner", "y", "--scopes", "access:manage"])
    # A refused command leaves nothing behind.
    with app.extensions["liudong.access"].store.connect() as conn:
        assert store.get_user_by_username(conn, "member.one") is None


def test_the_cli_disables_users(app, anonymous):
    password = cli_user("leaving", policy.LIAISON, "--organisation-id", BRANCH)
    assert anonymous.post("/api/v1/tokens", json={"username": "leaving", "password": password}).status_code == 200
    run_cli("disable-user", "--username", "leaving")

    assert anonymous.post("/api/v1/tokens", json={"username": "leaving", "password": password}).status_code == 401
