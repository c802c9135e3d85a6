"""Inspect and replay a service's dead-letter queue.

    python -m services.common.deadletter list roster
    python -m services.common.deadletter replay roster [--limit N]

Replay sends each message back to the queue it failed on, with its attempt
count reset, and removes it from the dead-letter queue only after the broker
has confirmed the replayed copy.
"""
import argparse
import json
import os
import sys

from kombu import Connection, Exchange, Producer

from services.common.messaging import ATTEMPTS_HEADER, ERROR_HEADER, ORIGINAL_QUEUE_HEADER, dead_letter_queue

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"


def _messages(channel, service_name, limit):
    queue = dead_letter_queue(service_name)(channel)
    queue.declare()
    taken = 0
    while limit is None or taken < limit:
        message = queue.get(no_ack=False, accept=["json"])
        if message is None:
            return
        taken += 1
        yield message


def list_dead_letters(amqp_uri, service_name, limit=None):
    """Describe the dead letters without consuming them (they are requeued)."""
    found = []
    with Connection(amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        held = list(_messages(channel, service_name, limit))
        for message in held:
            headers = message.headers or {}
            found.append(
                {
                    "message_id": (message.properties or {}).get("message_id"),
                    "original_queue": headers.get(ORIGINAL_QUEUE_HEADER),
                    "attempts": headers.get(ATTEMPTS_HEADER),
                    "error": headers.get(ERROR_HEADER),
                    "body": message.body.decode("utf-8", "replace"),
                }
            )
        channel.close()  # unacked messages return to the queue in order
    return found


def replay_dead_letters(amqp_uri, service_name, limit=None):
    replayed = 0
    with Connection(amqp_uri, connect_timeout=5, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        producer = Producer(connection.channel())
        for message in _messages(channel, service_name, limit):
            headers = dict(message.headers or {})
            original_queue = headers.get(ORIGINAL_QUEUE_HEADER)
            if not original_queue:
                message.reject(requeue=True)
                continue
            headers[ATTEMPTS_HEADER] = 0
            producer.publish(
                message.body,
                exchange=Exchange(""),
                routing_key=original_queue,
                headers=headers,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                message_id=(message.properties or {}).get("message_id"),
                delivery_mode=2,
            )
            message.ack()
            replayed += 1
    return replayed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("service")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--amqp-uri", default=os.environ.get("LIUDONG_AMQP_URI", DEFAULT_AMQP_URI))
    args = parser.parse_args(argv)
    if args.action == "list":
        json.dump(list_dead_letters(args.amqp_uri, args.service, args.limit), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(f"replayed {replay_dead_letters(args.amqp_uri, args.service, args.limit)} message(s)")


if __name__ == "__main__":
    main()
