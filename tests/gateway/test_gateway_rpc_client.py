"""``gateway.rpc.RpcClient`` on the wire, against a stand-in service on raw kombu.

The stand-in consumes the queue a nameko service named ``probe`` would
(``rpc-probe``, bound to ``nameko-rpc`` with ``probe.*``) in a throwaway vhost,
so each test sees exactly what the client published and decides when, and
whether, a reply goes back. The broker's own view (queues, bindings) comes
from the management API.
"""
import collections
import select
import socket
import threading
from urllib.parse import quote

import kombu
import pytest
import requests
from amqp.exceptions import ResourceLocked
from nameko.exceptions import MethodNotFound, RemoteError, serialize
from nameko.rpc import RPC_QUEUE_TEMPLATE, get_rpc_exchange

from contracts import caller_context
from contracts.errors import ServiceError
from gateway.rpc import RpcClient, ServiceUnavailable
from tests.support import RABBIT_API, create_vhost, delete_vhost, wait_for

SERVICE = "probe"
TIMEOUT = 0.5  # s: the calls that are meant to time out do so quickly


class FakeService:
    """Answers RPC requests as a nameko service would, from a thread of its own.

    ``answer(fake, request)`` runs for every request (a kombu ``Message``);
    it replies with ``fake.reply(request, ...)``, now or later, or never.
    """

    def __init__(self, amqp_uri, answer):
        self.amqp_uri = amqp_uri
        self.answer = answer
        self.requests = []
        self._commands = collections.deque()
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._failure = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        assert self._ready.wait(10), f"the fake service did not start: {self._failure!r}"
        return self

    def stop(self):
        self._stopped.set()
        self._thread.join(10)
        assert self._failure is None, f"the fake service failed: {self._failure!r}"

    def reply(self, request, result=None, error=None):
        """Reply to ``request``; only from ``answer`` or a function passed to ``do``."""
        self._producer.publish(
            {"result": result, "error": error}, exchange=get_rpc_exchange({}),
            routing_key=request.properties["reply_to"], correlation_id=request.properties["correlation_id"],
        )

    def do(self, function):
        """Run ``function()`` in the service's thread (kombu objects are not thread-safe)."""
        done = threading.Event()
        self._commands.append(lambda: (function(), done.set()))
        assert done.wait(10), "the fake service did not run the command"

    def _run(self):
        try:
            with kombu.Connection(self.amqp_uri, connect_timeout=5) as connection:
                channel = connection.channel()
                self._producer = kombu.Producer(channel, serializer="json")
                queue = kombu.Queue(RPC_QUEUE_TEMPLATE.format(SERVICE), get_rpc_exchange({}),
                                    routing_key=f"{SERVICE}.*", durable=True)
                with kombu.Consumer(channel, [queue], callbacks=[self._on_request], accept=["json"], no_ack=True):
                    self._ready.set()
                    while not self._stopped.is_set():
                        try:
                            connection.drain_events(timeout=0.05)
                        except socket.timeout:
                            pass
                        while self._commands:
                            self._commands.popleft()()
        except Exception as exc:  # reported by stop() or start()
            self._failure = exc
            self._ready.set()

    def _on_request(self, body, message):
        self.requests.append(message)
        self.answer(self, message)


def echo(fake, request):
    fake.reply(request, result=request.payload["args"])


@pytest.fixture
def vhost():
    try:
        name, uri = create_vhost("liudong-test-rpc")
    except requests.RequestException as exc:
        pytest.fail(f"these tests need RabbitMQ with its management plugin: {exc}")
    yield name, uri
    delete_vhost(name)


@pytest.fixture
def fake_service(vhost):
    fakes = []

    def start(answer=echo):
        fakes.append(FakeService(vhost[1], answer).start())
        return fakes[-1]

    yield start
    for fake in fakes:
        fake.stop()


@pytest.fixture
def rpc_client(vhost):
    clients = []

    def make(timeout=TIMEOUT):
        clients.append(RpcClient(vhost[1], timeout))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def test_a_scope_goes_out_signed_for_the_method_and_the_arguments_as_the_service_gets_them(fake_service, vhost):
    """The context is the last argument, signed over the arguments as kombu's
    JSON hands them to the service (which may give a UUID back as a UUID)."""
    import uuid

    keys = caller_context.generate_keys([SERVICE])
    signer = caller_context.Signer.from_text(caller_context.GATEWAY, keys[caller_context.GATEWAY_KEY_ENV], "key", 2)
    verifier = caller_context.Verifier.from_text(keys[caller_context.TRUSTED_KEYS_ENV])
    fake_service()
    client = RpcClient(vhost[1], 2, signer=signer)
    member_id = uuid.uuid4()
    scope = {"organisation_ids": None, "member_id": None, "reveal": [], "principal": "user:1"}
    try:
        *arguments, context = client.call(SERVICE, "echo", member_id, {"page": 1}, scope=scope)
    finally:
        client.close()

    assert [str(arguments[0]), arguments[1]] == [str(member_id), {"page": 1}]
    verified = verifier.verify(context, SERVICE, "echo", arguments)
    assert verified.issuer == "gateway" and verified.scope == scope
    assert verified.expires_at - verified.issued_at == 2 + caller_context.MARGIN
    with pytest.raises(caller_context.CallerNotTrusted, match="arguments_altered"):
        verifier.verify(context, SERVICE, "echo", [str(uuid.uuid4()), {"page": 1}])
    with pytest.raises(RuntimeError, match="no signer"):
        RpcClient(vhost[1], 2).call(SERVICE, "echo", scope=scope)


def reply_queues(vhost_name):
    """The gateway's reply queues in the vhost, as the broker describes them, with their bindings."""
    api = f"{RABBIT_API}/api/queues/{quote(vhost_name, safe='')}"
    queues = [q for q in requests.get(api, timeout=10).json() if q["name"].startswith("rpc.reply-gateway-")]
    for queue in queues:
        queue["bindings"] = [
            (b["source"], b["routing_key"])
            for b in requests.get(f"{api}/{quote(queue['name'], safe='')}/bindings", timeout=10).json()
            if b["source"]  # not the default exchange's implicit binding
        ]
    return {q["name"]: q for q in queues}


def test_a_request_is_transient_mandatory_json_with_a_ttl_of_the_timeout(fake_service, rpc_client):
    fake = fake_service()
    client = rpc_client(timeout=2)

    assert client.call(SERVICE, "echo", "甲", 2) == ["甲", 2]

    (request,) = fake.requests
    assert request.delivery_info["exchange"] == "nameko-rpc"
    assert request.delivery_info["routing_key"] == "probe.echo"
    assert request.payload == {"args": ["甲", 2], "kwargs": {}}
    assert request.content_type == "application/json"
    assert request.properties["delivery_mode"] == 1  # not persistent
    # What was left of the 2 s when it was published, in milliseconds.
    assert 1500 < int(request.properties["expiration"]) <= 2000
    assert request.properties["correlation_id"]
    assert request.headers["nameko.call_id_stack"] == [f"gateway.call.{request.properties['correlation_id']}"]


def test_the_ttl_follows_a_per_call_timeout(fake_service, rpc_client):
    fake = fake_service()
    client = rpc_client(timeout=4)

    client.call(SERVICE, "echo", timeout=0.75)
    client.call(SERVICE, "echo")

    first, second = fake.requests
    assert 500 < int(first.properties["expiration"]) <= 750
    assert 3500 < int(second.properties["expiration"]) <= 4000


def test_each_thread_has_one_exclusive_auto_deleted_reply_queue_bound_to_nameko_rpc(vhost, fake_service, rpc_client):
    name, uri = vhost
    fake = fake_service()
    client = rpc_client()
    barrier = threading.Barrier(3)
    errors = []

    def calls():
        try:
            barrier.wait(10)  # three threads at once, each with its own connection
            for n in range(3):
                client.call(SERVICE, "echo", n)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=calls) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors

    reply_to = collections.Counter(r.properties["reply_to"] for r in fake.requests)
    assert sorted(reply_to.values()) == [3, 3, 3]  # three threads, three calls each on its own queue
    queues = reply_queues(name)
    assert len(queues) == 3
    for queue in queues.values():
        assert (queue["durable"], queue["exclusive"], queue["auto_delete"]) == (False, True, True)
        (binding,) = queue["bindings"]
        assert binding[0] == "nameko-rpc" and binding[1] in reply_to

    # Exclusive: no other connection may even look at it.
    with kombu.Connection(uri, connect_timeout=5) as other:
        with pytest.raises(ResourceLocked):
            other.channel().queue_declare(next(iter(queues)), passive=True)

    client.close()
    wait_for(lambda: not reply_queues(name), 5, "the reply queues to go with their connections")


@pytest.mark.parametrize("arrives", ["while the thread is idle", "during the next call"])
def test_a_late_reply_never_answers_a_later_call(arrives, fake_service, rpc_client):
    held = []

    def answer(fake, request):
        if request.payload["args"] == ["slow"]:
            held.append(request)  # answered later, if ever
            return
        if arrives == "during the next call":
            for late in held:
                fake.reply(late, result="the late answer to slow")
        fake.reply(request, result=f"the answer to {request.payload['args'][0]}")

    fake = fake_service(answer)
    client = rpc_client()

    with pytest.raises(ServiceUnavailable) as timed_out:
        client.call(SERVICE, "echo", "slow")
    assert timed_out.value.cause == "timeout"

    if arrives == "while the thread is idle":
        fake.do(lambda: fake.reply(held[0], result="the late answer to slow"))
        sock = client._local.link.sock  # this thread's connection: the late reply is waiting in it
        assert select.select([sock], [], [], 5)[0], "the late reply did not reach the gateway"

    assert client.call(SERVICE, "echo", "fast") == "the answer to fast"
    assert client.call(SERVICE, "echo", "next") == "the answer to next"
    # The timeout kept the thread's connection and reply queue.
    assert len({r.properties["reply_to"] for r in fake.requests}) == 1


def test_remote_errors_come_back_as_nameko_turns_them_into_exceptions(fake_service, rpc_client):
    errors = {
        "service_error": serialize(ServiceError("member_not_found", "no member has that id", {"id": "42"})),
        "bug": serialize(ZeroDivisionError("division by zero")),
        "missing": serialize(MethodNotFound("missing")),
    }
    fake = fake_service(lambda fake, request: fake.reply(request, error=errors[request.payload["args"][0]]))
    client = rpc_client()

    with pytest.raises(ServiceError) as service_error:
        client.call(SERVICE, "fails", "service_error")
    assert type(service_error.value) is ServiceError
    assert (service_error.value.code, service_error.value.message, service_error.value.details) == (
        "member_not_found", "no member has that id", {"id": "42"})

    with pytest.raises(RemoteError) as bug:
        client.call(SERVICE, "fails", "bug")
    assert bug.value.exc_type == "ZeroDivisionError"

    with pytest.raises(MethodNotFound):
        client.call(SERVICE, "fails", "missing")

    # An error is an answer: the connection stays.
    assert len({r.properties["reply_to"] for r in fake.requests}) == 1


def test_a_service_that_is_not_running_is_known_from_the_returned_request(vhost, rpc_client):
    client = rpc_client(timeout=4)

    for _ in range(2):
        with pytest.raises(ServiceUnavailable) as not_running:
            client.call(SERVICE, "echo")
        assert not_running.value.cause == "service_not_running"
        assert not_running.value.details == {"service": SERVICE, "cause": "service_not_running"}
    assert len(reply_queues(vhost[0])) == 1  # the same connection both times
