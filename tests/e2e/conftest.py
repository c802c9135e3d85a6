"""End-to-end: the real processes (`nameko run`, gunicorn) on the real broker
(a throwaway vhost) and PostgreSQL (a throwaway database), driven over HTTP."""
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support import EventTap, create_database, create_vhost, delete_vhost, drop_database, wait_for

ROOT = Path(__file__).resolve().parents[2]
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
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "LIUDONG_AMQP_URI": self.amqp_uri,
            "LIUDONG_ROSTER_DATABASE_URL": self.database_url,
            "LIUDONG_OUTBOX_POLL_INTERVAL": "0.2",
            "LIUDONG_GATEWAY_BIND": f"127.0.0.1:{self.port}",
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

    def start_gateway(self):
        self.gateway = Process("gateway", [str(BIN / "gunicorn"), "-c", "gateway/gunicorn.conf.py",
                                           "gateway.app:create_app()"], self.env, self.log_dir)

        def ready():
            assert self.gateway.alive(), f"gateway exited:\n{self.gateway.log()}"
            try:
                return self.get("/readyz").status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(ready, timeout=60, message="the gateway to be ready")

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
