"""Inspect and replay a service's dead-letter queue, ``<service>.dead-letter``.

A dead letter is the last copy of an event a handler could not take
(``services.common.messaging``): nothing here may lose one. So

- listing and showing fetch the messages unacked and give them all back by
  closing the channel, which the broker answers before anything else happens
  on the connection: the queue is left as it was found, in its order;
- replay sends a message back to the queue it failed on, with its attempt count
  reset, and acks the dead letter only after the broker has confirmed the copy
  and routed it (a copy for a queue that no longer exists is returned to us, not
  confirmed as delivered, and the dead letter stays). Handlers are idempotent
  (``messaging.idempotent``), so replaying an event that did take effect after
  all changes nothing.

The operator's command is ``liudong dead-letters`` (``services.common.operator``);
``python -m services.common.deadletter list|replay SERVICE`` is kept for the
scripts and notes that spell it that way and runs the same code.
"""
import json
import os
import sys
from dataclasses import dataclass, field

from kombu import Connection, Exchange, Producer

from services.common.messaging import (
    ATTEMPTS_HEADER,
    ERROR_HEADER,
    ORIGINAL_QUEUE_HEADER,
    dead_letter_queue,
)

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"
# The operator's broker user first: the services' own users may not read another
# service's dead letters (deploy/broker.py).
AMQP_URI_VARIABLES = ("LIUDONG_OPERATOR_AMQP_URI", "LIUDONG_AMQP_URI")

# Written by messaging.ReliableEventHandler._dead_letter beside the three it exports.
DEAD_LETTERED_AT_HEADER = "x-liudong-dead-lettered-at"
ORIGINAL_EXCHANGE_HEADER = "x-liudong-original-exchange"
ORIGINAL_ROUTING_KEY_HEADER = "x-liudong-original-routing-key"
# The outbox relay names the event in a header of its own (services.common.outbox).
EVENT_TYPE_HEADER = "event_type"
# Counted by the quorum queue itself: it describes the dead-letter queue, not the event.
BROKER_DELIVERY_COUNT_HEADER = "x-delivery-count"
NOT_FOUND = 404  # the AMQP reply code for a queue that does not exist


def default_amqp_uri(environ=None):
    """The broker URI an operator command uses unless told otherwise."""
    environ = os.environ if environ is None else environ
    for variable in AMQP_URI_VARIABLES:
        if environ.get(variable):
            return environ[variable]
    return DEFAULT_AMQP_URI


def broker_errors():
    """What a broker that cannot be reached, or refuses us, raises through kombu."""
    from kombu.exceptions import KombuError

    connection = Connection(DEFAULT_AMQP_URI)  # only to name the transport's errors: it never connects
    return (OSError, KombuError, *connection.connection_errors, *connection.channel_errors)


def _held(channel, service_name, limit=None):
    """The dead letters one by one, fetched unacked: until the caller acks one or
    closes ``channel``, the broker keeps each of them for this channel."""
    queue = dead_letter_queue(service_name)(channel)
    try:
        # Passively: looking must not create the queue (a service declares it with its first dead letter).
        queue.queue_declare(passive=True)
    except broker_errors() as exc:
        if getattr(exc, "code", None) == NOT_FOUND:
            return
        raise
    taken = 0
    while limit is None or taken < limit:
        message = queue.get(no_ack=False)
        if message is None:
            return
        taken += 1
        yield message


def _text(body):
    # py-amqp decodes a body that names its encoding; a raw or undecodable one stays bytes.
    return body if isinstance(body, str) else bytes(body).decode("utf-8", "replace")


def _parsed(body):
    text = _text(body)
    try:
        return json.loads(text)
    except ValueError:
        return text


def _message_id(message):
    return (message.properties or {}).get("message_id")


def _event_type(body, headers):
    """The event's type from its envelope; a poison message has none, so its
    headers then say what was sent, or nothing is known."""
    if isinstance(body, dict) and isinstance(body.get("event_type"), str):
        return body["event_type"]
    return headers.get(EVENT_TYPE_HEADER) or headers.get(ORIGINAL_ROUTING_KEY_HEADER) or None


def _summary(message, body=None):
    headers = message.headers or {}
    body = _parsed(message.body) if body is None else body
    return {
        "message_id": _message_id(message),
        "event_type": _event_type(body, headers),
        "original_queue": headers.get(ORIGINAL_QUEUE_HEADER),
        "attempts": headers.get(ATTEMPTS_HEADER),
        "error": headers.get(ERROR_HEADER),
        "dead_lettered_at": headers.get(DEAD_LETTERED_AT_HEADER),
    }


def _whole(message):
    body = _parsed(message.body)
    properties = {key: value for key, value in (message.properties or {}).items() if key != "application_headers"}
    return {
        **_summary(message, body),
        "headers": dict(message.headers or {}),
        "properties": properties,
        "body": body,
    }


def list_dead_letters(amqp_uri, service_name, limit=None):
    """Describe the dead letters, oldest first, and leave every one of them in the queue.

    Each is a dict: message_id, event_type, original_queue, attempts, error (the
    reason), dead_lettered_at and body (the raw body as text).
    """
    with Connection(amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        found = [{**_summary(message), "body": _text(message.body)} for message in _held(channel, service_name, limit)]
        channel.close()  # gives back every message unacked, in order
    return found


def show_dead_letter(amqp_uri, service_name, message_id):
    """One dead letter whole (its summary, every header and property, the body
    parsed as JSON when it is JSON, else as text), or None; it stays in the queue.
    Should two have the id (one event refused by two handlers), the older one."""
    with Connection(amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        found = next((_whole(message) for message in _held(channel, service_name)
                      if _message_id(message) == message_id), None)
        channel.close()  # gives back every message fetched, the one shown too
    return found


@dataclass
class Replay:
    """What a replay did: the summaries of the messages sent back to their queues,
    and of those it left in the dead-letter queue, each with a ``reason``."""

    replayed: list = field(default_factory=list)
    left: list = field(default_factory=list)


def replay(amqp_uri, service_name, limit=None, message_id=None):
    """Send dead letters back to the queues they failed on, with their attempt count
    reset to 0; returns a ``Replay``.

    With ``message_id``, only the dead letters with that id (normally one: the same
    event refused by two handlers of the service is two) and the others go back to
    the queue untouched; else every one of them, or the first ``limit``. Each is
    acked only after the broker has confirmed and routed its copy.
    """
    outcome = Replay()
    returned = []
    with Connection(amqp_uri, connect_timeout=5, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        # mandatory: a copy no queue takes comes back here (and is still confirmed, so the confirm alone proves nothing).
        producer = Producer(connection.channel(),
                            on_return=lambda exc, exchange, routing_key, message: returned.append(routing_key))
        for message in _held(channel, service_name, limit):
            if message_id is not None and _message_id(message) != message_id:
                continue  # held unacked, given back at the close below
            summary = _summary(message)
            original_queue = summary["original_queue"]
            if not original_queue:
                outcome.left.append({**summary, "reason": f"no {ORIGINAL_QUEUE_HEADER} header: nowhere to send it"})
                continue
            headers = {key: value for key, value in (message.headers or {}).items()
                       if key != BROKER_DELIVERY_COUNT_HEADER}
            headers[ATTEMPTS_HEADER] = 0
            body = message.body
            if isinstance(body, str):
                body = body.encode(message.content_encoding or "utf-8")
            returned.clear()
            producer.publish(
                body,
                exchange=Exchange(""),
                routing_key=original_queue,
                mandatory=True,
                headers=headers,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                message_id=_message_id(message),
                delivery_mode=2,
            )
            if returned:
                outcome.left.append({**summary, "reason": f"queue {original_queue} does not exist"})
                continue
            message.ack()
            outcome.replayed.append({**summary, "attempts": 0})
        channel.close()  # gives back what was not replayed, in order
    return outcome


def replay_dead_letters(amqp_uri, service_name, limit=None, message_id=None):
    """Replay as ``replay`` does; returns how many messages were replayed (with
    ``message_id``: 1, or 0 when no dead letter has that id)."""
    return len(replay(amqp_uri, service_name, limit=limit, message_id=message_id).replayed)


def main(argv=None):
    """``list|replay SERVICE [--limit N] [--amqp-uri URI]``, run as ``liudong dead-letters``."""
    import argparse

    from services.common.operator import main as operator_main

    parser = argparse.ArgumentParser(
        prog="python -m services.common.deadletter",
        description="Kept for old notes: the same as `liudong dead-letters list SERVICE --json` and "
                    "`liudong dead-letters replay SERVICE --all`; see `liudong dead-letters --help`.")
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("service")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--amqp-uri", default=None)
    args = parser.parse_args(argv)
    command = ["dead-letters", args.action, args.service]
    command += ["--json"] if args.action == "list" else ["--all"]
    if args.limit is not None:
        command += ["--limit", str(args.limit)]
    if args.amqp_uri:
        command += ["--amqp-uri", args.amqp_uri]
    return operator_main(command)


if __name__ == "__main__":
    sys.exit(main())
