"""The outbox relay's throughput, against raw confirmed publishes with kombu to
the same broker, in the same run and in rotating order.

Each round commits N ``member_registered`` events to the outbox of a throwaway
roster database (``services.common.db.UnitOfWork``, 100 events a transaction;
not timed), then times, each on the same N envelopes and in an order that
rotates from round to round:

- ``relay``: ``OutboxRelay.relay_batch`` (batches of 100, as roster's config)
  until the outbox is empty: select and lock the unsent rows, publish each
  with the relay's nameko ``Publisher`` waiting for its confirm, mark the batch
  sent, commit. From committed rows to rows confirmed and marked sent.
- ``relay publish only``: the relay's own publish (``OutboxRelay._publish``, the
  same Publisher) on the same rows held in memory: the relay without its database.
- ``kombu, confirm each`` (the baseline): one kombu connection and producer, the
  exchange declared once, each publish waiting for its confirm
  (``confirm_publish``), with the relay's message properties (persistent,
  JSON, message id, the same headers).
- ``kombu, confirm per 100``: the same, but publishing 100 messages and then
  waiting for their confirms together (what "the relay can confirm in batches"
  would reach at most).

Every message is routed to a durable queue bound to ``roster.events`` (a
subscriber), so the broker stores each persistent message before confirming
it; the queue is purged before each variant and must hold N messages after it.
Also measured: the CPU this process, RabbitMQ and PostgreSQL used per event.

    .venv/bin/python benchmarks/relay_events.py             # ~1.5 minutes
    .venv/bin/python benchmarks/relay_events.py --events 500 --rounds 2 --json /tmp/relay.json
    .venv/bin/python benchmarks/relay_events.py --no-eventlet  # without eventlet's monkey-patching

The database and vhost are dropped at the end, also on Ctrl-C, SIGTERM or SIGHUP.
"""
import sys

# The relay runs inside `nameko run`, which monkey-patches with eventlet before
# anything else is imported: so does this, unless told --no-eventlet. (It
# matters: kombu tries `import librabbitmq` for every connection it builds,
# which the nameko Publisher does for every publish, unless eventlet is in use.)
if "--no-eventlet" not in sys.argv:
    import eventlet

    eventlet.monkey_patch()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from kombu import Connection, Producer, Queue  # noqa: E402
from nameko.standalone.events import get_event_exchange  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from benchmarks.common import (  # noqa: E402
    CpuMeter,
    handle_termination,
    log,
    machine_notes,
    median,
    run,
    shielded,
    spread,
    write_json,
)
from contracts.events import Event  # noqa: E402
from persistence.engine import make_engine  # noqa: E402
from persistence.migrations import upgrade_to_head  # noqa: E402
from services.common.db import UnitOfWork  # noqa: E402
from services.common.outbox import OutboxRelay  # noqa: E402
from services.roster.models import inbox, outbox  # noqa: E402
from tests.support import create_database, create_vhost, delete_vhost, drop_database  # noqa: E402

RELAY, RELAY_PUBLISH, KOMBU_EACH, KOMBU_BATCH = "relay", "relay publish only", "kombu, confirm each", "kombu, confirm per 100"
VARIANTS = [RELAY, RELAY_PUBLISH, KOMBU_EACH, KOMBU_BATCH]
BASELINE = KOMBU_EACH
BATCH = 100  # roster's OUTBOX_RELAY.batch_size
SUBSCRIBER_QUEUE = "bench.roster-events-subscriber"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000, help="events per variant per round [2000]")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each timing every variant [5]")
    parser.add_argument("--no-eventlet", action="store_true",
                        help="do not monkey-patch with eventlet first (`nameko run`, where the relay runs, does)")
    parser.add_argument("--json", help="also write the raw per-round figures here")
    return parser.parse_args()


def commit_events(engine, count):
    sessions = sessionmaker(bind=engine)
    organisation_id = str(uuid.uuid4())
    for start in range(0, count, BATCH):
        uow = UnitOfWork(sessions, {"outbox": outbox, "inbox": inbox})
        for _ in range(start, min(count, start + BATCH)):
            uow.add_event(Event(source="roster", event_type="member_registered", data={
                "member_id": str(uuid.uuid4()), "organisation_id": organisation_id, "membership": "full"}))
        uow.commit()
        uow.close()


def unsent_rows(engine):
    query = (select(outbox.c.id, outbox.c.event_id, outbox.c.source, outbox.c.event_type, outbox.c.version,
                    outbox.c.envelope).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id))
    with engine.connect() as connection:
        return connection.execute(query).all()


def count_unsent(engine):
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None)))


def headers_of(row):
    return {"event_type": row.event_type, "event_version": row.version, "source": row.source}


# ---- the variants: each publishes ``rows`` and answers when all are confirmed ----

def run_relay(relay, rows):
    while relay.relay_batch():
        pass


def run_relay_publish(relay, rows):
    for row in rows:
        relay._publish(row)


def run_kombu_each(amqp_uri, rows):
    exchange = get_event_exchange("roster", {})
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.channel(), exchange=exchange, serializer="json")
        for row in rows:
            producer.publish(row.envelope, routing_key=row.event_type, delivery_mode=2,
                             message_id=row.event_id, headers=headers_of(row))


def run_kombu_batch(amqp_uri, rows):
    exchange = get_event_exchange("roster", {})
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        channel.confirm_select()
        pending, nacked = set(), []

        def on_ack(tag, multiple):
            pending.difference_update([t for t in pending if t <= tag] if multiple else [tag])

        def on_nack(tag, multiple):
            nacked.append(tag)
            on_ack(tag, multiple)

        channel.events["basic_ack"].add(on_ack)
        channel.events["basic_nack"].add(on_nack)
        producer = Producer(channel, exchange=exchange, serializer="json")
        tag = 0
        for start in range(0, len(rows), BATCH):
            for row in rows[start:start + BATCH]:
                producer.publish(row.envelope, routing_key=row.event_type, delivery_mode=2,
                                 message_id=row.event_id, headers=headers_of(row))
                tag += 1
                pending.add(tag)
            while pending:
                connection.drain_events(timeout=10)
        if nacked:
            raise RuntimeError(f"the broker refused {len(nacked)} message(s)")


# ---- the run ------------------------------------------------------------------------

class Broker:
    """The subscriber's queue, to purge and count."""

    def __init__(self, amqp_uri):
        self.connection = Connection(amqp_uri)
        exchange = get_event_exchange("roster", {})
        self.queue = Queue(SUBSCRIBER_QUEUE, exchange, routing_key="#", durable=True)(self.connection.channel())
        self.queue.declare()

    def purge(self):
        self.queue.purge()

    def depth(self):
        return self.queue.queue_declare(passive=True).message_count

    def close(self):
        self.connection.release()


def time_variant(name, run, broker, meter, expected):
    broker.purge()
    before, cpu_before = meter.snapshot(), time.process_time()
    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    cpu_self = time.process_time() - cpu_before
    used = CpuMeter.delta(before, meter.snapshot())
    depth = broker.depth()
    if depth != expected:
        raise RuntimeError(f"{name}: the subscriber's queue holds {depth} messages, not {expected}")
    return {
        "seconds": elapsed,
        "events_per_s": expected / elapsed,
        "cpu_ms_per_event": {"this process": 1000 * cpu_self / expected, "broker": 1000 * used["broker"] / expected,
                             "postgres": 1000 * used["postgres"] / expected},
        "machine_busy": used["machine"] / (used["wall"] * os.cpu_count()),
    }


def one_round(engine, relay, amqp_uri, broker, meter, events, order):
    commit_events(engine, events)
    rows = unsent_rows(engine)
    assert len(rows) == events, (len(rows), events)
    runs = {
        RELAY: lambda: run_relay(relay, rows),
        RELAY_PUBLISH: lambda: run_relay_publish(relay, rows),
        KOMBU_EACH: lambda: run_kombu_each(amqp_uri, rows),
        KOMBU_BATCH: lambda: run_kombu_batch(amqp_uri, rows),
    }
    results = {}
    for name in order:
        results[name] = time_variant(name, runs[name], broker, meter, events)
        if name == RELAY and count_unsent(engine):
            raise RuntimeError("the relay left unsent rows")
    return results


def summarise(rounds):
    summary = {}
    for name in VARIANTS:
        runs = [r[name] for r in rounds]
        ratios = [r[name]["events_per_s"] / r[BASELINE]["events_per_s"] for r in rounds]
        summary[name] = {
            "events_per_s": median([r["events_per_s"] for r in runs]),
            "events_per_s_spread": spread([r["events_per_s"] for r in runs]),
            "ratio_to_baseline": median(ratios),
            "ratio_spread": spread(ratios),
            "ms_per_event": 1000 / median([r["events_per_s"] for r in runs]),
            "machine_busy": median([r["machine_busy"] for r in runs]),
            "cpu_ms_per_event": {k: median([r["cpu_ms_per_event"][k] for r in runs]) for k in runs[0]["cpu_ms_per_event"]},
        }
    return summary


def report(rounds, summary, args):
    lines = [
        f"relay_events: {args.rounds} rounds x {args.events} events per variant"
        f"{', not monkey-patched' if args.no_eventlet else ', eventlet monkey-patched as in nameko run'}",
        "",
        "| round | " + " | ".join(f"{name} ev/s" for name in VARIANTS) + " | relay / baseline |",
        "|---|" + "---|" * (len(VARIANTS) + 1),
    ]
    for n, rnd in enumerate(rounds, start=1):
        lines.append(f"| {n} | " + " | ".join(f"{rnd[name]['events_per_s']:.0f}" for name in VARIANTS)
                     + f" | {rnd[RELAY]['events_per_s'] / rnd[BASELINE]['events_per_s']:.3f} |")
    lines += [
        "",
        f"Medians across rounds (per-round range in brackets); ratio = variant / baseline ({BASELINE}), "
        "the median of the per-round ratios; CPU ms per event:",
        "",
        "| variant | events/s | ms/event | ratio to baseline | CPU this process | CPU broker | CPU postgres | machine busy |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in VARIANTS:
        s = summary[name]
        cpu = s["cpu_ms_per_event"]
        lines.append(f"| {name} | {s['events_per_s']:.0f} ({s['events_per_s_spread']}) | {s['ms_per_event']:.2f} | "
                     f"{s['ratio_to_baseline']:.3f} ({s['ratio_spread']}) | {cpu['this process']:.2f} | "
                     f"{cpu['broker']:.2f} | {cpu['postgres']:.2f} | {s['machine_busy']:.0%} |")
    return "\n".join(lines)


def main():
    args = parse_args()
    handle_termination()
    notes = machine_notes()
    notes["load_average_before"] = notes.pop("load_average")
    with contextlib.ExitStack() as cleanup:
        vhost, amqp_uri = create_vhost("liudong-bench")
        cleanup.callback(shielded(delete_vhost), vhost)
        database_url = create_database("liudong_bench_relay")
        cleanup.callback(shielded(drop_database), database_url)
        log(f"throwaway vhost {vhost} and database {database_url.rsplit('/', 1)[1]}")

        engine = make_engine(database_url)
        cleanup.callback(shielded(engine.dispose))
        upgrade_to_head(engine, "services.roster:migrations")
        broker = Broker(amqp_uri)
        cleanup.callback(shielded(broker.close))
        relay = OutboxRelay(engine, outbox, amqp_uri, batch_size=BATCH)
        meter = CpuMeter({"broker": "beam.smp", "postgres": "postgres"})

        log("warming up every variant with 200 events")
        one_round(engine, relay, amqp_uri, broker, meter, 200, VARIANTS)

        rounds = []
        for n in range(args.rounds):
            order = VARIANTS[n % len(VARIANTS):] + VARIANTS[:n % len(VARIANTS)]
            rnd = one_round(engine, relay, amqp_uri, broker, meter, args.events, order)
            rnd["order"] = order
            rounds.append(rnd)
            log(f"round {n + 1}/{args.rounds}: " + ", ".join(f"{name} {rnd[name]['events_per_s']:.0f}/s" for name in VARIANTS))

        notes["load_average_after"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
        summary = summarise(rounds)
        print(f"date: {notes['date']}\ncommand: {notes['command']}\ncommit: {notes['commit']}\n"
              f"machine: {notes['cpu']}; load average before {notes['load_average_before']}, "
              f"after {notes['load_average_after']}; Python {notes['python']}\n")
        print(report(rounds, summary, args))
        write_json(args.json, {"notes": notes, "args": vars(args), "rounds": rounds, "summary": summary})


if __name__ == "__main__":
    run(main)
