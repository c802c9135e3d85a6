"""Abuse limits: requests per caller, stricter logins, and a gateway that will not start misconfigured."""
import pytest

from gateway.access import policy
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
    ("LIUDONG_TRUSTED_PROXY_HOPS", "-1"),
    ("LIUDONG_RPC_TIMEOUT", "soon"),
])
def test_the_app_refuses_bad_settings_naming_them(fake_rpc, name, value):
    with pytest.raises(ConfigurationError, match=name):
        create_app({name: value}, rpc=fake_rpc)


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_callers(fake_rpc, access_for):
    app = create_app({"LIUDONG_TRUSTED_PROXY_HOPS": 1, "LIUDONG_RATE_LIMIT": "1/minute"}, rpc=fake_rpc)
    anonymous = app.test_client()

    assert anonymous.get("/api/v1/members", headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 401
    assert anonymous.get("/api/v1/members", headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 401
    assert anonymous.get("/api/v1/members", headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 429
