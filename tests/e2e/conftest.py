"""End-to-end: the real processes (`nameko run`, gunicorn) on the real broker
(a throwaway vhost) and PostgreSQL (a throwaway database), driven over HTTP."""
import os
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from gateway.access.policy import ROLE_PERMISSIONS, SYSTEM_INTEGRATION
from services.common.crypto import generate_keys
from tests.support import EventTap, create_database, create_vhost, delete_vhost, drop_database, wait_for

ROOT = Path(__file__).resolve().parents[2]
KEY_SCOPES = sorted(ROLE_PERMISSIONS[SYSTEM_INTEGRATION])
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    def __init__(self, name, args, env, log_dir):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def alive(self):
        return self.popen.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.alive():
            os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout)
        self._log.close()

    def log(self):
        return self.log_path.read_text(errors="replace")


class Platform:
    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.vhost, self.amqp_uri = create_vhost()
        self.database_url = create_database("liudong_e2e")
        self.gateway_database_url = create_database("liudong_e2e_gateway")
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "LIUDONG_AMQP_URI": self.amqp_uri,
            "LIUDONG_ROSTER_DATABASE_URL": self.database_url,
            "LIUDONG_OUTBOX_POLL_INTERVAL": "0.2",
            "LIUDONG_GATEWAY_BIND": f"127.0.0.1:{self.port}",
            "LIUDONG_GATEWAY_DATABASE_URL": self.gateway_database_url,
            "LIUDONG_TOKEN_SECRET": secrets.token_urlsafe(48),
            # Fuzzing and the permission matrix send far more than a county system would.
            "LIUDONG_RATE_LIMIT": "100000/minute",
            "LIUDONG_TOKEN_RATE_LIMIT": "10000/minute",
            **generate_keys(),
        }
        self.http = requests.Session()
        self.roster = None
        self.gateway = None

    def start_roster(self, **extra_env):
        self.roster = Process("roster", [str(BIN / "nameko"), "run", "--config", "config/roster.yml",
                                         "services.roster.service"], {**self.env, **extra_env}, self.log_dir)
        wait_for(self._roster_ready, timeout=60, message="roster to answer ping")

    def _roster_ready(self):
        assert self.roster.alive(), f"roster exited:\n{self.roster.log()}"
        if self.gateway is None:
            return "Connected to amqp" in self.roster.log()
        return self.get("/readyz").status_code == 200

    def access_cli(self, *args):
        """``python -m gateway.access`` on this platform's access database; its last line."""
        result = subprocess.run([sys.executable, "-m", "gateway.access", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout.strip().splitlines()[-1]

    def create_key(self, scopes=KEY_SCOPES, organisation_id=None):
        args = ["create-key", "--name", f"e2e-{secrets.token_hex(4)}", "--owner", "tests/e2e", "--scopes", ",".join(scopes)]
        return self.access_cli(*args, *(["--organisation-id", str(organisation_id)] if organisation_id else []))

    def create_user(self, role, organisation_id=None, member_id=None):
        """A user holding ``role``; answers (username, password)."""
        username = f"{role}-{secrets.token_hex(4)}"
        args = ["create-user", "--username", username, "--role", role]
        if organisation_id:
            args += ["--organisation-id", str(organisation_id)]
        if member_id:
            args += ["--member-id", str(member_id)]
        return username, self.access_cli(*args)

    def token_headers(self, username, password):
        response = self.http.post(self.base_url + "/api/v1/tokens", json={"username": username, "password": password},
                                  headers={"X-API-Key": None}, timeout=10)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}", "X-API-Key": None}

    def start_gateway(self):
        self.gateway = Process("gateway", [str(BIN / "gunicorn"), "-c", "gateway/gunicorn.conf.py",
                                           "gateway.app:create_app()"], self.env, self.log_dir)

        def ready():
            assert self.gateway.alive(), f"gateway exited:\n{self.gateway.log()}"
            try:
                return self.get("/readyz").status_code == 200
            # A timeout too: on a busy machine the workers may take longer than one request to load the app.
            except (requests.ConnectionError, requests.Timeout):
                return False

        wait_for(ready, timeout=60, message="the gateway to be ready")
        # A county system with every scope a key may hold, on the whole platform.
        self.http.headers["X-API-Key"] = self.create_key()

    def get(self, path, **kwargs):
        return self.http.get(self.base_url + path, timeout=10, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.http.post(self.base_url + path, json=json, timeout=10, **kwargs)

    def tap(self, routing_key="#"):
        return EventTap(self.amqp_uri, "roster.events", routing_key)

    def close(self):
        for process in (self.gateway, self.roster):
            if process is not None:
                process.stop()
        drop_database(self.database_url)
        drop_database(self.gateway_database_url)
        delete_vhost(self.vhost)


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    platform = Platform(tmp_path_factory.mktemp("e2e-logs"))
    try:
        platform.start_roster()
        platform.start_gateway()
        yield platform
    finally:
        platform.close()


@pytest.fixture
def tap(platform):
    tap = platform.tap()
    yield tap
    tap.close()
