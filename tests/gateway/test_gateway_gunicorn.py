"""The documented command serves the gateway: gunicorn -c gateway/gunicorn.conf.py 'gateway.app:create_app()'."""
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from gateway.access import management, policy
from gateway.access.authorisation import KEY
from gateway.access.store import AccessStore
from gateway.logs import ID_NUMBER, PHONE
from tests.support import id_number as valid_id_number

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path}/gateway.db"


@pytest.fixture
def api_key(database_url):
    """A platform-wide key made before the gateway starts (as the CLI would), in its database."""
    store = AccessStore(database_url)
    store.migrate()
    with store.begin() as conn:
        key, plaintext = management.create_api_key(
            conn, name="tests", owner="tests", scopes=sorted(policy.ROLE_PERMISSIONS[policy.SYSTEM_INTEGRATION]), actor="tests",
        )
        management.create_grant(conn, kind=KEY, principal_id=key["id"], role=policy.SYSTEM_INTEGRATION, organisation_id=None, actor="tests")
    store.dispose()
    return plaintext


@pytest.fixture
def gunicorn(unused_port, dead_port, poll, tmp_path, database_url):
    env = {
        **os.environ,
        "LIUDONG_GATEWAY_BIND": f"127.0.0.1:{unused_port}",
        "LIUDONG_GATEWAY_WORKERS": "1",
        "LIUDONG_GATEWAY_THREADS": "2",
        # No broker: readiness must then fail fast, as JSON.
        "LIUDONG_AMQP_URI": f"amqp://guest:guest@127.0.0.1:{dead_port}/",
        "LIUDONG_GATEWAY_DATABASE_URL": database_url,
    }
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "gateway/gunicorn.conf.py", "gateway.app:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{unused_port}"

        def up():
            assert process.poll() is None, log_path.read_text()
            try:
                return requests.get(f"{base}/healthz", timeout=1).status_code == 200
            except (requests.ConnectionError, requests.Timeout):  # the worker may still be booting
                return False

        try:
            poll(up, 20, "gunicorn to serve /healthz")
            yield process, base, log_path
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.mark.e2e
def test_gunicorn_serves_probes_and_the_openapi_document(gunicorn):
    process, base, log_path = gunicorn

    assert requests.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
    document = requests.get(f"{base}/api/v1/openapi.json", timeout=5)
    assert document.status_code == 200
    assert "/api/v1/members" in document.json()["paths"]
    ready = requests.get(f"{base}/readyz", timeout=5)
    assert ready.status_code == 503
    assert ready.json()["error"]["details"]["checks"]["broker"] == "down"
    missing = requests.get(f"{base}/api/v1/nowhere", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    unauthenticated = requests.get(f"{base}/api/v1/members", timeout=5)
    assert unauthenticated.status_code == 401 and unauthenticated.json()["error"]["code"] == "unauthenticated"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    log = log_path.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in log  # the access log
    assert "closing the broker connections of" in log  # worker_exit ran
    assert "Traceback" not in log


def test_gunicorn_refuses_to_start_without_a_token_secret(tmp_path, unused_port, database_url):
    env = {key: value for key, value in os.environ.items() if key != "LIUDONG_TOKEN_SECRET"}
    env.update({"LIUDONG_GATEWAY_BIND": f"127.0.0.1:{unused_port}", "LIUDONG_GATEWAY_WORKERS": "1",
                "LIUDONG_GATEWAY_DATABASE_URL": database_url})

    finished = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "gateway/gunicorn.conf.py", "gateway.app:create_app()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )

    assert finished.returncode != 0
    assert "LIUDONG_TOKEN_SECRET is not set" in finished.stdout + finished.stderr


@pytest.mark.e2e
def test_no_id_number_or_phone_reaches_the_gunicorn_logs(gunicorn, api_key):
    process, base, log_path = gunicorn
    headers = {"X-API-Key": api_key}
    id_number, phone = valid_id_number("1985-03-02", 1, "620922"), "13800000000"
    member = {
        "name": "张三", "gender": "male", "birth_date": "1985-03-02", "id_number": id_number,
        "phone": phone, "joined_on": "2010-07-01", "organisation_id": "5b0f7e5e-8d2a-4a5c-9b7e-0c1d2e3f4a5b",
    }

    # No broker behind: each of these is answered 503 (or 4xx) and logged as such.
    assert requests.post(f"{base}/api/v1/members/lookup", json={"id_number": id_number}, headers=headers, timeout=10).status_code == 503
    assert requests.post(f"{base}/api/v1/members", json=member, headers=headers, timeout=10).status_code == 503
    assert requests.post(f"{base}/api/v1/members", json={**member, "phone": "1380000"}, headers=headers, timeout=10).status_code == 422
    # Even a client that puts them in a URL does not get them into the access log.
    assert requests.get(f"{base}/api/v1/members?id_number={id_number}&phone={phone}", headers=headers, timeout=10).status_code == 422
    assert requests.get(f"{base}/api/v1/members", params={"name": phone}, headers=headers, timeout=10).status_code == 503
    assert requests.post(f"{base}/api/v1/members/lookup", json={"id_number": id_number}, timeout=10).status_code == 401
    # A path that gunicorn decodes into two lines (%0A) is one line of the access log.
    assert requests.get(f"{base}/api/v1/members/x%0A127.0.0.1 forged-line", headers=headers, timeout=10).status_code == 404

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    log = log_path.read_text()
    assert '"POST /api/v1/members/lookup HTTP/1.1" 503' in log
    assert '"GET /api/v1/members HTTP/1.1" 422' in log
    assert id_number not in log and phone not in log
    assert not any(line.startswith("127.0.0.1 forged-line") for line in log.splitlines()), log
    assert "/api/v1/members/x\\x0a127.0.0.1 forged-line" in log
    assert not ID_NUMBER.search(log) and not PHONE.search(log), log
    assert re.search(r'"GET /api/v1/members HTTP/1.1" 503 \d+ \d+ms "[^"]*" [A-Za-z0-9_-]{22}', log)  # the request id
