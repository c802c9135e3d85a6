"""A stop that always stops: real ``python -m services.common.run`` processes
(the ``stop_probe`` service beside this file, on the kernel's ``Database``) on
the real broker and on SQLite or PostgreSQL, sent SIGTERM while busy, while
their broker is unreachable and after their database is gone. Each must exit
within its grace period plus a few seconds and ack nothing it did not finish.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import kombu
import pytest
import yaml

from services.common.run import EXIT_FORCED, EXIT_KILLED, EXIT_STOPPED, KILL_TIMEOUT
from tests.proxy import TcpForwarder
from tests.support import AMQP_BASE, create_database, create_vhost, delete_vhost, drop_database, wait_for

ROOT = Path(__file__).resolve().parents[2]
GRACE = 4.0  # a graceful stop itself takes about 2 s (kombu wakes its consumer once a second)
# The last resort ends the process KILL_TIMEOUT after the grace period; a second more for the OS.
EXITS_WITHIN = GRACE + KILL_TIMEOUT + 1.5
RPC_EXCHANGE = kombu.Exchange("nameko-rpc", type="topic", durable=True)
RPC_QUEUE = "rpc-stop_probe"


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Probe:
    """One ``python -m services.common.run ... tests.e2e.stop_probe`` process."""

    def __init__(self, tmp_path, amqp_uri, database_url):
        config = {
            "AMQP_URI": amqp_uri,
            "DATABASE_URL": database_url,
            "STOP_GRACE_PERIOD": GRACE,
            "OUTBOX_RELAY": {"poll_interval": 0.2},
            "LOGGING": {
                "version": 1,
                "disable_existing_loggers": False,
                "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
                "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
                "root": {"level": os.environ.get("LIUDONG_STOP_TEST_LOG_LEVEL", "INFO"), "handlers": ["console"]},
            },
        }
        config_path = tmp_path / f"stop_probe-{uuid.uuid4().hex[:6]}.yml"
        config_path.write_text(yaml.safe_dump(config))
        self.log_path = config_path.with_suffix(".log")
        self._log = open(self.log_path, "ab")
        env = {key: value for key, value in os.environ.items() if key != "LIUDONG_STOP_GRACE_PERIOD"}
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "services.common.run", "--config", str(config_path), "tests.e2e.stop_probe"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: self._started(), timeout=60, message="the probe to connect")

    def _started(self):
        assert self.popen.poll() is None, f"the probe exited:\n{self.log()}"
        return "Connected to amqp" in self.log()

    def log(self):
        return self.log_path.read_text(errors="replace")

    def logged(self, *texts, timeout=30):
        """Wait until one of ``texts`` is in the log."""
        def seen():
            log = self.log()
            return any(text in log for text in texts)

        wait_for(seen, timeout=timeout, message=f"one of {texts!r} in the probe's log")

    def terminate(self):
        """SIGTERM; answers (exit status, seconds until the process was gone)."""
        started = time.monotonic()
        os.kill(self.popen.pid, signal.SIGTERM)
        try:
            wait_for(lambda: self.popen.poll() is not None, timeout=EXITS_WITHIN + 10, message="the probe to exit")
        finally:
            elapsed = time.monotonic() - started
            print(f"exit status {self.popen.poll()} after {elapsed:.2f}s")
        return self.popen.returncode, elapsed

    def close(self):
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)
        self._log.close()


class RpcClient:
    """Calls in nameko's wire format, replies read by polling (no eventlet here)."""

    def __init__(self, amqp_uri):
        self.connection = kombu.Connection(amqp_uri, connect_timeout=5)
        channel = self.connection.channel()
        name = f"stop-test-replies-{uuid.uuid4().hex}"
        self.replies = kombu.Queue(name, RPC_EXCHANGE, routing_key=name, exclusive=True, auto_delete=True)(channel)
        self.replies.declare()
        self.producer = kombu.Producer(channel)
        self.received = {}

    def wait_for_service(self):
        """Until the service consumes its queue: before that a request has nowhere to go."""
        def consumed():
            channel = self.connection.channel()
            try:
                _, _, consumers = channel.queue_declare(queue=RPC_QUEUE, passive=True)
                return consumers > 0
            except kombu.exceptions.OperationalError:
                raise
            except Exception:  # not declared yet (the broker closes the channel)
                return False
            finally:
                try:
                    channel.close()
                except Exception:
                    pass

        wait_for(consumed, timeout=30, message=f"a consumer on {RPC_QUEUE}")

    def call_async(self, method, *args):
        correlation_id = uuid.uuid4().hex
        self.producer.publish({"args": list(args), "kwargs": {}}, exchange=RPC_EXCHANGE,
                              routing_key=f"stop_probe.{method}", reply_to=self.replies.name,
                              correlation_id=correlation_id, serializer="json", mandatory=True)
        return correlation_id

    def reply(self, correlation_id):
        while (message := self.replies.get(no_ack=True, accept=["json"])) is not None:
            self.received[message.properties["correlation_id"]] = message.payload
        return self.received.get(correlation_id)

    def requeued(self):
        """The correlation ids of the requests waiting in the service's queue (left there)."""
        channel = self.connection.channel()
        try:
            queue = kombu.Queue(RPC_QUEUE, RPC_EXCHANGE, durable=True)(channel)
            messages = []
            while (message := queue.get(no_ack=False, accept=["json"])) is not None:
                messages.append(message)
            return [m.properties["correlation_id"] for m in messages]
        finally:
            channel.close()  # unacked: they return to the queue

    def close(self):
        self.connection.release()


@pytest.fixture
def vhost():
    name, uri = create_vhost("liudong-stop")
    yield name, uri
    delete_vhost(name)


@pytest.fixture
def probes():
    started = []
    yield started
    for probe in started:
        probe.close()


@pytest.fixture
def start(tmp_path, probes):
    def start(amqp_uri, database_url):
        probe = Probe(tmp_path, amqp_uri, database_url)
        probes.append(probe)
        return probe

    return start


@pytest.fixture
def postgres_url():
    url = create_database("liudong_stop")
    yield url
    drop_database(url)


@pytest.fixture
def rpc(vhost):
    client = RpcClient(vhost[1])
    yield client
    client.close()


def test_a_short_call_in_flight_finishes_and_replies(vhost, start, rpc, tmp_path):
    probe = start(vhost[1], f"sqlite:///{tmp_path}/probe.db")
    rpc.wait_for_service()
    call = rpc.call_async("slow", 1)
    probe.logged("slow(1) started")

    status, elapsed = probe.terminate()

    assert status == EXIT_STOPPED, probe.log()
    assert elapsed < GRACE + 2, probe.log()
    assert wait_for(lambda: rpc.reply(call), timeout=10, message="the reply") == {"result": 1, "error": None}
    assert rpc.requeued() == []


def test_a_call_longer_than_the_grace_period_is_killed_unacked(vhost, start, rpc, postgres_url):
    probe = start(vhost[1], postgres_url)
    rpc.wait_for_service()
    short = rpc.call_async("slow", 1)
    long = rpc.call_async("slow", 60)
    probe.logged("slow(60) started")

    status, elapsed = probe.terminate()

    assert status == EXIT_KILLED, probe.log()
    assert elapsed < EXITS_WITHIN, probe.log()
    assert wait_for(lambda: rpc.reply(short), timeout=10, message="the short call's reply") == {"result": 1, "error": None}
    assert rpc.reply(long) is None
    assert "slow(60) finished" not in probe.log()
    # Never acked: back in the service's queue for the next instance.
    assert wait_for(lambda: rpc.requeued() == [long], timeout=10, message="the long call to be requeued")


@pytest.mark.parametrize("outage", ["forwarder stopped", "vhost deleted"])
def test_a_service_whose_broker_is_unreachable_exits(outage, vhost, start, tmp_path):
    name, uri = vhost
    target = urlsplit(AMQP_BASE)
    forwarder = TcpForwarder((target.hostname, target.port or 5672), free_port())
    forwarder.start()
    try:
        through = f"amqp://guest:guest@127.0.0.1:{forwarder.port}/{uri.rsplit('/', 1)[1]}"
        probe = start(through, f"sqlite:///{tmp_path}/probe.db")
        if outage == "forwarder stopped":
            forwarder.stop()
        else:
            delete_vhost(name)
        probe.logged("Error connecting to broker", "trying to re-establish")

        status, elapsed = probe.terminate()
    finally:
        forwarder.stop()

    assert status in (EXIT_STOPPED, EXIT_KILLED, EXIT_FORCED), probe.log()
    assert elapsed < EXITS_WITHIN, probe.log()


def test_a_service_whose_sqlite_files_are_gone_exits(vhost, start, rpc, tmp_path):
    directory = tmp_path / "db"
    directory.mkdir()
    probe = start(vhost[1], f"sqlite:///{directory}/probe.db")
    rpc.wait_for_service()
    call = rpc.call_async("slow", 0)
    assert wait_for(lambda: rpc.reply(call), timeout=10, message="a reply") == {"result": 0, "error": None}
    shutil.rmtree(directory)

    status, elapsed = probe.terminate()

    assert status == EXIT_STOPPED, probe.log()
    assert elapsed < EXITS_WITHIN, probe.log()


def test_a_service_whose_postgresql_database_was_dropped_exits(vhost, start, postgres_url):
    probe = start(vhost[1], postgres_url)
    drop_database(postgres_url)
    probe.logged("outbox relay failed")

    status, elapsed = probe.terminate()

    assert status == EXIT_STOPPED, probe.log()
    assert elapsed < EXITS_WITHIN, probe.log()
