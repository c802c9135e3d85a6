"""What persistence and confirms cost an RPC on the broker: raw kombu
request/reply round trips in three modes, and the gateway's own RPC client, in
the same run and rotating rounds.

- ``as nameko 2.14``: what nameko 2.14 does for every gateway -> roster call:
  a persistent request published with a confirm, a persistent reply published
  with a confirm, to a durable reply queue (with ``x-expires``);
- ``transient, confirmed``: both messages non-persistent, still confirmed; the
  reply queue exclusive, auto-deleted, not durable;
- ``transient``: the same without confirms (the reply itself says the request
  arrived);
- ``gateway RpcClient``: ``gateway.rpc.RpcClient`` as the gateway uses it (one
  client shared by the threads), calling a responder that answers as a nameko
  2.14 service does (through ``nameko-rpc``, reply persistent and confirmed).
  Run from another checkout, it measures that checkout's client against the
  same baseline (``--modes`` picks some).

No nameko service, no database and no HTTP: a responder process per mode answers at
once with a body the size of a member, and 8 client threads (each with its
own connection and reply queue, as the gateway's 2 x 4 threads) call it in a
closed loop. The service queue is durable in every mode. Reported: calls/s,
median and p95 latency, the CPU RabbitMQ, the responder and the client used
per call, and the ratios to ``as nameko 2.14``: the most that making RPC
transient could give, and how much of it the gateway's client gets.

    .venv/bin/python benchmarks/rpc_roundtrip.py        # ~2 minutes
"""
import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from kombu import Connection, Consumer, Exchange, Producer, Queue  # noqa: E402

from benchmarks.common import (  # noqa: E402
    CpuMeter,
    handle_termination,
    log,
    machine_notes,
    median,
    member_identity,
    percentile,
    run,  # noqa: E402
    shielded,
    spread,
    write_json,
)

NAMEKO, TRANSIENT_CONFIRMED, TRANSIENT = "as nameko 2.14", "transient, confirmed", "transient"
GATEWAY = "gateway RpcClient"
MODES = {  # name -> (delivery_mode, confirms, durable reply queue) of the raw modes; for GATEWAY, of the reply
    NAMEKO: (2, True, True),
    TRANSIENT_CONFIRMED: (1, True, False),
    TRANSIENT: (1, False, False),
    GATEWAY: (2, True, None),  # as nameko's Responder publishes; the client makes its own reply queue
}
SERVICE = "bench"  # the gateway mode's responder stands for a nameko service of this name
RPC_EXCHANGE = Exchange("nameko-rpc", type="topic", durable=True)  # as nameko.rpc.get_rpc_exchange declares it
BASELINE = NAMEKO
REPLY = {"id": str(uuid.uuid4()), "name": "马永福", "gender": "male", "birth_date": member_identity(1)[0].isoformat(),
         "birth_year": member_identity(1)[0].year, "id_number": member_identity(1)[1], "phone": "13900000001", "joined_on": "2004-07-01",
         "membership": "full", "organisation_id": str(uuid.uuid4()), "status": "normal",
         "registered_at": "2026-03-01T08:00:00+00:00", "current_departure": None,
         "organisation": {"id": str(uuid.uuid4()), "name": "南华镇第1村党支部", "kind": "branch"}}
RPC_REPLY_QUEUE_TTL = 300000  # nameko's x-expires for reply queues, ms


def queue_name(mode):
    return "bench.rpc." + mode.replace(" ", "-").replace(",", "").replace(".", "")


# ---- the responder, in a process of its own ------------------------------------

def serve(amqp_uri, mode):
    delivery_mode, confirms, _durable = MODES[mode]
    running = [True]
    signal.signal(signal.SIGTERM, lambda *_: running.__setitem__(0, False))
    with Connection(amqp_uri, transport_options={"confirm_publish": confirms}) as connection:
        channel = connection.channel()
        channel.basic_qos(0, 32, False)
        producer = Producer(channel, serializer="json")

        # Requests are answered from this loop, not from the delivery callback:
        # waiting for a reply's confirm may deliver further requests, and
        # answering those inside that wait would nest confirm waits.
        pending = []
        if mode == GATEWAY:  # as nameko's RpcConsumer declares a service's queue
            queue = Queue(f"rpc-{SERVICE}", RPC_EXCHANGE, routing_key=f"{SERVICE}.*", durable=True, channel=channel)
        else:
            queue = Queue(queue_name(mode), durable=True, channel=channel)
        queue.declare()
        reply_exchange = RPC_EXCHANGE.name if mode == GATEWAY else ""
        with Consumer(channel, queues=[queue], callbacks=[lambda body, message: pending.append(message)],
                      accept=["json"]):
            print("ready", flush=True)
            while running[0]:
                if not pending:
                    try:
                        connection.drain_events(timeout=0.5)
                    except TimeoutError:
                        pass
                    continue
                message = pending.pop(0)
                producer.publish({"result": REPLY, "error": None}, exchange=reply_exchange,
                                 routing_key=message.properties["reply_to"],
                                 correlation_id=message.properties["correlation_id"], delivery_mode=delivery_mode)
                message.ack()


# ---- the clients -----------------------------------------------------------------

def call_for(amqp_uri, mode, seconds, clients):
    """``clients`` threads calling for ``seconds``; answers latencies and errors."""
    delivery_mode, confirms, durable = MODES[mode]
    latencies = [[] for _ in range(clients)]
    errors = []
    ready = threading.Barrier(clients + 1)
    deadline = [0.0]
    if mode == GATEWAY:
        from gateway.rpc import RpcClient

        rpc = RpcClient(amqp_uri, 10)

    def gateway_client(n):
        try:
            rpc.call(SERVICE, "get_member", REPLY["id"])  # connects this thread
            ready.wait()
            mine = latencies[n]
            while True:
                started = time.perf_counter()
                if started >= deadline[0]:
                    break
                rpc.call(SERVICE, "get_member", REPLY["id"])
                mine.append(time.perf_counter() - started)
        except Exception as exc:  # reported by the caller
            errors.append(repr(exc))
            with contextlib.suppress(threading.BrokenBarrierError):
                ready.abort()

    def client(n):
        try:
            with Connection(amqp_uri, transport_options={"confirm_publish": confirms}) as connection:
                channel = connection.channel()
                name = f"bench.reply-{uuid.uuid4().hex}"
                if durable:
                    reply_queue = Queue(name, durable=True, queue_arguments={"x-expires": RPC_REPLY_QUEUE_TTL},
                                        channel=channel)
                else:
                    reply_queue = Queue(name, durable=False, exclusive=True, auto_delete=True, channel=channel)
                reply_queue.declare()
                got = {}

                def on_reply(body, message):
                    got[message.properties["correlation_id"]] = body
                    message.ack()

                producer = Producer(channel, serializer="json")
                with Consumer(channel, queues=[reply_queue], callbacks=[on_reply], accept=["json"]):
                    ready.wait()
                    mine = latencies[n]
                    while True:
                        started = time.perf_counter()
                        if started >= deadline[0]:
                            break
                        correlation_id = uuid.uuid4().hex
                        producer.publish({"args": [REPLY["id"]], "kwargs": {}}, routing_key=queue_name(mode),
                                         reply_to=name, correlation_id=correlation_id, delivery_mode=delivery_mode)
                        while correlation_id not in got:
                            connection.drain_events(timeout=10)
                        got.pop(correlation_id)
                        mine.append(time.perf_counter() - started)
                if durable:
                    reply_queue.delete()
        except Exception as exc:  # reported by the caller
            errors.append(repr(exc))
            with contextlib.suppress(threading.BrokenBarrierError):
                ready.abort()

    target = gateway_client if mode == GATEWAY else client
    threads = [threading.Thread(target=target, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + 30 + seconds  # until every client is ready, then set again below
    try:
        ready.wait(timeout=30)
        began = time.perf_counter()
        deadline[0] = began + seconds
    except threading.BrokenBarrierError:
        pass
    for thread in threads:
        thread.join(timeout=seconds + 30)
    elapsed = time.perf_counter() - began
    if mode == GATEWAY:
        rpc.close()
    if errors:
        raise RuntimeError(f"{mode}: {errors[:3]}")
    every = sorted(x for per in latencies for x in per)
    return {"calls": len(every), "seconds": elapsed, "calls_per_s": len(every) / elapsed,
            "p50_ms": 1000 * percentile(every, 0.5), "p95_ms": 1000 * percentile(every, 0.95)}


def start_responder(amqp_uri, mode, log_dir):
    log_file = open(log_dir / f"responder-{queue_name(mode)}.log", "w")
    process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", amqp_uri, mode],
                               stdout=subprocess.PIPE, stderr=log_file, text=True, start_new_session=True)
    line = process.stdout.readline()
    if line.strip() != "ready":
        raise RuntimeError(f"the {mode} responder did not start: {(log_dir / log_file.name).read_text()}")
    return process


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=6, help="calling time per mode per round [6]")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--modes", nargs="+", default=list(MODES), metavar="MODE",
                        help=f"modes to run, each quoted, from: {'; '.join(MODES)} [all]; the baseline is always run")
    parser.add_argument("--json", help="also write the raw per-round figures here")
    parser.add_argument("--serve", nargs=2, metavar=("AMQP_URI", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(*args.serve)

    from tests.support import create_vhost, delete_vhost

    handle_termination()
    notes = machine_notes()
    notes["load_average_before"] = notes.pop("load_average")
    unknown = [m for m in args.modes if m not in MODES]
    if unknown:
        parser.error(f"unknown modes {unknown}; known: {list(MODES)}")
    modes = [BASELINE] + [m for m in MODES if m in args.modes and m != BASELINE]
    with contextlib.ExitStack() as cleanup, tempfile.TemporaryDirectory(prefix="liudong-bench-rpc-") as log_dir:
        vhost, amqp_uri = create_vhost("liudong-bench")
        cleanup.callback(shielded(delete_vhost), vhost)
        responders = {}
        for mode in modes:
            responders[mode] = start_responder(amqp_uri, mode, Path(log_dir))
            cleanup.callback(shielded(stop), responders[mode])
        meter = CpuMeter({"broker": "beam.smp", **{mode: p.pid for mode, p in responders.items()}})

        log("warming up every mode for 2 s")
        for mode in modes:
            call_for(amqp_uri, mode, 2, args.clients)

        rounds = []
        for n in range(args.rounds):
            order = modes[n % len(modes):] + modes[:n % len(modes)]
            rnd = {"order": order}
            for mode in order:
                before, cpu_before = meter.snapshot(), time.process_time()
                result = call_for(amqp_uri, mode, args.seconds, args.clients)
                used = CpuMeter.delta(before, meter.snapshot())
                calls = result["calls"]
                result["cpu_ms_per_call"] = {"broker": 1000 * used["broker"] / calls,
                                             "responder": 1000 * used[mode] / calls,
                                             "client": 1000 * (time.process_time() - cpu_before) / calls,
                                             "machine": 1000 * used["machine"] / calls}
                result["machine_busy"] = used["machine"] / (used["wall"] * os.cpu_count())
                rnd[mode] = result
            rounds.append(rnd)
            log(f"round {n + 1}/{args.rounds}: " + ", ".join(f"{m} {rnd[m]['calls_per_s']:.0f}/s" for m in modes))

        notes["load_average_after"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
        summary = {}
        for mode in modes:
            runs = [r[mode] for r in rounds]
            ratios = [r[mode]["calls_per_s"] / r[BASELINE]["calls_per_s"] for r in rounds]
            summary[mode] = {
                "calls_per_s": median([r["calls_per_s"] for r in runs]),
                "calls_per_s_spread": spread([r["calls_per_s"] for r in runs]),
                "ratio": median(ratios), "ratio_spread": spread(ratios),
                "p50_ms": median([r["p50_ms"] for r in runs]), "p95_ms": median([r["p95_ms"] for r in runs]),
                "machine_busy": median([r["machine_busy"] for r in runs]),
                "cpu_ms_per_call": {k: median([r["cpu_ms_per_call"][k] for r in runs]) for k in runs[0]["cpu_ms_per_call"]},
            }
        print(f"date: {notes['date']}\ncommand: {notes['command']}\ncommit: {notes['commit']}\n"
              f"machine: {notes['cpu']}; load average before {notes['load_average_before']}, "
              f"after {notes['load_average_after']}; Python {notes['python']}\n")
        print(f"rpc_roundtrip: {args.rounds} rounds x {args.seconds:g} s per mode, {args.clients} client threads\n")
        print("| round | " + " | ".join(f"{m} calls/s" for m in modes) + " |")
        print("|---|" + "---|" * len(modes))
        for n, rnd in enumerate(rounds, start=1):
            print(f"| {n} | " + " | ".join(f"{rnd[m]['calls_per_s']:.0f}" for m in modes) + " |")
        print(f"\nMedians across rounds (per-round range in brackets); ratio = mode / {BASELINE}, the median of the "
              "per-round ratios; CPU ms per call:\n")
        print("| mode | calls/s | ratio | p50 ms | p95 ms | CPU broker | CPU responder | CPU client | CPU machine | machine busy |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for mode in modes:
            s, cpu = summary[mode], summary[mode]["cpu_ms_per_call"]
            print(f"| {mode} | {s['calls_per_s']:.0f} ({s['calls_per_s_spread']}) | {s['ratio']:.3f} ({s['ratio_spread']}) "
                  f"| {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | {cpu['broker']:.2f} | {cpu['responder']:.2f} | "
                  f"{cpu['client']:.2f} | {cpu['machine']:.2f} | {s['machine_busy']:.0%} |")
        write_json(args.json, {"notes": notes, "args": vars(args), "rounds": rounds, "summary": summary})


if __name__ == "__main__":
    run(main)
