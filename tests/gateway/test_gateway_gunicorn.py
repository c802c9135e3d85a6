"""The documented command serves the gateway: gunicorn -c gateway/gunicorn.conf.py 'gateway.app:create_app()'."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn(unused_port, dead_port, poll, tmp_path):
    env = {
        **os.environ,
        "LIUDONG_GATEWAY_BIND": f"127.0.0.1:{unused_port}",
        "LIUDONG_GATEWAY_WORKERS": "1",
        "LIUDONG_GATEWAY_THREADS": "2",
        # No broker: readiness must then fail fast, as JSON.
        "LIUDONG_AMQP_URI": f"amqp://guest:guest@127.0.0.1:{dead_port}/",
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
            except requests.ConnectionError:
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

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    log = log_path.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in log  # the access log
    assert "closing the broker connections of" in log  # worker_exit ran
    assert "Traceback" not in log
