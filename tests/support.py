"""Helpers shared by the integration and end-to-end tests: throwaway PostgreSQL
databases and RabbitMQ vhosts, and waiting with a deadline instead of sleeping."""
import os
import time
import uuid
from urllib.parse import quote

import psycopg2
import requests

from contracts import caller_context
from contracts import id_number as id_numbers
from contracts.platform import SERVICES

POSTGRES_URL = os.environ.get("LIUDONG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
AMQP_BASE = os.environ.get("LIUDONG_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672")
RABBIT_API = os.environ.get("LIUDONG_TEST_RABBIT_API", "http://guest:guest@127.0.0.1:15672")


def id_number(birth_date="1985-03-02", sequence=123, region="620724"):
    """A valid resident identity number (GB 11643 check character) for this
    birth date: every test that registers a member makes its numbers here."""
    return id_numbers.build(region, birth_date, sequence)


# Caller-context keys for this test run (contracts.caller_context): the gateway,
# every service of the platform and the example service (tests/example_service).
CALLER_KEYS = caller_context.generate_keys([spec.name for spec in SERVICES] + ["welcome"])
GATEWAY_SIGNER = caller_context.Signer.from_text(
    caller_context.GATEWAY, CALLER_KEYS[caller_context.GATEWAY_KEY_ENV], caller_context.GATEWAY_KEY_ENV, timeout=30)


def caller_key_config(service):
    """The config keys of ``service``'s caller-context keys, as its config file holds them."""
    return {caller_context.TRUSTED_KEYS_SETTING: CALLER_KEYS[caller_context.TRUSTED_KEYS_ENV],
            caller_context.SIGNING_KEY_SETTING: CALLER_KEYS[caller_context.service_key_env(service)]}


def signed(service, method, args, scope, signer=GATEWAY_SIGNER):
    """The signed context of ``service.method(*args)`` with ``scope``, as the gateway makes it."""
    return signer.sign(service, method, list(args), scope)


def create_database(prefix="liudong_test"):
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    connection = psycopg2.connect(f"{POSTGRES_URL}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return f"{POSTGRES_URL}/{name}"


def drop_database(url):
    name = url.rsplit("/", 1)[1]
    connection = psycopg2.connect(f"{POSTGRES_URL}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


def create_vhost(prefix="liudong-test"):
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    api = requests.Session()
    api.put(f"{RABBIT_API}/api/vhosts/{quote(name, safe='')}", timeout=10).raise_for_status()
    api.put(
        f"{RABBIT_API}/api/permissions/{quote(name, safe='')}/guest",
        json={"configure": ".*", "write": ".*", "read": ".*"}, timeout=10,
    ).raise_for_status()
    return name, f"{AMQP_BASE}/{quote(name, safe='')}"


def delete_vhost(name):
    requests.delete(f"{RABBIT_API}/api/vhosts/{quote(name, safe='')}", timeout=10)


class PlatformBroker:
    """A throwaway vhost holding the platform's broker users, each with the
    permissions ``deploy.broker`` gives it (same builder as production), under
    user names unique to this run; ``guest`` keeps full rights there for the
    test harness. ``uris[role]``: the AMQP URI of the gateway, a service, the
    subscriber or the operator. The topology of definitions.json is declared up
    front, as in production. ``close()`` deletes the users and the vhost."""

    def __init__(self, services=None, classes=None, prefix="liudong-test"):
        from contracts.platform import SERVICES
        from deploy import broker, render

        self.vhost, self.guest_uri = create_vhost(prefix)
        self.api = broker.ManagementApi(RABBIT_API)
        services = SERVICES if services is None else services
        self.users = broker.users(services, prefix=f"{prefix}-{uuid.uuid4().hex[:8]}", classes=classes)
        self.passwords = {user.name: broker.new_password() for user in self.users}
        host, port = AMQP_BASE.rsplit("@", 1)[1].rsplit(":", 1)
        try:
            broker.apply(self.api, self.users, self.passwords, self.vhost, keep=("guest",))
            broker.apply_topology(self.api, render.topology(services, self.vhost), self.vhost)
        except BaseException:
            self.close()
            raise
        self.uris = {user.role: broker.amqp_uri(user, self.passwords[user.name], host, int(port), self.vhost)
                     for user in self.users}

    def user(self, role):
        return next(user for user in self.users if user.role == role)

    def environment(self):
        """Every component's URI variable (``LIUDONG_AMQP_URI`` for the gateway, ...)."""
        return {user.uri_variable: self.uris[user.role] for user in self.users}

    def close(self):
        from deploy import broker

        broker.remove(self.api, self.users)
        delete_vhost(self.vhost)


def wait_for(condition, timeout=20.0, message="condition", interval=0.05):
    """Poll ``condition`` until it returns something truthy or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def created(response):
    """The JSON body of a 201, or a failure that shows what came back instead."""
    assert response.status_code == 201, response.text
    return response.json()


def rows(database_url, sql, *params):
    """Every row of one query, read straight from a database (a test reading what a service holds)."""
    connection = psycopg2.connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def scalar(database_url, sql, *params):
    found = rows(database_url, sql, *params)
    return found[0][0] if found else None


class EventTap:
    """A private queue bound to a service's events exchange, read by polling."""

    def __init__(self, amqp_uri, exchange="roster.events", routing_key="#", passive=False):
        from kombu import Connection, Exchange, Queue

        self.connection = Connection(amqp_uri, connect_timeout=5)
        channel = self.connection.channel()
        # Declared exactly as nameko declares event exchanges, so either may come first;
        # passive for a subscriber, which may not declare exchanges (deploy/broker.py).
        exchange = Exchange(exchange, type="topic", durable=True, passive=passive)
        # watch-: the queues the broker's subscriber user may declare and read.
        self.queue = Queue(f"watch-tap-{uuid.uuid4().hex}", exchange, routing_key, exclusive=True, auto_delete=True)(channel)
        self.queue.declare()
        self.messages = []

    def drain(self):
        while True:
            message = self.queue.get(no_ack=True, accept=["json"])
            if message is None:
                return self.messages
            self.messages.append(message)

    def envelopes(self, event_type=None):
        return [m.payload for m in self.drain() if event_type is None or m.payload["event_type"] == event_type]

    def wait_for(self, event_type, count=1, timeout=20.0):
        return wait_for(lambda: len(self.envelopes(event_type)) >= count and self.envelopes(event_type),
                        timeout=timeout, message=f"{count} {event_type} event(s)")

    def close(self):
        self.connection.release()


def dead_letters(amqp_uri, service):
    """The (headers, body) of every message in ``<service>.dead-letter``, left in the queue."""
    from kombu import Connection

    from services.common.messaging import dead_letter_queue

    with Connection(amqp_uri) as connection:
        queue = dead_letter_queue(service)(connection.channel())
        queue.declare()
        messages = []
        while (message := queue.get(no_ack=False)) is not None:
            messages.append(message)
        for message in messages:
            message.requeue()
        return [(m.headers, m.payload) for m in messages]


def execute(database_url, sql, *params):
    """Run one statement and commit it; answers the rows it changed (tests that move a record in time)."""
    connection = psycopg2.connect(database_url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
    finally:
        connection.close()


def backdate_transfer(database_url, transfer_id, days):
    """A transfer letter as if issued ``days`` earlier: the services run on the real clock."""
    changed = execute(database_url, "UPDATE transfer_letters SET issued_on = issued_on - %s, valid_until = valid_until - %s "
                                    "WHERE id = %s", days, days, str(transfer_id))
    assert changed == 1, f"no transfer letter {transfer_id}"
