"""The whole platform as real processes (each service under `python -m services.common.run`, gunicorn) on the real
broker (a throwaway vhost) and PostgreSQL (a throwaway database each), driven over HTTP: the end-to-end tests and the
fault suite (tests/chaos) start it.

Each process connects as its own broker user, with the permissions deploy/broker.py
gives it in production (tests.support.PlatformBroker): the platform working here is
the proof that those permissions are enough."""
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests
import sqlalchemy

from contracts import caller_context
from contracts.platform import SERVICES, ServiceSpec
from contracts.platform import service as service_spec
from gateway.access.policy import ROLE_PERMISSIONS, SYSTEM_INTEGRATION
from services.common.crypto import generate_keys
from tests.support import EventTap, PlatformBroker, create_database, drop_database, wait_for

ROOT = Path(__file__).resolve().parents[1]
KEY_SCOPES = sorted(ROLE_PERMISSIONS[SYSTEM_INTEGRATION])
BIN = Path(sys.executable).parent


def command_line(spec: ServiceSpec):
    """``spec.command`` with its program taken from this virtualenv."""
    program, *args = spec.command
    return [sys.executable if program == "python" else str(BIN / program), *args]


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
        self._terminated = False

    def alive(self):
        return self.popen.poll() is None

    def terminate(self):
        """Ask it to stop (SIGTERM) without waiting: ``stop`` waits."""
        if self.alive() and not self._terminated:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self._terminated = True

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.alive() and not (self._terminated and sig == signal.SIGTERM):
            os.killpg(self.popen.pid, sig)
        if self.alive():
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout)
        self._log.close()

    def log(self):
        return self.log_path.read_text(errors="replace")


class Platform:
    """Every service of ``contracts.platform.SERVICES`` (one process each, on a
    throwaway database each) and the gateway, on a throwaway vhost where each
    connects as its own broker user. ``amqp_uri`` is guest's, for the harness."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.broker = PlatformBroker()
        self.vhost, self.amqp_uri = self.broker.vhost, self.broker.guest_uri
        self.database_urls = {spec.name: create_database(f"liudong_e2e_{spec.name}") for spec in SERVICES}
        self.gateway_database_url = create_database("liudong_e2e_gateway")
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            # LIUDONG_AMQP_URI (the gateway's), LIUDONG_<SERVICE>_AMQP_URI, the subscriber's...
            **self.broker.environment(),
            **{spec.database_url_variable: self.database_urls[spec.name] for spec in SERVICES},
            "LIUDONG_OUTBOX_POLL_INTERVAL": "0.2",
            # The clock's status sweep every second (an hour in production): a test that moves a departure
            # back in time polls until the status follows.
            "LIUDONG_STATUS_SWEEP_INTERVAL": "1",
            "LIUDONG_GATEWAY_BIND": f"127.0.0.1:{self.port}",
            "LIUDONG_GATEWAY_DATABASE_URL": self.gateway_database_url,
            "LIUDONG_TOKEN_SECRET": secrets.token_urlsafe(48),
            # Fuzzing and the permission matrix send far more than a county system would.
            "LIUDONG_RATE_LIMIT": "100000/minute",
            "LIUDONG_TOKEN_RATE_LIMIT": "10000/minute",
            "LIUDONG_SIGN_IN_ACCOUNT_RATE_LIMIT": "10000/minute",
            **generate_keys(),
            # The gateway's and every service's own key, and the public keys they all trust.
            **caller_context.generate_keys(),
        }
        self.http = requests.Session()
        self.services = {}  # name -> Process
        self.gateway = None

    @property
    def roster(self):
        return self.services.get("roster")

    @property
    def database_url(self):
        """roster's database (the tests that read tables read roster's)."""
        return self.database_urls["roster"]

    def env_of(self, role):
        """``env`` with no broker URI but the component's own, so that nothing in it can
        fall back on another user's rights (or on guest's)."""
        others = {user.uri_variable for user in self.broker.users if user.role != role}
        return {key: value for key, value in self.env.items() if key not in others}

    def start_services(self):
        """Every service at once (each migrates its own database and connects on its own), then each awaited."""
        for spec in SERVICES:
            self._spawn(spec.name)
        for spec in SERVICES:
            self._await(spec.name)

    def start_service(self, name, **extra_env):
        self._spawn(name, **extra_env)
        self._await(name)

    def _spawn(self, name, **extra_env):
        self.services[name] = Process(name, command_line(service_spec(name)), {**self.env_of(name), **extra_env},
                                      self.log_dir)

    def _await(self, name):
        wait_for(lambda: self._service_ready(name), timeout=60, message=f"{name} to answer ping")

    def start_roster(self, **extra_env):
        self.start_service("roster", **extra_env)

    def _service_ready(self, name):
        process = self.services[name]
        assert process.alive(), f"{name} exited:\n{process.log()}"
        if self.gateway is None:
            return "Connected to amqp" in process.log()
        try:
            return self.get("/readyz").status_code == 200
        except requests.Timeout:
            return False

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
        """A user holding ``role``, activated as its owner would (``POST /api/v1/activations`` with
        the one-time code the command line printed); answers (username, password)."""
        username = f"{role}-{secrets.token_hex(4)}"
        args = ["create-user", "--username", username, "--role", role]
        if organisation_id:
            args += ["--organisation-id", str(organisation_id)]
        if member_id:
            args += ["--member-id", str(member_id)]
        code = self.access_cli(*args)
        password = secrets.token_urlsafe(15)
        response = self.http.post(self.base_url + "/api/v1/activations",
                                  json={"username": username, "code": code, "password": password},
                                  headers={"X-API-Key": None}, timeout=10)
        assert response.status_code == 204, response.text
        return username, password

    def token_headers(self, username, password):
        response = self.http.post(self.base_url + "/api/v1/tokens", json={"username": username, "password": password},
                                  headers={"X-API-Key": None}, timeout=10)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}", "X-API-Key": None}

    def start_gateway(self):
        self.gateway = Process("gateway", [str(BIN / "gunicorn"), "-c", "gateway/gunicorn.conf.py",
                                           "gateway.app:create_app()"], self.env_of("gateway"), self.log_dir)

        def ready():
            assert self.gateway.alive(), f"gateway exited:\n{self.gateway.log()}"
            try:
                return self.get("/readyz").status_code == 200
            except (requests.ConnectionError, requests.Timeout):
                # Not listening yet, or no worker has booted to answer (slow on a busy machine).
                return False

        wait_for(ready, timeout=60, message="the gateway to be ready")
        # A county system with every scope a key may hold, on the whole platform.
        self.http.headers["X-API-Key"] = self.create_key()

    def get(self, path, **kwargs):
        return self.http.get(self.base_url + path, timeout=10, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.http.post(self.base_url + path, json=json, timeout=10, **kwargs)

    def tap(self, routing_key="#", service="roster"):
        """Events as the broker's subscriber user sees them (what scripts/watch_events.py uses)."""
        return EventTap(self.broker.uris["subscriber"], service_spec(service).events_exchange, routing_key, passive=True)

    def knows(self, service, member_ids=(), organisation_ids=(), timeout=30):
        """Wait until ``service``'s projection holds these members and organisations (it keeps them from
        roster's events, a moment after roster answered): read from its own database, as a test may."""
        engine = sqlalchemy.create_engine(self.database_urls[service])
        try:
            def known():
                with engine.connect() as connection:
                    members = connection.execute(sqlalchemy.text(
                        "SELECT count(*) FROM members WHERE member_id IN :ids").bindparams(
                        sqlalchemy.bindparam("ids", expanding=True)), {"ids": list(member_ids) or [""]}).scalar()
                    organisations = connection.execute(sqlalchemy.text(
                        "SELECT count(*) FROM organisation_tree WHERE id IN :ids").bindparams(
                        sqlalchemy.bindparam("ids", expanding=True)), {"ids": list(organisation_ids) or [""]}).scalar()
                return members == len(member_ids) and organisations == len(organisation_ids)

            wait_for(known, timeout=timeout, message=f"{service} to project the members and organisations")
        finally:
            engine.dispose()

    def close(self):
        processes = [process for process in (self.gateway, *self.services.values()) if process is not None]
        for process in processes:  # all at once: each shuts down gracefully, and they need not take turns
            process.terminate()
        for process in processes:
            process.stop()
        for url in (*self.database_urls.values(), self.gateway_database_url):
            drop_database(url)
        self.broker.close()


@contextlib.contextmanager
def running(platform):
    """``platform``'s services and then its gateway started, and everything stopped, dropped and deleted
    afterwards."""
    try:
        platform.start_services()
        platform.start_gateway()
        yield platform
    finally:
        platform.close()


def running_platform(log_dir, **extra_env):
    """Every service and the gateway, with ``extra_env`` on top (see :func:`running`)."""
    platform = Platform(log_dir)
    platform.env.update(extra_env)
    return running(platform)
