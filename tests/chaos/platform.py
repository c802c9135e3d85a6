"""The platform of the fault suite: every service in several instances, each service's broker link through a
proxy the suite controls, and the faults themselves (issue 12).

Every fault is done to the real thing: a process is sent SIGKILL, SIGTERM or SIGSTOP; RabbitMQ's application is
stopped and started (``rabbitmqctl stop_app``/``start_app``: every connection dropped, durable queues and
persistent messages kept, as a broker restart keeps them); a service's PostgreSQL database has every connection
terminated and refuses new ones for a while (what a restart of that database is to its service, without taking
down the other services' databases on the same server); a link is cut, restored on the same address or slowed
at the proxy (``tests.proxy``).
"""
import os
import signal
import subprocess
import time
from urllib.parse import urlsplit

import kombu
import psycopg2
import requests

from contracts.platform import SERVICES
from services.common.run import EXIT_KILLED, EXIT_STOPPED
from tests.platform import Platform, Process, command_line, free_port, service_spec
from tests.proxy import TcpForwarder
from tests.support import AMQP_BASE, POSTGRES_URL, RABBIT_API, wait_for

BROKER = urlsplit(AMQP_BASE)
RABBITMQCTL_TIMEOUT = 120


class Instance:
    """One process of a service; restarted into the same log file, read from where this run began."""

    def __init__(self, platform, name, index):
        self.platform, self.name, self.index = platform, name, index
        self.process = None
        self.exits = []  # the exit status of every run that ended

    @property
    def label(self):
        return f"{self.name}-{self.index}"

    def start(self, **extra_env):
        self.process = Process(self.label, command_line(service_spec(self.name)),
                               {**self.platform.env_of(self.name), **extra_env}, self.platform.log_dir)
        self._log_from = self.process.log_path.stat().st_size
        wait_for(self._ready, timeout=90, message=f"{self.label} to connect")

    def _ready(self):
        assert self.process.alive(), f"{self.label} exited:\n{self.log()[-4000:]}"
        return "Connected to amqp" in self.process.log_path.read_text(errors="replace")[self._log_from:]

    def log(self):
        return self.process.log() if self.process else ""

    def signal(self, sig):
        os.killpg(self.process.popen.pid, sig)

    def kill_and_restart(self):
        """SIGKILL: nothing acked that was not finished, nothing flushed, no goodbye to the broker."""
        self.signal(signal.SIGKILL)
        self.exits.append(self.process.popen.wait(30))
        self.process.stop()
        self.start()

    def stop(self):
        """SIGTERM, and the bounded stop (services.common.run) within its grace period."""
        self.process.terminate()
        self.process.stop(timeout=60)
        self.exits.append(self.process.popen.returncode)

    def restart(self, **extra_env):
        self.stop()
        assert self.exits[-1] in (EXIT_STOPPED, EXIT_KILLED), f"{self.label} stopped with {self.exits[-1]}"
        self.start(**extra_env)


class ChaosPlatform(Platform):
    def __init__(self, log_dir, instances=2):
        super().__init__(log_dir)
        self.count = instances
        self.instances = {spec.name: [Instance(self, spec.name, i + 1) for i in range(instances)] for spec in SERVICES}
        # Each service reaches the broker through a proxy of its own.
        self.proxies = {}
        for spec in SERVICES:
            proxy = TcpForwarder((BROKER.hostname, BROKER.port or 5672), free_port())
            proxy.start()
            self.proxies[spec.name] = proxy
            variable = f"LIUDONG_{spec.name.upper()}_AMQP_URI"
            uri = urlsplit(self.env[variable])
            self.env[variable] = uri._replace(netloc=uri.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{proxy.port}").geturl()
        self.env.update({
            "LIUDONG_STOP_GRACE_PERIOD": "5",
            # Hours in production; the sweeps are not what this suite is about.
            "LIUDONG_STATUS_SWEEP_INTERVAL": "3600",
        })

    def start_services(self):
        # The first instance of each migrates its database; the others start on a migrated one.
        for group in zip(*self.instances.values()):
            for instance in group:
                instance.process = Process(instance.label, command_line(service_spec(instance.name)),
                                           self.env_of(instance.name), self.log_dir)
                instance._log_from = 0
            for instance in group:
                wait_for(instance._ready, timeout=90, message=f"{instance.label} to connect")
        self.services = {name: group[0].process for name, group in self.instances.items()}

    def every_instance(self):
        return [instance for group in self.instances.values() for instance in group]

    def logs(self, name):
        return "".join(instance.log() for instance in self.instances[name])

    # ---- faults -------------------------------------------------------------------------------------

    def restart_broker(self):
        """RabbitMQ's application stopped and started again: every connection of every component dropped."""
        try:
            subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=RABBITMQCTL_TIMEOUT)
        finally:
            subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=RABBITMQCTL_TIMEOUT)
        wait_for(self._broker_answers, timeout=120, message="RabbitMQ to answer again", interval=0.5)

    def _broker_answers(self):
        try:
            with kombu.Connection(self.amqp_uri, connect_timeout=2) as connection:
                connection.ensure_connection(max_retries=1)
            return requests.get(f"{RABBIT_API}/api/overview", timeout=5).status_code == 200
        except Exception:  # noqa: BLE001 - still starting: refused, reset, or the API not up yet
            return False

    def restart_database(self, service, down_for=5.0):
        """Every connection to ``service``'s database terminated, and new ones refused for ``down_for`` seconds."""
        name = self.database_urls[service].rsplit("/", 1)[1]
        admin = psycopg2.connect(f"{POSTGRES_URL}/postgres")
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s", (name,))
                terminated = cursor.fetchone()[0]
            time.sleep(down_for)  # the outage itself
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            admin.close()
        return terminated

    def cut_broker_link(self, service, down_for=8.0):
        """The proxy between ``service`` and the broker stopped (connections cut, new ones refused), then
        started again on the same port: every pooled connection of the service is dead, the address is not."""
        proxy = self.proxies[service]
        proxy.stop()
        try:
            time.sleep(down_for)  # the outage itself
        finally:
            proxy.start()

    def slow_link(self, service, delay=0.05, lasting=8.0):
        proxy = self.proxies[service]
        proxy.delay = delay
        try:
            time.sleep(lasting)
        finally:
            proxy.delay = 0.0

    def pause(self, instance, lasting=8.0):
        """A consumer that stalls: SIGSTOP, then SIGCONT. Its unacked messages wait for it."""
        instance.signal(signal.SIGSTOP)
        try:
            time.sleep(lasting)
        finally:
            instance.signal(signal.SIGCONT)

    def close(self):
        for instance in self.every_instance():
            if instance.process is not None:
                instance.process.terminate()
        for instance in self.every_instance():
            if instance.process is not None:
                instance.process.stop()
        self.services = {}
        for proxy in self.proxies.values():
            proxy.stop()
        super().close()
