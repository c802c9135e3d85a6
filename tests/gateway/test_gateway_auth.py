"""Authentication (401), authorisation (403) and the scope each caller's RPCs carry."""
import uuid
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from contracts import roster
from gateway.access import credentials, policy, store
from gateway.app import create_app
from tests.support import id_number

ID_NUMBER = id_number("1985-03-02", 1, "620922")

ALL = ["id_number", "birth_date", "phone", "contact", "destination_address"]
PHONE = ["phone", "contact", "destination_address"]
TOWN, BRANCH, OTHER_BRANCH = (str(uuid.uuid4()) for _ in range(3))
VALID_MEMBER = {
    "name": "张三", "gender": "male", "birth_date": "1985-03-02", "id_number": ID_NUMBER,
    "phone": "13800000000", "joined_on": "2010-07-01", "organisation_id": BRANCH,
}


def unauthenticated(response):
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "unauthenticated" and error["message"] and error["details"] == {}
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    return error


def forbidden(response):
    assert response.status_code == 403, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "forbidden"
    return error


# ---- 401 ---------------------------------------------------------------------------

def test_no_credential_is_401_naming_both_schemes(anonymous, fake_rpc):
    response = anonymous.get("/api/v1/members")

    error = unauthenticated(response)
    assert "X-API-Key" in error["message"] and "Bearer" in error["message"]
    assert 'ApiKey realm="liudong"' in response.headers["WWW-Authenticate"]
    assert fake_rpc.calls == []


def test_authentication_comes_before_validation(anonymous, fake_rpc):
    unauthenticated(anonymous.post("/api/v1/members", json={"name": ""}))
    unauthenticated(anonymous.get("/api/v1/members?per_page=1000"))
    assert fake_rpc.calls == []


@pytest.mark.parametrize("key", [
    pytest.param("garbage", id="garbage"),
    pytest.param("ld_0123456789ab_" + "0" * 63, id="short secret"),
    pytest.param("ld_0123456789ab_" + "0" * 64, id="unknown key id"),
    pytest.param("", id="empty"),
])
def test_a_key_that_is_not_a_key_of_ours_is_401(anonymous, fake_rpc, key):
    unauthenticated(anonymous.get("/api/v1/organisations", headers={"X-API-Key": key}))
    assert fake_rpc.calls == []


def test_a_known_key_id_with_the_wrong_secret_is_401(access, anonymous, fake_rpc):
    key_id, key = access.key()
    wrong = key[:-4] + ("0000" if not key.endswith("0000") else "1111")

    unauthenticated(anonymous.get("/api/v1/organisations", headers={"X-API-Key": wrong}))
    assert fake_rpc.calls == []


def test_a_revoked_key_is_401(access, anonymous, fake_rpc, replies):
    key_id, key = access.key()
    fake_rpc.will_answer("list_organisations", replies.page([]))
    assert anonymous.get("/api/v1/organisations", headers={"X-API-Key": key}).status_code == 200

    with access.store.begin() as conn:
        store.revoke_api_key(conn, key_id, "tests")

    unauthenticated(anonymous.get("/api/v1/organisations", headers={"X-API-Key": key}))
    assert len(fake_rpc.calls) == 1


def test_an_expired_token_is_401_saying_so(access, anonymous, fake_rpc):
    user = access.user(policy.COUNTY_ADMIN)
    token = access.token(user, ttl=60, now=datetime.now(timezone.utc) - timedelta(hours=2))

    response = anonymous.get("/api/v1/members", headers={"Authorization": f"Bearer {token}"})

    error = unauthenticated(response)
    assert "expired" in error["message"]
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert fake_rpc.calls == []


def test_a_token_with_a_bad_signature_is_401(access, anonymous, fake_rpc):
    user = access.user(policy.COUNTY_ADMIN)
    forged = access.token(user, secret="another-secret-of-at-least-thirty-two-characters")

    unauthenticated(anonymous.get("/api/v1/members", headers={"Authorization": f"Bearer {forged}"}))
    header, payload, signature = access.token(user).split(".")
    tampered = ".".join((header, payload, signature[::-1]))
    unauthenticated(anonymous.get("/api/v1/members", headers={"Authorization": f"Bearer {tampered}"}))
    assert fake_rpc.calls == []


@pytest.mark.parametrize("authorization", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer not.a.jwt"])
def test_a_malformed_authorization_header_is_401(anonymous, fake_rpc, authorization):
    unauthenticated(anonymous.get("/api/v1/members", headers={"Authorization": authorization}))
    assert fake_rpc.calls == []


def test_a_disabled_user_is_401_at_once_with_a_token_still_valid(access, fake_rpc, replies):
    client, user = access.user_client(policy.COUNTY_ADMIN)
    fake_rpc.will_answer("list_organisations", replies.page([]))
    assert client.get("/api/v1/organisations").status_code == 200

    with access.store.begin() as conn:
        store.update_user(conn, user["id"], "tests", active=False)

    error = unauthenticated(client.get("/api/v1/organisations"))
    assert "disabled" in error["message"]


def test_a_token_for_a_user_that_does_not_exist_is_401(access, anonymous):
    ghost = {"id": str(uuid.uuid4())}
    unauthenticated(anonymous.get("/api/v1/members", headers=access.bearer(ghost)))


def test_two_credentials_at_once_are_401(access, anonymous, system_key):
    user = access.user(policy.COUNTY_ADMIN)
    unauthenticated(anonymous.get("/api/v1/members", headers={"X-API-Key": system_key[1], **access.bearer(user)}))


def test_open_endpoints_need_no_credential(anonymous, fake_rpc):
    fake_rpc.will_answer("ping", {"status": "ok"})
    assert anonymous.get("/healthz").status_code == 200
    assert anonymous.get("/readyz").status_code == 200
    assert anonymous.get("/api/v1/openapi.json").status_code == 200
    assert anonymous.get("/api/v1/docs").status_code == 200


def test_open_endpoints_ignore_a_bad_credential(anonymous):
    assert anonymous.get("/healthz", headers={"X-API-Key": "garbage"}).status_code == 200


def test_unknown_addresses_stay_404_without_credentials(anonymous):
    assert anonymous.get("/api/v1/nothing-here").status_code == 404
    assert anonymous.get("/api/v1/members/not-a-uuid").status_code == 404


# ---- tokens --------------------------------------------------------------------------

def test_a_person_logs_in_and_uses_the_token(access, anonymous, fake_rpc, replies, app):
    user = access.user(policy.COUNTY_ADMIN, username="county-admin", password="a long enough password")
    fake_rpc.will_answer("list_organisations", replies.page([]))

    response = anonymous.post("/api/v1/tokens", json={"username": "county-admin", "password": "a long enough password"})

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    listed = anonymous.get("/api/v1/organisations", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert listed.status_code == 200
    assert fake_rpc.calls[0][2][-1]["principal"] == f"user:{user['id']}"


def test_the_token_lifetime_comes_from_the_configuration(fake_rpc, monkeypatch, access_for):
    monkeypatch.setenv("LIUDONG_TOKEN_TTL", "120")
    app = create_app(rpc=fake_rpc)

    access_for(app).user(policy.LIAISON, username="liaison-1", password="a long enough password")
    response = app.test_client().post("/api/v1/tokens", json={"username": "liaison-1", "password": "a long enough password"})

    assert response.get_json()["expires_in"] == 120


@pytest.mark.parametrize(("username", "password"), [
    ("county-admin", "the wrong password"),
    ("nobody-at-all", "a long enough password"),
])
def test_a_wrong_username_or_password_is_401_without_saying_which(access, anonymous, username, password):
    access.user(policy.COUNTY_ADMIN, username="county-admin", password="a long enough password")

    error = unauthenticated(anonymous.post("/api/v1/tokens", json={"username": username, "password": password}))
    assert error["message"] == "the username and password were not accepted"


def test_a_disabled_user_cannot_log_in(access, anonymous):
    user = access.user(policy.COUNTY_ADMIN, username="gone", password="a long enough password")
    with access.store.begin() as conn:
        store.update_user(conn, user["id"], "tests", active=False)

    unauthenticated(anonymous.post("/api/v1/tokens", json={"username": "gone", "password": "a long enough password"}))


def test_a_person_changes_their_own_password(access, anonymous):
    client, user = access.user_client(username="new.person", password="the initial password")
    login = {"username": "new.person", "password": "the initial password"}

    wrong = client.put("/api/v1/users/me/password", json={"current_password": "a guess", "new_password": "my own password now"})
    assert forbidden(wrong)["details"] == {"field": "current_password"}
    response = client.put("/api/v1/users/me/password", json={"current_password": "the initial password", "new_password": "my own password now"})

    assert response.status_code == 204
    assert anonymous.post("/api/v1/tokens", json=login).status_code == 401
    assert anonymous.post("/api/v1/tokens", json={**login, "password": "my own password now"}).status_code == 200


def audited(access, action):
    with access.store.connect() as conn:
        items, _ = store.list_audit_records(conn, page=1, per_page=100, action=action)
    return items


def sign_in(anonymous, username, password):
    response = anonymous.post("/api/v1/tokens", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_a_password_change_ends_every_earlier_token_and_a_new_one_works(access, anonymous, fake_rpc, replies):
    """Issue 7, finding 6: a token issued before the change still worked after it."""
    access.user(policy.COUNTY_ADMIN, username="county-admin", password="the initial password")
    fake_rpc.will_answer("list_organisations", replies.page([]))
    office, phone = (sign_in(anonymous, "county-admin", "the initial password") for _ in range(2))
    assert anonymous.get("/api/v1/organisations", headers=phone).status_code == 200

    changed = anonymous.put("/api/v1/users/me/password", headers=office,
                            json={"current_password": "the initial password", "new_password": "my own password now"})

    assert changed.status_code == 204
    for earlier in (office, phone):
        error = unauthenticated(anonymous.get("/api/v1/organisations", headers=earlier))
        assert "ended" in error["message"]
    fresh = sign_in(anonymous, "county-admin", "my own password now")
    assert anonymous.get("/api/v1/organisations", headers=fresh).status_code == 200
    assert audited(access, "authentication.failed")[0]["details"]["reason"] == "token_ended"


def test_a_wrong_current_password_ends_no_token(access):
    client, _ = access.user_client(password="the initial password")
    client.put("/api/v1/users/me/password", json={"current_password": "a guess", "new_password": "my own password now"})
    assert client.put("/api/v1/users/me/password", json={
        "current_password": "the initial password", "new_password": "my own password now",
    }).status_code == 204


def test_log_out_ends_the_persons_tokens_and_is_audited(access, anonymous, fake_rpc, replies):
    user = access.user(policy.COUNTY_ADMIN, username="county-admin", password="a long enough password")
    fake_rpc.will_answer("list_organisations", replies.page([]))
    office, phone = (sign_in(anonymous, "county-admin", "a long enough password") for _ in range(2))

    response = anonymous.post("/api/v1/tokens/revoke", headers=office)

    assert response.status_code == 204
    for earlier in (office, phone):
        unauthenticated(anonymous.get("/api/v1/organisations", headers=earlier))
    unauthenticated(anonymous.post("/api/v1/tokens/revoke", headers=office))
    (record,) = audited(access, "access.tokens_revoked")
    assert record["principal"] == f"user:{user['id']}" and record["resource_ids"] == [user["id"]]
    assert record["outcome"] == "succeeded" and record["status"] == 204
    fresh = sign_in(anonymous, "county-admin", "a long enough password")
    assert anonymous.get("/api/v1/organisations", headers=fresh).status_code == 200


def test_log_out_ends_only_the_callers_tokens(access, anonymous, fake_rpc, replies):
    leaving, _ = access.user_client(policy.COUNTY_ADMIN)
    staying, _ = access.user_client(policy.COUNTY_ADMIN)
    fake_rpc.will_answer("list_organisations", replies.page([]))

    assert leaving.post("/api/v1/tokens/revoke").status_code == 204

    assert staying.get("/api/v1/organisations").status_code == 200


def test_log_out_takes_a_persons_token_not_an_api_key(client, anonymous):
    unauthenticated(client.post("/api/v1/tokens/revoke"))
    unauthenticated(anonymous.post("/api/v1/tokens/revoke"))


def test_a_token_without_a_generation_is_401(app, access, anonymous):
    """Tokens signed before generations existed (or made by hand) carry none."""
    user = access.user(policy.COUNTY_ADMIN)
    now = datetime.now(timezone.utc)
    claims = {"sub": user["id"], "iat": int(now.timestamp()), "exp": int((now + timedelta(hours=1)).timestamp()),
              "iss": credentials.TOKEN_ISSUER}
    token = jwt.encode(claims, app.config["LIUDONG_TOKEN_SECRET"], algorithm="HS256")
    unauthenticated(anonymous.get("/api/v1/members", headers={"Authorization": f"Bearer {token}"}))


def test_a_new_password_is_long_enough_and_a_key_has_none(access, client):
    person, _ = access.user_client(password="the initial password")
    short = person.put("/api/v1/users/me/password", json={"current_password": "the initial password", "new_password": "short"})
    assert short.status_code == 422 and "new_password" in short.get_json()["error"]["details"]["json"]
    response = client.put("/api/v1/users/me/password", json={"current_password": "x", "new_password": "long enough password"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_login_body_is_validated(anonymous):
    response = anonymous.post("/api/v1/tokens", json={"username": "x"})
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["details"]["json"]


# ---- 403 -----------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "method", "url"), [
    (policy.AUDITOR, "get", "/api/v1/members"),
    (policy.AUDITOR, "get", "/api/v1/organisations"),
    (policy.SECURITY_OFFICER, "get", "/api/v1/members"),
    (policy.SECURITY_OFFICER, "post", "/api/v1/organisations"),
    (policy.LIAISON, "post", "/api/v1/members"),
    (policy.LIAISON, "get", "/api/v1/members/export"),
    (policy.BRANCH_SECRETARY, "get", "/api/v1/members/export"),
    (policy.TOWN_ADMIN, "post", f"/api/v1/members/{uuid.uuid4()}/departures"),
    (policy.COUNTY_ADMIN, "get", "/api/v1/audit-records"),
    (policy.COUNTY_ADMIN, "get", "/api/v1/users"),
])
def test_a_role_without_the_permission_is_403_and_nothing_is_sent(access, fake_rpc, role, method, url):
    client, _ = access.user_client(role)

    error = forbidden(getattr(client, method)(url, json={} if method == "post" else None))
    assert error["details"]["permission"]
    assert fake_rpc.calls == []


def test_a_user_with_no_grant_is_403(access, fake_rpc):
    client, _ = access.user_client()
    forbidden(client.get("/api/v1/organisations"))


def test_a_key_is_limited_by_its_scopes(access, fake_rpc, replies):
    client, key_id = access.key_client(scopes=[roster.MEMBERS_READ])
    fake_rpc.will_answer("list_members", replies.page([]))

    assert client.get("/api/v1/members").status_code == 200
    forbidden(client.post("/api/v1/members", json=VALID_MEMBER))
    forbidden(client.get("/api/v1/organisations"))
    forbidden(client.get("/api/v1/members/export"))
    assert [call[1] for call in fake_rpc.calls] == ["list_members"]


def test_a_key_never_manages_access_or_reads_the_audit_whatever_its_scopes(client):
    # Those operations take a person's token only (BearerAuth in the OpenAPI
    # document): for them a key is no credential, so 401, not 403.
    for path in ("/api/v1/users", "/api/v1/audit-records"):
        response = client.get(path)
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthenticated"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_grant_stops_counting_at_once_and_ends_earlier_tokens(access, fake_rpc, replies):
    client, user = access.user_client((policy.BRANCH_SECRETARY, BRANCH), (policy.LIAISON, OTHER_BRANCH))
    fake_rpc.will_answer("list_members", replies.page([]))
    assert client.get("/api/v1/members").status_code == 200

    with access.store.begin() as conn:
        grant = next(g for g in store.active_grants(conn, "user", user["id"]) if g["role"] == policy.BRANCH_SECRETARY)
        store.revoke_grant(conn, grant["id"], "tests")

    error = unauthenticated(client.get("/api/v1/members"))
    assert "ended" in error["message"]
    signed_in_again = access.client(access.bearer(user))
    assert signed_in_again.get("/api/v1/members").status_code == 200
    assert fake_rpc.calls[-1][2][-1]["organisation_ids"] == [OTHER_BRANCH]


# ---- the scope handed to roster --------------------------------------------------------

MEMBER_ID = str(uuid.uuid4())


@pytest.mark.parametrize(("grants", "member_id", "organisation_ids", "reveal"), [
    pytest.param([policy.COUNTY_ADMIN], None, None, ALL, id="county admin, platform-wide"),
    pytest.param([(policy.COUNTY_ADMIN, TOWN)], None, [TOWN], ALL, id="county admin on a subtree"),
    pytest.param([(policy.TOWN_ADMIN, TOWN)], None, [TOWN], PHONE, id="town admin: phones only"),
    pytest.param([(policy.BRANCH_SECRETARY, BRANCH)], None, [BRANCH], ALL, id="branch secretary"),
    pytest.param([(policy.LIAISON, BRANCH)], None, [BRANCH], PHONE, id="liaison"),
    pytest.param([policy.MEMBER], MEMBER_ID, [], ALL, id="member: own record only"),
    pytest.param(
        [(policy.BRANCH_SECRETARY, OTHER_BRANCH), (policy.BRANCH_SECRETARY, BRANCH)], None,
        sorted([BRANCH, OTHER_BRANCH]), ALL, id="two branches",
    ),
    pytest.param(
        [(policy.BRANCH_SECRETARY, BRANCH), (policy.LIAISON, OTHER_BRANCH)], None,
        sorted([BRANCH, OTHER_BRANCH]), PHONE, id="grants differ: the least revealing",
    ),
    pytest.param([(policy.LIAISON, BRANCH), policy.MEMBER], MEMBER_ID, [BRANCH], PHONE, id="liaison who is a member"),
    pytest.param([(policy.TOWN_ADMIN, TOWN), policy.COUNTY_ADMIN], None, None, PHONE, id="one platform-wide grant"),
])
def test_each_role_hands_roster_its_subtrees_reveal_and_member(access, fake_rpc, replies, grants, member_id, organisation_ids, reveal):
    client, user = access.user_client(*grants, member_id=member_id)
    fake_rpc.will_answer("list_members", replies.page([]))

    assert client.get("/api/v1/members").status_code == 200

    (call,) = fake_rpc.calls
    assert call[2][-1] == {
        "organisation_ids": organisation_ids, "member_id": member_id, "reveal": reveal, "principal": f"user:{user['id']}",
    }


def test_the_scope_counts_only_the_grants_that_allow_the_action(access, fake_rpc, replies):
    # A town admin of TOWN who is also branch secretary of OTHER_BRANCH writes only there:
    # the town grant does not allow members:write, so it neither widens nor masks the write.
    client, user = access.user_client((policy.TOWN_ADMIN, TOWN), (policy.BRANCH_SECRETARY, OTHER_BRANCH))
    fake_rpc.will_answer("register_member", replies.member(organisation_id=OTHER_BRANCH))

    assert client.post("/api/v1/members", json={**VALID_MEMBER, "organisation_id": OTHER_BRANCH}).status_code == 201

    assert fake_rpc.calls[0][2][-1] == {
        "organisation_ids": [OTHER_BRANCH], "member_id": None, "reveal": ALL, "principal": f"user:{user['id']}",
    }


@pytest.mark.parametrize(("scopes", "reveal"), [
    ([roster.MEMBERS_READ], []),
    ([roster.MEMBERS_READ, roster.PHONE_READ], PHONE),
    ([roster.MEMBERS_READ, roster.PERSONAL_DATA_READ], ALL),
])
def test_a_key_hands_roster_its_organisation_and_what_its_scopes_reveal(access, fake_rpc, replies, scopes, reveal):
    client, key_id = access.key_client(scopes=scopes, organisation_id=TOWN)
    fake_rpc.will_answer("get_member", replies.member())

    assert client.get(f"/api/v1/members/{uuid.uuid4()}").status_code == 200

    assert fake_rpc.calls[0][2][-1] == {
        "organisation_ids": [TOWN], "member_id": None, "reveal": reveal, "principal": f"key:{key_id}",
    }


def test_every_roster_call_carries_the_scope_last(access, fake_rpc, replies):
    client, user = access.user_client((policy.BRANCH_SECRETARY, BRANCH))
    member_id = str(uuid.uuid4())
    fake_rpc.will_answer("get_organisation", replies.organisation())
    fake_rpc.will_answer("get_organisation_subtree", replies.tree(replies.organisation()))
    fake_rpc.will_answer("list_organisations", replies.page([]))
    fake_rpc.will_answer("get_member", replies.member())
    fake_rpc.will_answer("list_members", replies.page([]))
    fake_rpc.will_answer("register_member", replies.member())
    fake_rpc.will_answer("report_departure", replies.departure())
    fake_rpc.will_answer("report_return", replies.departure())
    fake_rpc.will_answer("find_member_by_id_number", replies.member())

    for response in (
        client.get(f"/api/v1/organisations/{BRANCH}"),
        client.get(f"/api/v1/organisations/{BRANCH}/subtree"),
        client.get("/api/v1/organisations"),
        client.get(f"/api/v1/members/{member_id}"),
        client.get("/api/v1/members"),
        client.post("/api/v1/members", json=VALID_MEMBER),
        client.post(f"/api/v1/members/{member_id}/departures", json={
            "destination_province": "甘肃省", "destination_city": "酒泉市", "work": "农业", "contact": "13900000000"}),
        client.post(f"/api/v1/members/{member_id}/returns", json={}),
        client.post("/api/v1/members/lookup", json={"id_number": ID_NUMBER}),
    ):
        assert response.status_code in (200, 201), response.get_data(as_text=True)

    expected = {"organisation_ids": [BRANCH], "member_id": None, "reveal": ALL, "principal": f"user:{user['id']}"}
    assert len(fake_rpc.calls) == 9
    assert all(call[2][-1] == expected for call in fake_rpc.calls)


def test_every_response_carries_a_request_id_and_api_answers_are_not_cached(client, fake_rpc, replies):
    fake_rpc.will_answer("list_members", replies.page([]))

    response = client.get("/api/v1/members", headers={"X-Request-Id": "county-system-42"})

    assert response.headers["X-Request-Id"] == "county-system-42"
    assert response.headers["Cache-Control"] == "no-store"
    generated = client.get("/api/v1/members", headers={"X-Request-Id": "not ok; <script>"}).headers["X-Request-Id"]
    assert len(generated) == 22
