"""What signing the caller's context costs a call: the gateway's signing, the
service's verification and its record of the context's id, against an
unsigned RPC round trip measured in the same run, rounds interleaved.

- ``unsigned RPC``: ``gateway.rpc.RpcClient.call`` without a scope, to a
  responder thread (raw kombu, in a throwaway vhost) that echoes the
  arguments at once: the broker round trip every call already pays;
- ``sign``: ``RpcClient``'s part for a scope: the arguments through the
  wire's JSON and ``contracts.caller_context.Signer.sign`` (Ed25519);
- ``verify``: ``contracts.caller_context.Verifier.verify`` as a service runs it;
- ``record id``: the id's INSERT ... ON CONFLICT DO NOTHING and the commit,
  in a throwaway PostgreSQL database (fsync on); in a service it shares the
  call's own transaction and commit, so this is an upper bound for a write
  and about what a read now pays on top.

Reported: the median per call of each (microseconds) across rounds, and the
ratios of sign + verify (and of all three) to the unsigned round trip.

    .venv/bin/python benchmarks/caller_context.py [--rounds 5] [--calls 2000]
"""
import argparse
import socket
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import kombu  # noqa: E402
from kombu.utils.json import dumps, loads  # noqa: E402
from nameko.rpc import RPC_QUEUE_TEMPLATE, get_rpc_exchange  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402

from benchmarks.common import handle_termination, log, machine_notes, median, run, shielded, spread  # noqa: E402
from contracts import caller_context  # noqa: E402
from gateway.rpc import RpcClient  # noqa: E402
from persistence.schema import new_metadata  # noqa: E402
from services.common.tables import caller_contexts_table  # noqa: E402
from tests.support import create_database, create_vhost, delete_vhost, drop_database  # noqa: E402

SERVICE = "bench"
SCOPE = {"organisation_ids": ["00000000-0000-4000-8000-0000000000c0"], "member_id": None,
         "reveal": ["phone"], "principal": "key:00000000-0000-4000-8000-000000000001"}
ARGS = ("00000000-0000-4000-8000-000000000002",)


def responder(amqp_uri, ready, stopped):
    with kombu.Connection(amqp_uri) as connection:
        channel = connection.channel()
        producer = kombu.Producer(channel, serializer="json")
        queue = kombu.Queue(RPC_QUEUE_TEMPLATE.format(SERVICE), get_rpc_exchange({}), routing_key=f"{SERVICE}.*",
                            durable=False, auto_delete=True)

        def answer(body, message):
            producer.publish({"result": body["args"], "error": None}, exchange=get_rpc_exchange({}),
                             routing_key=message.properties["reply_to"],
                             correlation_id=message.properties["correlation_id"])

        with kombu.Consumer(channel, [queue], callbacks=[answer], accept=["json"], no_ack=True):
            ready.set()
            while not stopped.is_set():
                try:
                    connection.drain_events(timeout=0.05)
                except socket.timeout:
                    pass


def per_call(function, calls):
    started = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - started) / calls * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    arguments = parser.parse_args()
    handle_termination()

    keys = caller_context.generate_keys([])
    signer = caller_context.Signer.from_text(caller_context.GATEWAY, keys[caller_context.GATEWAY_KEY_ENV], "key", 4)
    verifier = caller_context.Verifier.from_text(keys[caller_context.TRUSTED_KEYS_ENV])
    vhost, amqp_uri = create_vhost("liudong-bench-context")
    database_url = create_database("liudong_bench_context")
    ready, stopped = threading.Event(), threading.Event()
    thread = threading.Thread(target=responder, args=(amqp_uri, ready, stopped), daemon=True)
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg2://"))
    client = None
    try:
        thread.start()
        assert ready.wait(10), "the responder did not start"
        client = RpcClient(amqp_uri, 4)
        table = caller_contexts_table(new_metadata())
        table.metadata.create_all(engine)
        signed_at = time.time()
        token = signer.sign(SERVICE, "get_member", list(ARGS), SCOPE, now=signed_at)
        expires = datetime.now(timezone.utc) + timedelta(minutes=5)

        def unsigned():
            client.call(SERVICE, "get_member", *ARGS, SCOPE)  # the scope as a plain dict, as before

        def sign():
            wire = loads(dumps(list(ARGS)))
            signer.sign(SERVICE, "get_member", wire, loads(dumps(SCOPE)))

        def verify():
            verifier.verify(token, SERVICE, "get_member", list(ARGS), now=signed_at)

        def record():
            with engine.begin() as connection:
                connection.execute(postgresql.insert(table).values(
                    jti=uuid.uuid4().hex, issuer="gateway", expires_at=expires).on_conflict_do_nothing())

        measures = {"unsigned RPC": unsigned, "sign": sign, "verify": verify, "record id": record}
        for name, function in measures.items():  # warm up: connections, JIT-free but caches
            per_call(function, 50)
        rounds = []
        for number in range(arguments.rounds):
            order = list(measures) if number % 2 == 0 else list(reversed(measures))
            result = {name: per_call(measures[name], arguments.calls) for name in order}
            rounds.append(result)
            log(f"round {number + 1}: " + ", ".join(f"{name} {value:.1f} µs" for name, value in result.items()))
        ratios = [(r["sign"] + r["verify"]) / r["unsigned RPC"] for r in rounds]
        ratios_all = [(r["sign"] + r["verify"] + r["record id"]) / r["unsigned RPC"] for r in rounds]
        for name, value in machine_notes().items():
            print(f"{name}: {value}")
        print(f"{arguments.rounds} rounds x {arguments.calls} calls each")
        print("| measure | median µs per call | range |")
        print("|---|---|---|")
        for name in measures:
            values = [r[name] for r in rounds]
            print(f"| {name} | {median(values):.1f} | {spread(values)} |")
        print(f"| **(sign + verify) / unsigned RPC** | **{median(ratios):.3f}** | {spread(ratios)} |")
        print(f"| (sign + verify + record id) / unsigned RPC | {median(ratios_all):.3f} | {spread(ratios_all)} |")
    finally:
        def cleanup():
            stopped.set()
            if client is not None:
                client.close()
            thread.join(5)
            engine.dispose()
            drop_database(database_url)
            delete_vhost(vhost)

        shielded(cleanup)()


if __name__ == "__main__":
    run(main)
