"""RPC from the gateway to the nameko services.

Each worker thread owns one ``ClusterRpcProxy``, started on its first call: the
standalone proxy is single-threaded, and one per thread keeps calls from waiting
on each other. Every failure that means "the platform cannot answer now" becomes
:class:`ServiceUnavailable` (HTTP 503) well inside 5 seconds:

- broker unreachable: one connection attempt bounded by ``CONNECT_TIMEOUT``,
  instead of kombu's default of retrying after growing pauses (up to ~9 s);
  a broker that hangs costs at most ``PUBLISH_TIMEOUT + 2 x CONNECT_TIMEOUT``;
- service not running (no queue bound for it): nameko's ``UnknownService``,
  known as soon as the broker returns the unroutable request;
- service silent: the whole call (publish + wait for the reply) is bounded by
  the RPC timeout.

A thread whose proxy met a broker error or a timeout drops it, and its next
call builds a fresh one, so the gateway recovers by itself when the broker
comes back.

Every request carries an AMQP per-message TTL equal to the call's timeout: a
request still queued when the gateway has already answered 503 is dropped by
the broker rather than executed later, when the service comes back. (A request
the service took just before the deadline may still run; only an
``Idempotency-Key`` makes retries of such writes safe.)
"""
import logging
import socket
import threading
import time

from amqp import spec
from amqp.abstract_channel import IGNORED_METHOD_DURING_CHANNEL_CLOSE
from amqp.exceptions import AMQPError, MessageNacked
from kombu.exceptions import OperationalError
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.exceptions import BadRequest, RemoteError, RpcTimeout, UnknownService
from nameko.rpc import MethodProxy, ServiceProxy
from nameko.standalone.rpc import (
    ClusterRpcProxy,
    PollingQueueConsumer,
    SingleThreadedReplyListener,
)

from contracts.errors import ErrorCode, ServiceError
from gateway.logs import get_logger

log = get_logger(__name__)

# A healthy local or in-cluster broker connects and confirms a publish in
# milliseconds; these only bound a broker that hangs or a network that drops
# packets, where a request costs at most PUBLISH + 2 x CONNECT (one reconnect).
CONNECT_TIMEOUT = 1.0
PUBLISH_TIMEOUT = 1.5

# The service answered: the proxy and its connection are healthy.
REMOTE_ERRORS = (ServiceError, RemoteError, BadRequest)

# Errors that mean the broker is gone, never came up, or refuses us (wrong
# credentials or vhost: the log says which). RuntimeError is what nameko's reply
# waiter raises when its consumer was disconnected under it.
BROKER_ERRORS = (OSError, AMQPError, OperationalError, MessageNacked, RuntimeError)


class ServiceUnavailable(ServiceError):
    """The broker or the service cannot answer now; the caller may retry later.

    ``details["cause"]`` is ``broker_unreachable``, ``service_not_running`` or
    ``timeout``.
    """

    def __init__(self, service, cause, message):
        super().__init__(ErrorCode.SERVICE_UNAVAILABLE, message, {"service": service, "cause": cause})
        self.service = service
        self.cause = cause


class _ReplyConsumer(PollingQueueConsumer):
    def _setup_consumer(self):
        # kombu would connect lazily on first use and retry after a fixed 2 s
        # pause; connect here, once and bounded, so a dead broker costs one
        # refused connection.
        self.connection.connect_timeout = CONNECT_TIMEOUT
        self.connection.ensure_connection(max_retries=0)
        super()._setup_consumer()

    def get_message(self, correlation_id, reconnect=True):
        # nameko's version re-creates the consumer after a timeout, talking
        # without a bound to a broker that may be why the reply is late; this
        # proxy is abandoned after a timeout instead. A dropped connection
        # still gets one reconnect, as in nameko: its reply queue outlives the
        # connection, so a reply already sent is not lost.
        try:
            while correlation_id not in self.replies:
                self.consumer.connection.drain_events(timeout=self.timeout)
        except socket.timeout:
            self.provider._reply_events.pop(correlation_id).send_exception(RpcTimeout(self.timeout))
            return
        except (OSError, AMQPError):
            if not reconnect:
                raise
            self._setup_consumer()
            return self.get_message(correlation_id, reconnect=False)
        body, message = self.replies.pop(correlation_id)
        self.provider.handle_message(body, message)

    def abandon(self):
        # Drop the connection without the closing handshake, which would wait
        # without a bound on a broker that stopped answering.
        self.stopped = True
        self.connection.collect()


class _ReplyListener(SingleThreadedReplyListener):
    def __init__(self, timeout=None):
        super().__init__(timeout=timeout)
        self.queue_consumer = _ReplyConsumer(timeout=timeout)


class _Publisher(Publisher):
    # nameko's defaults retry a lost broker for seconds with growing pauses. A
    # caller waiting for an HTTP answer is better served by one immediate
    # reconnect (which is what replaces a pooled connection that went stale
    # while the broker restarted) and then a 503.
    transport_options = {
        "connect_timeout": CONNECT_TIMEOUT,
        "max_retries": 0,
        "interval_start": 0,
        "interval_step": 0,
        "interval_max": 0,
    }
    retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}


class _MethodProxy(MethodProxy):
    publisher_cls = _Publisher


class _ServiceProxy(ServiceProxy):
    def __getattr__(self, name):
        return _MethodProxy(self.worker_ctx, self.service_name, name, self.reply_listener, **self.options)


class _ThreadProxy(ClusterRpcProxy):
    """A started ``ClusterRpcProxy`` whose calls carry a deadline and a TTL."""

    def __init__(self, config, timeout):
        super().__init__(config, timeout=timeout, reply_listener_cls=_ReplyListener)

    def call(self, service, method, args, timeout):
        started = time.monotonic()
        # ClusterProxy cannot pass publisher options, so build the service
        # proxy here (it is a plain object; no I/O) on the same reply queue.
        proxy = _ServiceProxy(
            self._worker_ctx, service, self._reply_listener,
            expiration=timeout,  # kombu takes seconds and sends milliseconds
            timeout=min(timeout, PUBLISH_TIMEOUT),  # bounds the publish and its confirm
        )
        reply = getattr(proxy, method).call_async(*args)
        # The wait for the reply gets what is left of the budget, so the call
        # as a whole never takes much longer than ``timeout``.
        self._reply_listener.queue_consumer.timeout = max(timeout - (time.monotonic() - started), 0.05)
        return reply.result()

    def abandon(self):
        self._reply_listener.queue_consumer.abandon()

    def forget_pending_replies(self):
        # nameko registers the reply event before publishing and leaves it
        # behind when the request turns out to be unroutable.
        self._reply_listener._reply_events.clear()


def _not_the_confirm_of_an_unroutable_request(record):
    # nameko learns that a service is not running from a mandatory, confirmed
    # publish that the broker returns; kombu closes the channel on the return,
    # the broker's confirm arrives after, and amqp warns about it every time.
    return not (record.msg == IGNORED_METHOD_DURING_CHANNEL_CLOSE and record.args and record.args[0] == spec.Basic.Ack)


class RpcClient:
    """Calls services by name; thread-safe, one proxy per calling thread."""

    def __init__(self, amqp_uri, timeout):
        logging.getLogger("amqp").addFilter(_not_the_confirm_of_an_unroutable_request)
        self.amqp_uri = amqp_uri
        self.timeout = float(timeout)
        self._config = {AMQP_URI_CONFIG_KEY: amqp_uri}
        self._local = threading.local()
        self._lock = threading.Lock()
        self._started = set()

    def call(self, service, method, *args, timeout=None):
        """Call ``service.method(*args)`` and return its result.

        Raises the service's own ``ServiceError``, :class:`ServiceUnavailable`,
        or any other exception for a failure nobody planned for.
        """
        timeout = self.timeout if timeout is None else float(timeout)
        proxy = self._thread_proxy(service)
        try:
            return proxy.call(service, method, args, timeout)
        except REMOTE_ERRORS:
            raise
        except UnknownService:
            proxy.forget_pending_replies()
            raise ServiceUnavailable(service, "service_not_running", f"the {service} service is not running") from None
        except RpcTimeout:
            # The late reply would reach this proxy's reply queue, where nameko
            # keeps it forever and lets it restart the next call's wait; a
            # fresh proxy listens on a fresh queue.
            self._discard(proxy)
            raise ServiceUnavailable(service, "timeout", f"the {service} service did not answer within {timeout:g} s") from None
        except BROKER_ERRORS as exc:
            self._discard(proxy)
            log.warning("lost the message broker during %s.%s: %r", service, method, exc)
            raise ServiceUnavailable(service, "broker_unreachable", "the message broker is unreachable") from None
        except BaseException:
            # Whatever happened, the proxy's state is unknown now.
            self._discard(proxy)
            raise

    def close(self):
        """Stop every thread's proxy; for worker exit, when no call is running."""
        with self._lock:
            proxies, self._started = self._started, set()
        log.info("closing the broker connections of %d RPC proxies", len(proxies))
        for proxy in proxies:
            self._stop(proxy)

    def _thread_proxy(self, service):
        proxy = getattr(self._local, "proxy", None)
        if proxy is not None:
            return proxy
        proxy = _ThreadProxy(self._config, self.timeout)
        try:
            proxy.start()
        except BROKER_ERRORS as exc:
            self._abandon(proxy)
            log.warning("cannot reach the message broker: %r", exc)
            raise ServiceUnavailable(service, "broker_unreachable", "the message broker is unreachable") from None
        with self._lock:
            self._started.add(proxy)
        self._local.proxy = proxy
        return proxy

    def _discard(self, proxy):
        if getattr(self._local, "proxy", None) is proxy:
            self._local.proxy = None
        with self._lock:
            self._started.discard(proxy)
        self._abandon(proxy)

    @staticmethod
    def _abandon(proxy):
        try:
            proxy.abandon()
        except Exception:  # noqa: BLE001 - it is being thrown away; nothing else to do
            log.debug("abandoning an RPC proxy failed", exc_info=True)

    @staticmethod
    def _stop(proxy):
        try:
            proxy.stop()
        except Exception:  # noqa: BLE001 - the connection may already be dead; nothing to clean up then
            log.debug("stopping an RPC proxy failed", exc_info=True)
