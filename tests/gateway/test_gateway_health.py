"""/readyz pings every service of contracts.platform.SERVICES, at once, within one budget."""
import threading
import time

import pytest
from nameko.exceptions import RemoteError

from contracts import platform
from contracts.platform import ServiceSpec
from gateway.app import create_app
from gateway.rpc import ServiceUnavailable

# The platform's services and one that does not exist yet.
THREE = (*platform.SERVICES, ServiceSpec("registry", contract="contracts.registry"))
NAMES = [spec.name for spec in THREE]


@pytest.fixture
def three_services(monkeypatch):
    monkeypatch.setattr(platform, "SERVICES", THREE)


def answering(fake_rpc, **replies):
    for name in NAMES:
        fake_rpc.will_answer("ping", replies.get(name, {"status": "ok"}), service=name)


def unavailable(service, cause):
    return ServiceUnavailable(service, cause, f"{service}: {cause}")


def checks_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    if status == 200:
        assert body["status"] == "ready"
        return body["checks"]
    assert body["error"]["code"] == "service_unavailable"
    assert set(body["error"]["details"]) == {"checks"}
    return body["error"]["details"]["checks"]


def test_every_declared_service_is_pinged(anonymous, fake_rpc):
    for spec in platform.SERVICES:
        fake_rpc.will_answer("ping", {"status": "ok"}, service=spec.name)

    checks = checks_of(anonymous.get("/readyz"), 200)

    assert checks == {"broker": "ok", **{spec.name: "ok" for spec in platform.SERVICES}}
    assert sorted(fake_rpc.calls) == sorted((spec.name, "ping", ()) for spec in platform.SERVICES)


def test_all_ok_is_ready(three_services, anonymous, fake_rpc):
    answering(fake_rpc)

    assert checks_of(anonymous.get("/readyz"), 200) == {"broker": "ok", "roster": "ok", "education": "ok", "scoring": "ok", "outreach": "ok", "registry": "ok"}
    assert sorted(service for service, method, _ in fake_rpc.calls if method == "ping") == sorted(NAMES)


@pytest.mark.parametrize("failure", [
    unavailable("education", "service_not_running"),
    unavailable("education", "timeout"),
    RemoteError("RuntimeError", "database is locked"),
], ids=["not running", "timeout", "remote error"])
def test_one_service_down_names_it_and_only_it(three_services, anonymous, fake_rpc, failure):
    answering(fake_rpc, education=failure)

    response = anonymous.get("/readyz")

    assert checks_of(response, 503) == {"broker": "ok", "roster": "ok", "education": "down", "scoring": "ok", "outreach": "ok", "registry": "ok"}
    assert "education" in response.get_json()["error"]["message"]


def test_broker_down_makes_every_service_unknown(three_services, anonymous, fake_rpc):
    answering(fake_rpc, **{name: unavailable(name, "broker_unreachable") for name in NAMES})

    response = anonymous.get("/readyz")

    assert checks_of(response, 503) == {"broker": "down", "roster": "unknown", "education": "unknown", "scoring": "unknown", "outreach": "unknown", "registry": "unknown"}
    assert "broker" in response.get_json()["error"]["message"]


def test_the_pings_run_at_once_within_one_budget(three_services, fake_rpc):
    """Three services that each take 0.6 s fit a 1 s budget only if pinged concurrently."""
    running, most = [], [0]
    lock = threading.Lock()

    def slow(*args):
        with lock:
            running.append(1)
            most[0] = max(most[0], len(running))
        time.sleep(0.6)
        with lock:
            running.pop()
        return {"status": "ok"}

    answering(fake_rpc, **{name: slow for name in NAMES})
    client = create_app({"TESTING": True, "LIUDONG_READY_TIMEOUT": 1}, rpc=fake_rpc).test_client()

    started = time.monotonic()
    checks = checks_of(client.get("/readyz"), 200)

    assert time.monotonic() - started < 1.0
    assert most[0] == len(NAMES)
    assert checks == {"broker": "ok", "roster": "ok", "education": "ok", "scoring": "ok", "outreach": "ok", "registry": "ok"}


def test_a_service_that_never_answers_costs_the_budget_not_more(three_services, fake_rpc):
    release = threading.Event()

    def hang(*args):
        release.wait(10)  # a fake ignores its timeout; the gateway must not wait for it
        return {"status": "ok"}

    answering(fake_rpc, registry=hang)
    client = create_app({"TESTING": True, "LIUDONG_READY_TIMEOUT": 0.5}, rpc=fake_rpc).test_client()
    try:
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        release.set()

    assert elapsed < 0.5 + 0.5
    assert checks_of(response, 503) == {"broker": "ok", "roster": "ok", "education": "ok", "scoring": "ok", "outreach": "ok", "registry": "down"}
    assert "registry service did not answer within 0.5 s" in response.get_json()["error"]["message"]


def test_each_ping_gets_what_is_left_of_the_budget(fake_rpc):
    timeouts = []
    original = fake_rpc.call

    def call(service, method, *args, timeout=None):
        timeouts.append(timeout)
        return original(service, method, *args, timeout=timeout)

    fake_rpc.call = call
    for spec in platform.SERVICES:
        fake_rpc.will_answer("ping", {"status": "ok"}, service=spec.name)
    client = create_app({"TESTING": True, "LIUDONG_READY_TIMEOUT": 2}, rpc=fake_rpc).test_client()

    checks_of(client.get("/readyz"), 200)

    assert timeouts and all(0 < timeout <= 2 for timeout in timeouts)

