"""The broker's users (deploy/broker.py) on the real broker: each component can do
what it needs and nothing that would let it forge a call or read someone else's
traffic. A throwaway vhost and users made by the same builder as production."""
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import amqp
import kombu
import pytest
from amqp.exceptions import AccessRefused

from contracts import platform
from contracts.platform import SERVICES
from deploy import broker
from services.common import tree
from tests.example_service.service import SPEC, WelcomeService
from tests.support import (
    AMQP_BASE,
    RABBIT_API,
    PlatformBroker,
    caller_key_config,
    create_database,
    create_vhost,
    delete_vhost,
    drop_database,
    scalar,
    wait_for,
)

RPC = "nameko-rpc"
ROOT = Path(__file__).resolve().parents[2]


# The example service as a platform service that calls roster (its SPEC declares the call).
WELCOME = SPEC
WITH_WELCOME = (*SERVICES, WELCOME)


@pytest.fixture(scope="module")
def users():
    setup = PlatformBroker(services=WITH_WELCOME, classes={"welcome": WelcomeService})
    try:
        # What the services declare when they start, so that there is something to steal.
        with as_(setup.guest_uri) as channel:
            channel.exchange_declare(RPC, "topic", durable=True, auto_delete=False)
            for spec in WITH_WELCOME:
                channel.exchange_declare(spec.events_exchange, "topic", durable=True, auto_delete=False)
                channel.queue_declare(spec.rpc_queue, durable=True, auto_delete=False)
                channel.queue_bind(spec.rpc_queue, RPC, f"{spec.name}.*")
        yield setup
    finally:
        setup.close()


class as_:
    """A channel on a connection of its own, closed (whatever state it is in) on exit."""

    def __init__(self, uri):
        self.connection = kombu.Connection(uri, connect_timeout=5).transport.establish_connection()

    def __enter__(self):
        return self.connection.channel()

    def __exit__(self, *exc):
        self.connection.collect()


def publish(uri, exchange, routing_key):
    with as_(uri) as channel:
        # With a confirm the broker answers this publish: ack, or the channel closed.
        channel.basic_publish_confirm(amqp.Message("{}"), exchange, routing_key)


def refused(action, *args):
    with pytest.raises(AccessRefused) as caught:
        action(*args)
    return str(caught.value)


def private_queue(uri, name, exchange, routing_key):
    """Declare an exclusive queue and bind it; the channel, to consume on."""
    with as_(uri) as channel:
        channel.queue_declare(name, exclusive=True, auto_delete=True)
        channel.queue_bind(name, exchange, routing_key)


def consume(uri, queue):
    with as_(uri) as channel:
        channel.basic_consume(queue, no_ack=True)


def reply_queue(users, caller="gateway"):
    """A reply queue of ``caller`` as it declares one, bound by its UUID."""
    key = str(uuid.uuid4())
    name = f"rpc.reply-{caller}-{key}"
    with as_(users.guest_uri) as channel:
        channel.queue_declare(name, auto_delete=False)
        channel.queue_bind(name, RPC, key)
    return name, key


# ---- the subscriber ----------------------------------------------------------

def test_a_subscriber_cannot_call_rpc(users):
    message = refused(publish, users.uris["subscriber"], RPC, "roster.get_member")
    assert "ACCESS_REFUSED" in message
    # Nor around nameko-rpc, straight into the service's queue.
    refused(publish, users.uris["subscriber"], "", "rpc-roster")


def test_a_subscriber_cannot_see_rpc_traffic(users):
    subscriber = users.uris["subscriber"]
    assert "ACCESS_REFUSED" in refused(private_queue, subscriber, f"watch-{uuid.uuid4().hex}", RPC, "#")
    assert "ACCESS_REFUSED" in refused(consume, subscriber, "rpc-roster")
    name, _ = reply_queue(users)
    refused(consume, subscriber, name)
    refused(consume, subscriber, "roster.dead-letter")  # nor the dead letters, with their errors


def test_a_subscriber_reads_events(users):
    subscriber = users.uris["subscriber"]
    queue = f"watch-{uuid.uuid4().hex}"
    with as_(subscriber) as channel:
        channel.queue_declare(queue, exclusive=True, auto_delete=True)
        channel.queue_bind(queue, "roster.events", "#")
        publish(users.uris["roster"], "roster.events", "member_registered")
        message = wait_for(lambda: channel.basic_get(queue, no_ack=True), message="the event")
        assert message.delivery_info["routing_key"] == "member_registered"
    # It may only name its queues watch-..., and publishes nothing, events included.
    refused(private_queue, subscriber, f"tap-{uuid.uuid4().hex}", "roster.events", "#")
    refused(publish, subscriber, "roster.events", "member_registered")


# ---- the gateway -------------------------------------------------------------

def test_the_gateway_publishes_requests_and_reads_its_own_replies(users):
    gateway = users.uris["gateway"]
    publish(gateway, RPC, "roster.get_member")
    key = str(uuid.uuid4())
    with as_(gateway) as channel:
        channel.queue_declare(f"rpc.reply-gateway-{key}", exclusive=True, auto_delete=True)
        channel.queue_bind(f"rpc.reply-gateway-{key}", RPC, key)
        channel.basic_consume(f"rpc.reply-gateway-{key}", no_ack=True)


def test_the_gateway_cannot_publish_a_reply_nor_read_a_service_queue(users):
    gateway = users.uris["gateway"]
    assert "access to topic" in refused(publish, gateway, RPC, str(uuid.uuid4()))
    refused(consume, gateway, "rpc-roster")
    # Its reply queue bound by a service's key would receive every request.
    key = str(uuid.uuid4())
    assert "access to topic 'roster.*'" in refused(private_queue, gateway, f"rpc.reply-gateway-{key}", RPC, "roster.*")
    refused(publish, gateway, "roster.events", "member_registered")
    refused(publish, gateway, "", "rpc-roster")


# ---- the services ------------------------------------------------------------

def test_a_service_cannot_read_another_service_queue(users):
    refused(consume, users.uris["welcome"], "rpc-roster")
    refused(consume, users.uris["roster"], "rpc-welcome")
    name, _ = reply_queue(users)
    refused(consume, users.uris["roster"], name)
    # Nor bind a queue of its own to another service's requests.
    refused(private_queue, users.uris["welcome"], f"rpc.reply-welcome-{uuid.uuid4()}", RPC, "roster.*")


def test_a_service_serves_its_queue_and_publishes_replies_and_events(users):
    roster = users.uris["roster"]
    consume(roster, "rpc-roster")
    publish(roster, RPC, str(uuid.uuid4()))  # a reply
    publish(roster, "roster.events", "member_registered")
    # It calls no one: no request goes out under its name.
    refused(publish, roster, RPC, "welcome.list_welcomes")
    refused(publish, roster, "welcome.events", "member_welcomed")


def test_a_service_calls_what_its_spec_declares_and_subscribes_to_what_its_class_handles(users):
    welcome = users.uris["welcome"]
    publish(welcome, RPC, "roster.organisation_tree_page")
    refused(publish, welcome, RPC, "roster.get_member")
    key = str(uuid.uuid4())
    with as_(welcome) as channel:  # its catch-up's reply queue
        channel.queue_declare(f"rpc.reply-welcome-{key}", exclusive=True, auto_delete=True)
        channel.queue_bind(f"rpc.reply-welcome-{key}", RPC, key)
    queue = "evt-roster-member_returned--welcome.welcome_home"
    with as_(welcome) as channel:
        channel.queue_declare(queue, durable=True, auto_delete=False)
        channel.queue_bind(queue, "roster.events", "member_returned")
        channel.basic_consume(queue, no_ack=False)
        # Its retries go through the default exchange to a retry queue of its own.
        channel.queue_declare(f"{queue}.retry.1000", durable=True, auto_delete=False,
                              arguments={"x-message-ttl": 1000, "x-dead-letter-exchange": "",
                                         "x-dead-letter-routing-key": queue})
    publish(welcome, "", f"{queue}.retry.1000")
    # A failure it gives up on goes to its own dead-letter queue, as services.common.messaging declares it.
    with as_(welcome) as channel:
        channel.exchange_declare("liudong.dead-letter", "direct", durable=True, auto_delete=False)
        channel.queue_declare("welcome.dead-letter", durable=True, auto_delete=False,
                              arguments={"x-queue-type": "quorum"})
        channel.queue_bind("welcome.dead-letter", "liudong.dead-letter", "welcome")
    publish(welcome, "liudong.dead-letter", "welcome")
    refused(consume, welcome, "roster.dead-letter")
    # An event-handler queue that is not one of its handlers' is not its own.
    refused(private_queue, welcome, "evt-roster-member_departed--welcome.other", "roster.events", "member_departed")


def test_only_the_operator_is_an_administrator(users):
    tags = {user.role: user.tags for user in users.users}
    assert tags.pop("operator") == ("administrator",)
    assert all(not value for value in tags.values())
    assert users.api.request("GET", ["users", users.user("operator").name])["tags"] in ("administrator", ["administrator"])


def test_the_patterns_are_anchored():
    for user in broker.users():
        for pattern in (*user.permissions().values(), *(p for t in user.topic.values() for p in t.values())):
            assert pattern == ".*" or (pattern.startswith("^") and pattern.endswith("$")), (user.name, pattern)


def test_a_password_hashed_into_the_definitions_logs_in(tmp_path):
    """deploy/rabbitmq/add_passwords.py hashes as RabbitMQ does (compose loads its output at boot)."""
    vhost, _ = create_vhost("liudong-test-hash")
    name = f"liudong-test{uuid.uuid4().hex[:8]}"
    password = broker.new_password()
    source, target = tmp_path / "definitions.json", tmp_path / "out.json"
    source.write_text(json.dumps(broker.definitions_users([broker.BrokerUser(
        role="x", name=name, configure="", write="", read="")], vhost=vhost)))
    api = broker.ManagementApi(RABBIT_API)
    try:
        result = subprocess.run([sys.executable, str(ROOT / "deploy/rabbitmq/add_passwords.py"), str(source), str(target)],
                                env={**os.environ, f"LIUDONG_{name[len('liudong-'):].upper()}_AMQP_PASSWORD": password},
                                capture_output=True, text=True, timeout=30, check=False)
        assert result.returncode == 0, result.stderr
        document = json.loads(target.read_text())
        assert password not in target.read_text()
        api.request("POST", ["definitions"], {"users": document["users"], "permissions": document["permissions"]})
        host_port = AMQP_BASE.rsplit("@", 1)[1]
        with as_(f"amqp://{name}:{password}@{host_port}/{vhost}"):
            pass
        with pytest.raises(AccessRefused):
            as_(f"amqp://{name}:wrong{password}@{host_port}/{vhost}")
    finally:
        api.request("DELETE", ["users", name], missing_ok=True)
        delete_vhost(vhost)


def test_add_passwords_refuses_a_missing_password(tmp_path):
    source = tmp_path / "definitions.json"
    source.write_text(json.dumps(broker.definitions_users(broker.users())))
    env = {key: value for key, value in os.environ.items() if not key.endswith("_AMQP_PASSWORD")}
    result = subprocess.run([sys.executable, str(ROOT / "deploy/rabbitmq/add_passwords.py"), str(source),
                             str(tmp_path / "out.json")], env=env, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 1 and "LIUDONG_GATEWAY_AMQP_PASSWORD" in result.stderr
    assert not (tmp_path / "out.json").exists()


# ---- a following service, working on its own user ---------------------------

@pytest.fixture
def own_users():
    setup = PlatformBroker(services=WITH_WELCOME, classes={"welcome": WelcomeService})
    yield setup
    setup.close()


@pytest.fixture
def welcome_database():
    url = create_database("liudong_test_welcome")
    yield url
    drop_database(url)


# welcome_database before container_factory: the containers stop before the database goes.
def test_a_service_following_the_tree_works_on_its_own_user(own_users, welcome_database, container_factory,
                                                            service_config, monkeypatch):
    """The example service catches up with roster's tree (an RPC call with a reply
    queue of its own), then follows roster's events, each service as its own user."""
    # Declared as a platform service, so that roster trusts its signed catch-up call.
    monkeypatch.setattr(platform, "SERVICES", (*platform.SERVICES, WELCOME))
    from services.roster.service import RosterService
    from tests.integration.rpc import call

    roster = container_factory(RosterService, {**service_config, "AMQP_URI": own_users.uris["roster"]})
    roster.start()
    county = call(roster, "create_organisation", {"name": "高台县委", "kind": "party_committee"})["id"]
    welcome = container_factory(WelcomeService, {
        "AMQP_URI": own_users.uris["welcome"], "DATABASE_URL": welcome_database,
        "OUTBOX_RELAY": {"enabled": True, "poll_interval": 0.2}, "ORGANISATION_TREE_RPC_TIMEOUT": 2,
        **caller_key_config("welcome"),
    })
    welcome.start()
    catch_up = next(d for d in welcome.extensions if isinstance(d, tree.OrganisationTreeCatchUp))
    assert wait_for(lambda: catch_up.caught_up.is_set(), message="the catch-up as welcome's own user")
    assert scalar(welcome_database, "SELECT count(*) FROM organisation_tree WHERE id = %s", county) == 1
    # Then it follows roster's events (its queue bound to roster.events as its own user).
    town = call(roster, "create_organisation", {"name": "南华镇党委", "kind": "party_committee", "parent_id": county})["id"]
    wait_for(lambda: scalar(welcome_database, "SELECT count(*) FROM organisation_tree WHERE id = %s", town),
             message="the projection to follow roster's event")


def test_setting_up_the_vhost_leaves_nobody_else_in_it():
    """The management API gives the user that creates a vhost full rights in it: on a
    local broker that is guest, the very credentials of the forged-scope attack."""
    vhost = f"liudong-test-apply-{uuid.uuid4().hex[:8]}"
    users = broker.users(prefix=f"liudong-test-{uuid.uuid4().hex[:8]}")
    api = broker.ManagementApi(RABBIT_API)
    try:
        broker.apply(api, users, {user.name: broker.new_password() for user in users}, vhost)
        assert {p["user"] for p in api.request("GET", ["vhosts", vhost, "permissions"])} == {u.name for u in users}
        host_port = AMQP_BASE.rsplit("@", 1)[1]
        with pytest.raises(Exception, match="(?i)access to vhost|NOT_ALLOWED"):
            as_(f"amqp://guest:guest@{host_port}/{vhost}")
    finally:
        broker.remove(api, users, vhost)
