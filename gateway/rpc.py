"""RPC from the gateway to the nameko services, on py-amqp rather than nameko's proxies.

nameko 2.14's standalone proxy is built for a script, not for a threaded web
server that must answer within seconds: it publishes each request persistent
and confirmed on a pooled connection, declares a durable reply queue, retries a
lost broker for many seconds, and keeps a late reply to restart the next call's
wait. Bending it into shape took six subclasses reaching into private state,
so this module speaks nameko's RPC wire format itself, which is small and
stable: a JSON ``{"args": [...], "kwargs": {...}}`` published to the durable
topic exchange ``nameko-rpc`` with routing key ``<service>.<method>``,
``reply_to`` (the routing key that binds the caller's reply queue to the same
exchange) and ``correlation_id``; the reply is ``{"result": ..., "error": ...}``
and an error is turned back into an exception by nameko's own
``deserialize``, so a service's ``ServiceError`` arrives with its code, message
and details.

Each calling thread owns one connection with one exclusive, auto-deleted reply
queue, so calls never wait on each other and nothing of a thread outlives its
connection. Requests are transient with a per-message TTL of what is left of
the call's timeout: an RPC needs no persistence, and a request still queued
when the gateway has already answered 503 is dropped by the broker rather than
executed later, when the service comes back. (A request the service took just
before the deadline may still run and commit; only an ``Idempotency-Key``, on
the writes that take one, makes a client's retry of such a write safe.)

Every failure that means "the platform cannot answer now" becomes
:class:`ServiceUnavailable` (HTTP 503) well inside 5 seconds:

- broker unreachable: one connection attempt, each step bounded by
  ``CONNECT_TIMEOUT`` (kombu would retry after growing pauses);
- service not running (no queue bound for ``<service>.*``): requests are
  mandatory, so the broker returns an unroutable one at once, on the channel
  the caller is already reading for its reply; no publisher confirm is needed
  to learn it, and none is paid for on every call;
- service silent: the call is bounded by its timeout. A call still unanswered
  after ``LIVENESS_AFTER`` (or half its timeout) asks the broker how many
  consumers the service's queue has, so a broker that hangs is told from a
  slow service, and fails the call within about ``LIVENESS_AFTER +
  IO_TIMEOUT``; and a service none of whose instances is connected (all
  stopped, or their broker links cut) fails it then too, not at the timeout.

A reply is taken only by the call whose ``correlation_id`` it carries; a late
reply to a call that already timed out is dropped when it arrives, so it can
never answer a later call, and a timeout keeps the thread's connection. A
connection the broker closed meanwhile (a restart) is noticed before the next
request is published and replaced, without publishing anything twice; a
broker error during a call drops the connection, and the thread's next call
connects afresh, so the gateway recovers by itself when the broker comes back.
"""
import math
import select
import socket
import threading
import time
import uuid

import amqp
import kombu
from amqp.exceptions import AMQPError
from kombu.utils.json import dumps, loads
from nameko.constants import CALL_ID_STACK_CONTEXT_KEY, HEADER_PREFIX, NON_PERSISTENT
from nameko.exceptions import BadRequest, RemoteError, deserialize
from nameko.rpc import RPC_QUEUE_TEMPLATE, RPC_REPLY_QUEUE_TEMPLATE, get_rpc_exchange

from contracts import caller_context
from contracts.errors import ErrorCode, ServiceError
from gateway.logs import get_logger

log = get_logger(__name__)

# A healthy local or in-cluster broker connects and answers in milliseconds;
# these only bound a broker that hangs or a network that drops packets.
CONNECT_TIMEOUT = 1.0  # TCP connect, and each step of the AMQP handshake
IO_TIMEOUT = 1.0  # any other wait on the broker: declarations, a write, a close, the liveness check
LIVENESS_AFTER = 1.0  # a call unanswered this long checks that the broker still answers

# nameko's exchange, declared exactly as its services declare it.
RPC_EXCHANGE = get_rpc_exchange({})
CONTENT_TYPE, CONTENT_ENCODING = "application/json", "utf-8"
CALL_ID_STACK_HEADER = f"{HEADER_PREFIX}.{CALL_ID_STACK_CONTEXT_KEY}"

# The service answered: the connection is healthy.
REMOTE_ERRORS = (ServiceError, RemoteError, BadRequest)

# Errors that mean the broker is gone, never came up, hangs, or refuses us
# (wrong credentials or vhost, a missing permission: the log says which).
BROKER_ERRORS = (OSError, AMQPError)


class ServiceUnavailable(ServiceError):
    """The broker or the service cannot answer now; the caller may retry later.

    ``details["cause"]`` is ``broker_unreachable``, ``service_not_running`` or
    ``timeout``.
    """

    def __init__(self, service, cause, message):
        super().__init__(ErrorCode.SERVICE_UNAVAILABLE, message, {"service": service, "cause": cause})
        self.service = service
        self.cause = cause


class _Unroutable(Exception):
    """The broker returned the request: no queue is bound for the service."""


class _NoInstance(Exception):
    """The service's queue has no consumer: every instance is stopped or has lost its broker link."""

    def __init__(self, channel_closed=False):
        super().__init__()
        self.channel_closed = channel_closed


class _Timeout(Exception):
    """No reply within the call's timeout, while the broker kept answering."""


class _Link:
    """One thread's connection, channel and exclusive reply queue."""

    def __init__(self, amqp_uri):
        self.routing_key = str(uuid.uuid4())
        self.queue = RPC_REPLY_QUEUE_TEMPLATE.format("gateway", self.routing_key)
        self._waiting_for = None
        self._reply = None
        self._returned = False
        self.connection = _connect(amqp_uri)
        try:
            self.sock = self.connection.transport.sock
            # Waits that py-amqp does not bound itself (a declaration's answer,
            # a write to a full socket, the closing handshake) fail after this.
            self.sock.settimeout(IO_TIMEOUT)
            self._poll = select.poll()
            self._poll.register(self.sock, select.POLLIN)
            channel = self.channel = self.connection.channel()
            channel.exchange_declare(RPC_EXCHANGE.name, RPC_EXCHANGE.type, durable=RPC_EXCHANGE.durable,
                                     auto_delete=RPC_EXCHANGE.auto_delete)
            channel.queue_declare(self.queue, durable=False, exclusive=True, auto_delete=True)
            channel.queue_bind(self.queue, RPC_EXCHANGE.name, self.routing_key)
            # No acks: the queue dies with the connection, so an unacked reply
            # could never be delivered again anyway.
            channel.basic_consume(self.queue, no_ack=True, callback=self._on_reply)
            channel.events["basic_return"].add(self._on_return)
        except BaseException:
            self.abandon()
            raise

    def call(self, service, method, body, deadline):
        """Publish one request and wait for its reply until ``deadline``; the reply body."""
        correlation_id = str(uuid.uuid4())
        started = time.monotonic()
        ttl = max(deadline - started, 0.001)
        message = amqp.Message(
            body, content_type=CONTENT_TYPE, content_encoding=CONTENT_ENCODING,
            delivery_mode=NON_PERSISTENT, expiration=str(math.ceil(ttl * 1000)),
            reply_to=self.routing_key, correlation_id=correlation_id,
            # What nameko's own proxy sends: the service's call-id stack then
            # starts from this request.
            application_headers={CALL_ID_STACK_HEADER: [f"gateway.call.{correlation_id}"]},
        )
        self._waiting_for, self._reply, self._returned = correlation_id, None, False
        try:
            self.channel.basic_publish(message, RPC_EXCHANGE.name, f"{service}.{method}", mandatory=True)
            check_at = started + min(LIVENESS_AFTER, ttl / 2)
            checked = False
            while self._reply is None:
                if self._returned:
                    raise _Unroutable()
                now = time.monotonic()
                if not checked and now >= check_at:
                    self._check_broker_answers(max(min(IO_TIMEOUT, deadline - now), 0.2), service)
                    checked = True
                    continue
                until = deadline if checked else check_at
                if now >= until:
                    raise _Timeout()
                try:
                    self.connection.drain_events(timeout=until - now)
                except socket.timeout:
                    pass  # py-amqp keeps a partly read frame for the next read
            return self._reply
        finally:
            self._waiting_for = self._reply = None

    def discard_stale(self):
        """Read whatever arrived while the thread was idle: late replies are
        dropped, and a connection the broker closed raises here, before a
        request is published on it."""
        pending = getattr(self.sock, "pending", None)  # TLS may hold decrypted bytes that poll cannot see
        while self._poll.poll(0) or (pending is not None and pending()):
            self.connection.drain_events(timeout=IO_TIMEOUT)

    def close(self):
        try:
            self.connection.close()  # the closing handshake, bounded by IO_TIMEOUT
        except Exception:  # noqa: BLE001 - closing a connection that is gone; drop it instead
            self.abandon()

    def abandon(self):
        # No closing handshake: the broker may be why we are leaving.
        try:
            self.connection.collect()
        except Exception:  # noqa: BLE001 - it is being thrown away; nothing else to do
            log.debug("dropping an RPC connection failed", exc_info=True)

    def _check_broker_answers(self, within, service):
        # A passive declare of the service's queue is answered by the broker
        # (so it still answers) with the queue's consumers: none means that no
        # instance of the service is connected (all stopped, or their links
        # cut), and waiting out the timeout would only hold this thread.
        # Replies arriving meanwhile are dispatched to _on_reply as usual.
        with self.connection.transport.having_timeout(within):
            try:
                _, _, consumers = self.channel.queue_declare(RPC_QUEUE_TEMPLATE.format(service), passive=True)
            except amqp.exceptions.NotFound:
                raise _NoInstance(channel_closed=True) from None
        if consumers == 0 and self._reply is None:
            raise _NoInstance()

    def _on_reply(self, message):
        if message.properties.get("correlation_id") == self._waiting_for and self._waiting_for is not None:
            self._reply = message.body
        else:
            log.debug("dropped a late RPC reply (correlation id %s)", message.properties.get("correlation_id"))

    def _on_return(self, exc, exchange, routing_key, message):
        if message.properties.get("correlation_id") == self._waiting_for and self._waiting_for is not None:
            self._returned = True


def _connect(amqp_uri):
    # kombu reads the URI (vhost, TLS, login method) and builds py-amqp's
    # connection, once: no retry loop. The handshake is bounded by
    # connect_timeout per step; heartbeats stay off, as nobody would send them
    # while a thread is idle.
    connection = kombu.Connection(amqp_uri, connect_timeout=CONNECT_TIMEOUT, heartbeat=0).transport.establish_connection()
    if not isinstance(connection, amqp.Connection):
        connection.close()
        raise TypeError(f"gateway.rpc needs py-amqp; the URI chose {type(connection).__module__}")
    return connection


def _result(body):
    reply = loads(body)
    error = reply.get("error")
    if error:
        raise deserialize(error)
    return reply["result"]


class RpcClient:
    """Calls services by name; thread-safe, one connection per calling thread."""

    def __init__(self, amqp_uri, timeout, signer=None):
        """``signer``: a ``contracts.caller_context.Signer``, for the calls that carry a scope."""
        self.amqp_uri = amqp_uri
        self.timeout = float(timeout)
        self.signer = signer
        self._local = threading.local()
        self._lock = threading.Lock()
        self._links = set()

    def call(self, service, method, *args, scope=None, timeout=None):
        """Call ``service.method(*args)``, or with a ``scope``
        ``service.method(*args, <signed context>)``, and return its result.

        The context (``contracts.caller_context``) carries the scope, signed for
        this method and these arguments, for a little longer than ``timeout``;
        only ``ping`` is called without one.

        Raises the service's own ``ServiceError``, :class:`ServiceUnavailable`,
        or any other exception for a failure nobody planned for.
        """
        timeout = self.timeout if timeout is None else float(timeout)
        deadline = time.monotonic() + timeout
        if scope is not None:
            if self.signer is None:
                raise RuntimeError("this RpcClient has no signer: it cannot call with a scope")
            # Signed as the service will receive them: JSON values, after the wire's encoding.
            args = loads(dumps(list(args)))
            args.append(self.signer.sign(service, method, args, loads(dumps(scope)),
                                         lifetime=timeout + caller_context.MARGIN))
        body = dumps({"args": args, "kwargs": {}})
        link = self._thread_link(service)
        try:
            reply = link.call(service, method, body, deadline)
        except _Unroutable:
            raise ServiceUnavailable(service, "service_not_running", f"the {service} service is not running") from None
        except _NoInstance as exc:
            if exc.channel_closed:
                self._drop(link)
            raise ServiceUnavailable(service, "service_not_running", f"the {service} service is not running") from None
        except _Timeout:
            raise ServiceUnavailable(service, "timeout", f"the {service} service did not answer within {timeout:g} s") from None
        except BROKER_ERRORS as exc:
            self._drop(link)
            log.warning("lost the message broker during %s.%s: %r", service, method, exc)
            raise ServiceUnavailable(service, "broker_unreachable", "the message broker is unreachable") from None
        except BaseException:
            # Whatever happened, the connection's state is unknown now.
            self._drop(link)
            raise
        return _result(reply)

    def close(self):
        """Close every thread's connection; for worker exit, when no call is running."""
        with self._lock:
            links, self._links = self._links, set()
        log.info("closing the broker connections of %d RPC client threads", len(links))
        for link in links:
            link.close()

    def _thread_link(self, service):
        link = getattr(self._local, "link", None)
        if link is not None:
            try:
                link.discard_stale()
                return link
            except BROKER_ERRORS as exc:
                # The broker closed it while the thread was idle (a restart):
                # nothing was published on it, so connecting again is safe.
                log.info("the RPC connection was closed while idle (%r); connecting again", exc)
                self._drop(link)
            except BaseException:
                self._drop(link)
                raise
        try:
            link = _Link(self.amqp_uri)
        except BROKER_ERRORS as exc:
            log.warning("cannot reach the message broker: %r", exc)
            raise ServiceUnavailable(service, "broker_unreachable", "the message broker is unreachable") from None
        with self._lock:
            self._links.add(link)
        self._local.link = link
        return link

    def _drop(self, link):
        if getattr(self._local, "link", None) is link:
            self._local.link = None
        with self._lock:
            self._links.discard(link)
        link.abandon()
