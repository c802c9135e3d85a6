"""Abuse limits: requests per caller, stricter logins, and a gateway that will not start misconfigured."""
import pytest

from gateway.access import policy, store
from gateway.app import ConfigurationError, create_app


@pytest.fixture
def limited(fake_rpc, replies, access_for):
    """An app allowing 3 requests a minute per caller and 2 logins a minute per address."""
    app = create_app({"LIUDONG_RATE_LIMIT": "3/minute", "LIUDONG_TOKEN_RATE_LIMIT": "2/minute"}, rpc=fake_rpc)
    fake_rpc.will_answer("list_organisations", replies.page([]))
    return app, access_for(app)


def rate_limited(response):
    assert response.status_code == 429, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert "3 per 1 minute" in error["message"] or "2 per 1 minute" in error["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    return error


def test_a_caller_over_the_limit_gets_429_with_retry_after(limited, fake_rpc):
    app, access = limited
    client, _ = access.key_client()

    answers = [client.get("/api/v1/organisations") for _ in range(3)]

    assert [r.status_code for r in answers] == [200, 200, 200]
    assert "Retry-After" not in answers[0].headers
    assert answers[0].headers["X-RateLimit-Limit"] == "3"
    rate_limited(client.get("/api/v1/organisations"))
    assert len(fake_rpc.calls) == 3


def test_the_limit_is_per_caller(limited):
    app, access = limited
    busy, _ = access.key_client()
    for _ in range(3):
        busy.get("/api/v1/organisations")
    rate_limited(busy.get("/api/v1/organisations"))

    other_key, _ = access.key_client()
    person, _ = access.user_client(policy.COUNTY_ADMIN)
    assert other_key.get("/api/v1/organisations").status_code == 200
    assert person.get("/api/v1/organisations").status_code == 200


def test_unauthenticated_requests_are_limited_per_address_failed_credentials_included(limited):
    app, access = limited
    stranger = app.test_client()

    answers = [stranger.get("/api/v1/members", headers={"X-API-Key": f"ld_0123456789ab_{i:064x}"}) for i in range(3)]

    assert [r.status_code for r in answers] == [401, 401, 401]
    rate_limited(stranger.get("/api/v1/members", headers={"X-API-Key": "ld_0123456789ab_" + "f" * 64}))


def test_logins_are_limited_more_strictly_per_address(limited):
    app, access = limited
    access.user(policy.LIAISON, username="liaison-1", password="a long enough password")
    anonymous = app.test_client()
    login = {"username": "liaison-1", "password": "a long enough password"}

    assert anonymous.post("/api/v1/tokens", json={**login, "password": "guess one"}).status_code == 401
    assert anonymous.post("/api/v1/tokens", json={**login, "password": "guess two"}).status_code == 401
    rate_limited(anonymous.post("/api/v1/tokens", json=login))


# ---- sign-in per account -----------------------------------------------------------------

@pytest.fixture
def sign_in_app(fake_rpc, access_for):
    """Addresses may try often; each username may be refused twice a minute."""
    app = create_app({"LIUDONG_TOKEN_RATE_LIMIT": "100/minute", "LIUDONG_SIGN_IN_ACCOUNT_RATE_LIMIT": "2/minute"},
                     rpc=fake_rpc)
    access = access_for(app)
    access.user(policy.LIAISON, username="liaison-1", password="a long enough password")
    return app, access


def from_address(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def throttled(response):
    assert response.status_code == 429, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    return response.get_json()["error"]


def test_refused_sign_ins_are_limited_per_account_whatever_the_address(sign_in_app):
    app, access = sign_in_app
    login = {"username": "liaison-1", "password": "a long enough password"}

    guesses = [from_address(app, f"10.0.0.{i}").post("/api/v1/tokens", json={**login, "password": f"guess {i}"})
               for i in range(2)]

    assert [r.status_code for r in guesses] == [401, 401]
    throttled(from_address(app, "10.0.0.9").post("/api/v1/tokens", json=login))  # the right password too
    assert from_address(app, "10.0.0.9").post("/api/v1/tokens", json={**login, "username": "someone-else"}).status_code == 401
    with access.store.connect() as conn:
        records, _ = store.list_audit_records(conn, page=1, per_page=10, action="authentication.throttled")
    assert [(r["outcome"], r["status"], r["details"]["counted_per"]) for r in records] == [("denied", 429, "account")]
    assert "liaison-1" not in str(records) and "guess" not in str(records)


def test_an_unknown_username_is_throttled_alike(sign_in_app):
    app, _ = sign_in_app
    answers = {}
    for username in ("liaison-1", "nobody-at-all"):
        for i in range(2):
            from_address(app, f"10.0.1.{i}").post("/api/v1/tokens", json={"username": username, "password": "a guess"})
        answers[username] = from_address(app, "10.0.1.9").post("/api/v1/tokens", json={"username": username, "password": "a guess"})

    known, unknown = (throttled(answers[name]) for name in ("liaison-1", "nobody-at-all"))
    assert known == unknown
    # The two windows opened a moment apart: their Retry-After may straddle a second (59 and 60), no more.
    waits = [int(answers[name].headers["Retry-After"]) for name in ("liaison-1", "nobody-at-all")]
    assert abs(waits[0] - waits[1]) <= 1, waits


def test_successful_sign_ins_are_not_counted_against_the_account(sign_in_app):
    app, _ = sign_in_app
    login = {"username": "liaison-1", "password": "a long enough password"}
    assert [app.test_client().post("/api/v1/tokens", json=login).status_code for _ in range(4)] == [200] * 4


# ---- each API key's own limit -------------------------------------------------------------

@pytest.fixture
def keyed_limits(fake_rpc, replies, access_for):
    """The platform allows 5 requests a minute per caller; keys may be issued with their own limit."""
    app = create_app({"LIUDONG_RATE_LIMIT": "5/minute"}, rpc=fake_rpc)
    fake_rpc.will_answer("list_organisations", replies.page([]))
    return app, access_for(app)


def key_with_limit(access, rate_limit):
    key_id, key = access.key(rate_limit=rate_limit)
    return access.client({"X-API-Key": key})


def test_a_key_issued_with_a_high_limit_syncs_a_wave_while_a_person_keeps_the_default(keyed_limits):
    """Issue 7: a 200-member wave through one key had 98 returns refused under a per-caller 300 a minute."""
    app, access = keyed_limits
    town_system = key_with_limit(access, "1200/minute")
    person, _ = access.user_client(policy.COUNTY_ADMIN)

    wave = [town_system.get("/api/v1/organisations").status_code for _ in range(210)]

    assert wave == [200] * 210
    assert town_system.get("/api/v1/organisations").headers["X-RateLimit-Limit"] == "1200"
    assert [person.get("/api/v1/organisations").status_code for _ in range(5)] == [200] * 5
    assert person.get("/api/v1/organisations").status_code == 429


def test_a_key_issued_with_a_low_limit_gets_429_at_it(keyed_limits):
    app, access = keyed_limits
    careful = key_with_limit(access, "2/minute")
    plain = key_with_limit(access, None)

    assert [careful.get("/api/v1/organisations").status_code for _ in range(2)] == [200, 200]
    response = careful.get("/api/v1/organisations")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert [plain.get("/api/v1/organisations").status_code for _ in range(5)] == [200] * 5


def test_probes_are_never_limited(limited):
    app, access = limited
    anonymous = app.test_client()

    assert all(anonymous.get("/healthz").status_code == 200 for _ in range(10))


def test_pages_are_capped_at_100_everywhere(access, client):
    officer, _ = access.user_client(policy.SECURITY_OFFICER)
    auditor, _ = access.user_client(policy.AUDITOR)
    for requester, url in ((client, "/api/v1/members"), (client, "/api/v1/organisations"), (officer, "/api/v1/users"),
                           (officer, "/api/v1/grants"), (officer, "/api/v1/api-keys"), (auditor, "/api/v1/audit-records")):
        response = requester.get(f"{url}?per_page=101")
        assert response.status_code == 422, url
        assert "per_page" in response.get_json()["error"]["details"]["query"]


# ---- configuration ------------------------------------------------------------------------

def test_the_app_refuses_to_start_without_a_token_secret(monkeypatch, fake_rpc):
    monkeypatch.delenv("LIUDONG_TOKEN_SECRET")

    with pytest.raises(ConfigurationError, match="LIUDONG_TOKEN_SECRET is not set"):
        create_app(rpc=fake_rpc)


def test_the_app_refuses_a_short_token_secret(fake_rpc):
    with pytest.raises(ConfigurationError, match="at least 32"):
        create_app({"LIUDONG_TOKEN_SECRET": "too-short"}, rpc=fake_rpc)


@pytest.mark.parametrize(("name", "value"), [
    ("LIUDONG_RATE_LIMIT", "lots"),
    ("LIUDONG_TOKEN_RATE_LIMIT", "10 per fortnight"),
    ("LIUDONG_TOKEN_TTL", "an hour"),
    ("LIUDONG_TOKEN_TTL", "0"),
    ("LIUDONG_SIGN_IN_ACCOUNT_RATE_LIMIT", "often"),
    ("LIUDONG_TRUSTED_PROXY_HOPS", "-1"),
    ("LIUDONG_RPC_TIMEOUT", "soon"),
])
def test_the_app_refuses_bad_settings_naming_them(fake_rpc, name, value):
    with pytest.raises(ConfigurationError, match=name):
        create_app({name: value}, rpc=fake_rpc)


def test_the_token_lifetime_has_an_upper_bound(fake_rpc):
    with pytest.raises(ConfigurationError, match=r"LIUDONG_TOKEN_TTL is 43201 seconds; it may be at most 43200"):
        create_app({"LIUDONG_TOKEN_TTL": "43201"}, rpc=fake_rpc)
    assert create_app({"LIUDONG_TOKEN_TTL": "43200"}, rpc=fake_rpc).config["LIUDONG_TOKEN_TTL"] == 43200


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_callers(fake_rpc, access_for):
    app = create_app({"LIUDONG_TRUSTED_PROXY_HOPS": 1, "LIUDONG_RATE_LIMIT": "1/minute"}, rpc=fake_rpc)
    anonymous = app.test_client()

    assert anonymous.get("/api/v1/members", headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 401
    assert anonymous.get("/api/v1/members", headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 401
    assert anonymous.get("/api/v1/members", headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 429
