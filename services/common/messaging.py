"""Event handlers that never silently drop a failure.

``reliable_event_handler`` is nameko's ``event_handler`` with three changes:

- the handler receives the envelope with ``data`` typed: upcast to the newest
  version this consumer knows and loaded with its catalogue schema (dates,
  UUIDs), unknown fields dropped (``contracts.events.load_envelope``);
- a *permanent* failure goes to the service's dead-letter queue at once, with
  its reason: a body that is no valid envelope, data its schema refuses, an
  event or version this consumer does not know, or a rule violation raised by
  the handler (``RuleViolation`` / ``ServiceError``): retrying cannot change
  any of them;
- any other failure (the database or broker down, a deadlock) is *transient*:
  retried with exponential back-off through per-delay retry queues (TTL +
  dead-lettering back into the handler's queue), and after ``max_attempts``
  dead-lettered too.

Dead letters carry the error and their origin in headers, where an operator can
inspect and replay them (``liudong dead-letters``, services.common.operator). The original
is acked only after the broker has confirmed the retry or dead-letter copy.
"""
import functools
import logging
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone

from kombu import Exchange, Queue
from marshmallow import ValidationError
from nameko.amqp.publish import Publisher
from nameko.events import EventHandler

from contracts.errors import RuleViolation, ServiceError
from contracts.events import load_envelope

log = logging.getLogger(__name__)

DEAD_LETTER_EXCHANGE = Exchange("liudong.dead-letter", type="direct", durable=True)
ATTEMPTS_HEADER = "x-liudong-attempts"
ORIGINAL_QUEUE_HEADER = "x-liudong-original-queue"
ERROR_HEADER = "x-liudong-error"


def dead_letter_queue(service_name):
    return Queue(
        f"{service_name}.dead-letter",
        exchange=DEAD_LETTER_EXCHANGE,
        routing_key=service_name,
        durable=True,
        # Replicated on a cluster: a dead letter is the last copy of an event.
        # deploy/rabbitmq declares it the same way; arguments must match.
        queue_arguments={"x-queue-type": "quorum"},
    )


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    initial_delay: float = 1.0
    multiplier: float = 4.0
    max_delay: float = 300.0

    @classmethod
    def from_config(cls, config):
        config = config or {}
        return cls(**{key: type(getattr(cls, key))(value) for key, value in config.items() if key in cls.__dataclass_fields__})

    def delay_ms(self, attempt):
        """The wait before attempt number ``attempt + 1``, in whole milliseconds."""
        seconds = min(self.max_delay, self.initial_delay * self.multiplier ** (attempt - 1))
        return max(1, int(seconds * 1000))


# Failures that no retry can cure.
PERMANENT_FAILURES = (RuleViolation, ServiceError, ValidationError, LookupError)


class ReliableEventHandler(EventHandler):
    def setup(self):
        super().setup()
        config = self.container.config
        self.retry_policy = RetryPolicy.from_config(config.get("EVENT_RETRY"))
        self.publisher = Publisher(config["AMQP_URI"], use_confirms=True)

    def handle_message(self, body, message):
        try:
            body = load_envelope(body)
        except (ValidationError, LookupError, KeyError, TypeError) as exc:
            reason = f"{type(exc).__name__}: {exc}"[:2000]
            log.error("dead-lettering an event %s cannot read: %s", self.queue.name, reason)
            self._settle(message, lambda: self._dead_letter(message, 1, reason))
            return
        super().handle_message(body, message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()[:2000]
        if issubclass(exc_info[0], PERMANENT_FAILURES):
            log.error("%s refused the event for good, dead-lettering it: %s", self.method_name, error)
            self._settle(message, lambda: self._dead_letter(message, attempts, error))
        elif attempts < self.retry_policy.max_attempts:
            log.warning("%s failed (attempt %d of %d), retrying: %s", self.method_name, attempts, self.retry_policy.max_attempts, error)
            self._settle(message, lambda: self._retry(message, attempts, error))
        else:
            log.error("%s failed %d times, dead-lettering: %s", self.method_name, attempts, error)
            self._settle(message, lambda: self._dead_letter(message, attempts, error))

    def _settle(self, message, forward):
        """Forward a copy, then ack; if the copy cannot be confirmed, the
        original goes back to its queue instead, so nothing is lost."""
        try:
            forward()
        except Exception:
            log.exception("could not forward a failed message from %s; requeueing it", self.queue.name)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)

    def _retry(self, message, attempts, error):
        delay_ms = self.retry_policy.delay_ms(attempts)
        retry_queue = Queue(
            f"{self.queue.name}.retry.{delay_ms}",
            exchange=Exchange(""),
            routing_key=f"{self.queue.name}.retry.{delay_ms}",
            durable=True,
            queue_arguments={
                "x-message-ttl": delay_ms,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": self.queue.name,
            },
        )
        self._forward(message, exchange=Exchange(""), routing_key=retry_queue.name, declare=[retry_queue],
                      headers={ATTEMPTS_HEADER: attempts, ERROR_HEADER: error})

    def _dead_letter(self, message, attempts, error):
        queue = dead_letter_queue(self.container.service_name)
        self._forward(
            message,
            exchange=DEAD_LETTER_EXCHANGE,
            routing_key=self.container.service_name,
            declare=[DEAD_LETTER_EXCHANGE, queue],
            headers={
                ATTEMPTS_HEADER: attempts,
                ERROR_HEADER: error,
                ORIGINAL_QUEUE_HEADER: self.queue.name,
                "x-liudong-original-exchange": message.delivery_info.get("exchange", ""),
                "x-liudong-original-routing-key": message.delivery_info.get("routing_key", ""),
                "x-liudong-dead-lettered-at": datetime.now(timezone.utc).isoformat(),
            },
        )

    def _forward(self, message, exchange, routing_key, declare, headers):
        # The raw body is forwarded untouched, not the upcast one.
        properties = message.properties or {}
        self.publisher.publish(
            message.body,
            exchange=exchange,
            routing_key=routing_key,
            declare=declare,
            serializer=None,
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            message_id=properties.get("message_id"),
            headers={**(message.headers or {}), **headers},
        )


reliable_event_handler = ReliableEventHandler.decorator


def idempotent(handler_name=None, dependency="db"):
    """Make an event handler take effect once per event, whatever the redeliveries.

    The inbox claim (event_id, handler) and the handler's own writes go through
    the same unit of work (``self.<dependency>``), which this decorator commits
    when the handler returns (it owns the transaction, as ``rpc`` does for
    calls); a duplicate rolls back and returns None. Place it under the
    entrypoint::

        @reliable_event_handler("roster", "member_returned")
        @idempotent()
        def enrol_in_homecoming_training(self, envelope): ...
    """

    def decorate(method):
        @functools.wraps(method)
        def handler(self, envelope):
            unit_of_work = getattr(self, dependency)
            name = handler_name or f"{self.name}.{method.__name__}"
            if not unit_of_work.first_delivery(envelope["event_id"], name, envelope["event_type"]):
                log.info("%s already handled event %s; skipping the duplicate", name, envelope["event_id"])
                unit_of_work.rollback()
                return None
            result = method(self, envelope)
            unit_of_work.commit()
            return result

        return handler

    return decorate
