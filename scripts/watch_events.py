"""Print every event published on a service's events exchange, as it happens.

    .venv/bin/python scripts/watch_events.py [roster] [routing-key-pattern]

Connects as the broker's subscriber user, who may read the events exchanges and
nothing else (deploy/broker.py): LIUDONG_SUBSCRIBER_AMQP_URI, or else the one
scripts/start wrote into var/demo-credentials. Uses a private auto-deleting
queue named watch-..., so watching never takes events from the services' own
queues.
"""
import json
import os
import sys
import uuid
from pathlib import Path

from kombu import Connection, Exchange, Queue

VARIABLE = "LIUDONG_SUBSCRIBER_AMQP_URI"
DEMO_CREDENTIALS = Path(__file__).resolve().parents[1] / "var" / "demo-credentials"


def subscriber_uri():
    if os.environ.get(VARIABLE):
        return os.environ[VARIABLE]
    if DEMO_CREDENTIALS.is_file():
        for line in DEMO_CREDENTIALS.read_text().splitlines():
            if line.startswith(f"{VARIABLE}="):
                return line.split("=", 1)[1]
    return "amqp://guest:guest@localhost:5672/"


def main():
    service = sys.argv[1] if len(sys.argv) > 1 else "roster"
    pattern = sys.argv[2] if len(sys.argv) > 2 else "#"
    amqp_uri = subscriber_uri()
    # Passive: the subscriber may not declare exchanges; the service declares its own.
    exchange = Exchange(f"{service}.events", type="topic", durable=True, passive=True)
    with Connection(amqp_uri) as connection:
        queue = Queue(f"watch-{uuid.uuid4().hex}", exchange, pattern, exclusive=True, auto_delete=True)

        def show(body, message):
            print(json.dumps(body, ensure_ascii=False, indent=2), flush=True)
            message.ack()

        with connection.Consumer(queue, callbacks=[show], accept=["json"]):
            print(f"watching {service}.events ({pattern}); Ctrl-C stops", file=sys.stderr)
            while True:
                connection.drain_events()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
