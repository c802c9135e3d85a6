"""What the audit hash chain costs an audit insert, against the plain insert it replaced.

Two throwaway PostgreSQL databases: one migrated to the gateway's head (the chain),
one to revision 0001 (before it). Each round times, in alternating order:

- ``chained``: ``gateway.access.store.insert_audit_record``, one record (two
  resource ids) a transaction, as ``gateway.audit.record`` writes it: lock the
  chain head, hash, insert the record and its resource rows, move the head.
- ``plain`` (the baseline): the insert as it was before the chain: the record
  and its resource rows, one transaction each.

each first from one thread, then from ``--threads`` threads at once (as a
gateway's workers and threads append together: the chain serialises them on
the head row). Reported: inserts/s, median and p95 latency per insert, and the
median of the per-round ratios chained/plain. Then ``verify-audit``'s walk over
everything the chained database holds, in records/s.

    .venv/bin/python benchmarks/audit_insert.py                  # ~1 minute
    .venv/bin/python benchmarks/audit_insert.py --records 300 --rounds 3 --json /tmp/audit.json

The databases are dropped at the end, also on Ctrl-C, SIGTERM or SIGHUP.
"""
import argparse
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, insert  # noqa: E402

from benchmarks.common import handle_termination, log, machine_notes, median, percentile, run, shielded, spread, write_json  # noqa: E402
from gateway.access import store  # noqa: E402
from persistence.engine import make_engine  # noqa: E402
from persistence.migrations import upgrade_to_head  # noqa: E402
from persistence.schema import BIG_ID, UTCDateTime, new_metadata  # noqa: E402
from tests.support import create_database, drop_database  # noqa: E402

CHAINED, PLAIN = "chained", "plain"

# audit_records and audit_resources as revision 0001 made them, for the baseline.
_before = new_metadata()
plain_records = Table(
    "audit_records", _before,
    Column("id", BIG_ID, primary_key=True, autoincrement=True), Column("occurred_at", UTCDateTime(), nullable=False),
    *(Column(name, String(200)) for name in ("principal", "action", "outcome", "resource_type", "endpoint",
                                              "request_id", "remote_addr")),
    Column("status", Integer), Column("resource_ids", JSON, nullable=False), Column("details", JSON, nullable=False),
)
plain_resources = Table(
    "audit_resources", _before,
    Column("audit_record_id", BIG_ID, ForeignKey("audit_records.id"), primary_key=True),
    Column("resource_id", String(64), primary_key=True),
)


def a_record(number):
    return {
        "occurred_at": datetime.now(timezone.utc), "principal": "key:0123456789abcdef", "action": "members.read",
        "outcome": "succeeded", "status": 200, "resource_type": "member",
        "resource_ids": [f"member-{number}", f"departure-{number}"], "endpoint": "GET /api/v1/members/<uuid:member_id>",
        "request_id": f"bench-{number}", "remote_addr": "127.0.0.1", "details": {"fields": ["id_number", "phone", "contact"]},
    }


def insert_plain(conn, record):
    record_id = conn.execute(insert(plain_records).values(**record)).inserted_primary_key[0]
    conn.execute(insert(plain_resources), [{"audit_record_id": record_id, "resource_id": r} for r in record["resource_ids"]])


def insert_chained(conn, record):
    store.insert_audit_record(conn, record)


def timed(engine, write, count, threads):
    """(inserts/s, latencies in ms) of ``count`` inserts spread over ``threads`` threads."""
    latencies, lock, start = [], threading.Lock(), threading.Barrier(threads)

    def work(share):
        mine = []
        start.wait()
        for number in share:
            began = time.perf_counter()
            with engine.begin() as conn:
                write(conn, a_record(number))
            mine.append((time.perf_counter() - began) * 1000)
        with lock:
            latencies.extend(mine)

    shares = [range(t, count, threads) for t in range(threads)]
    workers = [threading.Thread(target=work, args=(share,)) for share in shares]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return count / (time.perf_counter() - began), sorted(latencies)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=500, help="inserts per variant, round and concurrency")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json")
    args = parser.parse_args()
    handle_termination()
    notes = machine_notes({"records": args.records, "rounds": args.rounds, "threads": args.threads})
    urls, engines = [], {}
    try:
        for variant, revision in ((CHAINED, "head"), (PLAIN, "0001")):
            url = create_database("liudong_bench_audit")
            urls.append(url)
            engines[variant] = make_engine(url)  # the gateway's own engine settings
            upgrade_to_head(engines[variant], store.MIGRATIONS, revision=revision)
        writers = {CHAINED: insert_chained, PLAIN: insert_plain}
        for threads in sorted({1, args.threads}):
            timed(engines[CHAINED], writers[CHAINED], 50, threads)  # warm-up
            timed(engines[PLAIN], writers[PLAIN], 50, threads)
        results = {}
        for threads in sorted({1, args.threads}):
            rows = []
            for number in range(args.rounds):
                order = [CHAINED, PLAIN] if number % 2 == 0 else [PLAIN, CHAINED]
                round_ = {"order": " then ".join(order)}
                for variant in order:
                    rate, latencies = timed(engines[variant], writers[variant], args.records, threads)
                    round_[variant] = {"per_s": rate, "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95)}
                round_["ratio_per_s"] = round_[CHAINED]["per_s"] / round_[PLAIN]["per_s"]
                round_["ratio_p50"] = round_[CHAINED]["p50"] / round_[PLAIN]["p50"]
                rows.append(round_)
                log(f"{threads} thread(s), round {number + 1}: chained {round_[CHAINED]['per_s']:.0f}/s "
                    f"p50 {round_[CHAINED]['p50']:.2f} ms, plain {round_[PLAIN]['per_s']:.0f}/s "
                    f"p50 {round_[PLAIN]['p50']:.2f} ms, ratio {round_['ratio_per_s']:.3f}")
            results[threads] = rows
        with engines[CHAINED].connect() as conn:
            began = time.perf_counter()
            verdict = store.verify_audit_chain(conn)
            walked = time.perf_counter() - began
        assert verdict.intact, verdict.message()
        notes["load_average_after"] = machine_notes()["load_average"]
    finally:
        for engine in engines.values():
            shielded(engine.dispose)()
        for url in urls:
            shielded(drop_database)(url)

    print(f"\n{notes['date']}, load {notes['load_average']} before, {notes['load_average_after']} after; "
          f"commit {notes['commit']}; {notes['cpu']}; Python {notes['python']}\n`{notes['command']}`\n")
    print("| threads | chained inserts/s | p50 ms | p95 ms | plain inserts/s | p50 ms | p95 ms | **ratio inserts/s** | ratio p50 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for threads, rows in results.items():
        def m(variant, key, rows=rows):
            return median([row[variant][key] for row in rows])
        ratios = [row["ratio_per_s"] for row in rows]
        p50_ratios = [row["ratio_p50"] for row in rows]
        print(f"| {threads} | {m(CHAINED, 'per_s'):.0f} ({spread([r[CHAINED]['per_s'] for r in rows])}) | "
              f"{m(CHAINED, 'p50'):.2f} | {m(CHAINED, 'p95'):.2f} | "
              f"{m(PLAIN, 'per_s'):.0f} ({spread([r[PLAIN]['per_s'] for r in rows])}) | {m(PLAIN, 'p50'):.2f} | "
              f"{m(PLAIN, 'p95'):.2f} | **{median(ratios):.3f}** ({spread(ratios)}) | "
              f"{median(p50_ratios):.2f} ({spread(p50_ratios)}) |")
    print(f"\nverify-audit walked {verdict.records} records in {walked:.2f} s ({verdict.records / walked:.0f} records/s)")
    if args.json:
        write_json(args.json, {"notes": notes, "rounds": results, "verify": {"records": verdict.records, "seconds": walked}})


if __name__ == "__main__":
    run(main)
