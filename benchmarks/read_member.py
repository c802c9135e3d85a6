"""Reading one member through the whole platform, against a plain Flask +
SQLAlchemy read by primary key, in the same run and in alternating rounds.

Platform: ``GET /api/v1/members/<id>`` on the gateway (gunicorn) with an API
key holding every scope a county system may hold: API-key check and grants in
the gateway's PostgreSQL database, rate limit, an RPC over RabbitMQ to roster
(``nameko run``), the member read from roster's PostgreSQL database, the ID
number and phone decrypted, masking by the caller's scope, an audit record
written (the key may read personal data, so every read of it is audited), and
the answer validated and dumped. Baseline: ``benchmarks/baseline_app.py``
under gunicorn with the gateway's worker and thread settings, reading a row by
primary key from a PostgreSQL table holding as many members.

Each round loads one target and then the other (the order alternates) from a
separate client process (wrk if installed, else Python threads) with a fixed
number of keep-alive connections, and measures requests/s, median and p95
latency, and the CPU each process group used per request. The report quotes
medians across rounds and the median of the per-round ratios platform/baseline.

    .venv/bin/python benchmarks/read_member.py            # ~2.5 minutes
    .venv/bin/python benchmarks/read_member.py --rounds 3 --seconds 5 --json /tmp/read.json

Everything it starts or creates (processes, two databases for the platform and
one for the baseline, a RabbitMQ vhost) is stopped or dropped at the end, also
on Ctrl-C, SIGTERM or SIGHUP.
"""
import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import requests  # noqa: E402

from benchmarks import baseline_app, load  # noqa: E402
from benchmarks.common import (  # noqa: E402
    BIN,
    CpuMeter,
    handle_termination,
    log,
    machine_notes,
    median,
    member_identity,
    run,
    shielded,
    spread,
    write_json,
)  # noqa: E402
from tests.e2e.conftest import Platform, Process, free_port  # noqa: E402
from tests.support import create_database, drop_database, scalar, wait_for  # noqa: E402

PLATFORM, BASELINE = "platform", "baseline"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=200, help="members seeded on each side [200]")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each loading both targets [5]")
    parser.add_argument("--seconds", type=float, default=10, help="load time per target per round [10]")
    parser.add_argument("--warmup", type=float, default=3, help="untimed load per target first [3]")
    parser.add_argument("--connections", type=int, default=8,
                        help="concurrent connections [8 = the gateway's 2 workers x 4 threads]")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto",
                        help="load generator: wrk, Python threads, or wrk when installed [auto]")
    parser.add_argument("--json", help="also write the raw per-round figures here")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs (the path is printed)")
    return parser.parse_args()


def created(response):
    if response.status_code != 201:
        raise RuntimeError(f"seeding failed: {response.status_code} {response.text}")
    return response.json()


def seed_platform(platform, count):
    county = created(platform.post("/api/v1/organisations", {"name": "中共高台县委员会", "kind": "party_committee"}))
    town = created(platform.post("/api/v1/organisations", {
        "name": "中共高台县南华镇委员会", "kind": "party_committee", "parent_id": county["id"]}))
    branch = created(platform.post("/api/v1/organisations", {
        "name": "南华镇第1村党支部", "kind": "branch", "parent_id": town["id"]}))
    ids = []
    for n in range(1, count + 1):
        birth, id_number = member_identity(n)
        member = created(platform.post("/api/v1/members", {
            "name": "马永福", "gender": "male", "birth_date": birth.isoformat(), "id_number": id_number,
            "phone": f"1390000{n:04d}", "joined_on": "2004-07-01", "organisation_id": branch["id"],
        }))
        ids.append(member["id"])
    return ids


def start_baseline(env, log_dir, database_url):
    port = free_port()
    process = Process("baseline", [str(BIN / "gunicorn"), "-c", "benchmarks/baseline_gunicorn.conf.py",
                                   "benchmarks.baseline_app:create_app()"],
                      {**env, "BENCH_BASELINE_DATABASE_URL": database_url, "BENCH_BASELINE_BIND": f"127.0.0.1:{port}"},
                      log_dir)
    base_url = f"http://127.0.0.1:{port}"

    def ready():
        assert process.alive(), f"baseline exited:\n{process.log()}"
        try:
            return requests.get(base_url + "/healthz", timeout=2).status_code == 200
        except (requests.ConnectionError, requests.Timeout):  # a worker still booting on a busy machine
            return False

    wait_for(ready, timeout=60, message="the baseline app to answer")
    return process, base_url


def check_answer(name, base_url, path, headers, fields):
    response = requests.get(base_url + path, headers=headers, timeout=10)
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
    if response.status_code != 200 or not body or not fields <= set(body):
        raise RuntimeError(f"{name} does not answer {path} as expected: {response.status_code} {response.text[:500]}")
    return body


def measure(target, meter, seconds, connections, client):
    before = meter.snapshot()
    result = load.run(target["base_url"], target["paths_file"], connections, seconds, target["headers"],
                      client=client)
    used = CpuMeter.delta(before, meter.snapshot())
    if result["errors"]:
        raise RuntimeError(f"{target['name']}: {result['errors']} failed requests {result['error_detail']}; "
                           f"see the logs in {target['log_dir']}")
    result["cpu_ms_per_request"] = {name: 1000 * used[name] / result["requests"]
                                    for name in target["cpu_groups"] + ["broker", "postgres", "client", "machine"]}
    result["machine_busy"] = used["machine"] / (used["wall"] * os.cpu_count())
    return result


def summarise(rounds):
    summary = {}
    for name in (PLATFORM, BASELINE):
        runs = [r[name] for r in rounds]
        summary[name] = {
            "rps": median([r["rps"] for r in runs]),
            "p50_ms": median([r["p50_ms"] for r in runs]),
            "p95_ms": median([r["p95_ms"] for r in runs]),
            "rps_spread": spread([r["rps"] for r in runs]),
            "machine_busy": median([r["machine_busy"] for r in runs]),
            "cpu_ms_per_request": {k: median([r["cpu_ms_per_request"][k] for r in runs])
                                   for k in runs[0]["cpu_ms_per_request"]},
        }
    ratios = {key: [r[PLATFORM][key] / r[BASELINE][key] for r in rounds] for key in ("rps", "p50_ms", "p95_ms")}
    summary["ratios"] = {key: median(values) for key, values in ratios.items()}
    summary["ratio_spread"] = {key: spread(values) for key, values in ratios.items()}
    return summary


def report(notes, rounds, summary, args):
    p, b, r = summary[PLATFORM], summary[BASELINE], summary["ratios"]
    lines = [
        f"read_member: {args.rounds} rounds x {args.seconds:g} s per target, {args.connections} connections "
        f"({notes['client']}), {args.members} members",
        "",
        "| round | order | platform req/s | p50 ms | p95 ms | baseline req/s | p50 ms | p95 ms | ratio req/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n, rnd in enumerate(rounds, start=1):
        pr, br = rnd[PLATFORM], rnd[BASELINE]
        lines.append(f"| {n} | {rnd['order']} | {pr['rps']:.0f} | {pr['p50_ms']:.1f} | {pr['p95_ms']:.1f} | "
                     f"{br['rps']:.0f} | {br['p50_ms']:.1f} | {br['p95_ms']:.1f} | {pr['rps'] / br['rps']:.3f} |")
    lines += [
        "",
        "Medians across rounds (range of the per-round values in brackets):",
        "",
        "| | req/s | p50 ms | p95 ms | machine CPU busy |",
        "|---|---|---|---|---|",
        f"| platform | {p['rps']:.0f} ({p['rps_spread']}) | {p['p50_ms']:.1f} | {p['p95_ms']:.1f} | {p['machine_busy']:.0%} |",
        f"| baseline | {b['rps']:.0f} ({b['rps_spread']}) | {b['p50_ms']:.1f} | {b['p95_ms']:.1f} | {b['machine_busy']:.0%} |",
        f"| platform/baseline | {r['rps']:.3f} ({summary['ratio_spread']['rps']}) | {r['p50_ms']:.2f} "
        f"({summary['ratio_spread']['p50_ms']}) | {r['p95_ms']:.2f} ({summary['ratio_spread']['p95_ms']}) | |",
        "",
        "CPU milliseconds per request (medians across rounds; broker and postgres are machine-wide):",
        "",
    ]
    keys = ["gateway", "roster", "app", "broker", "postgres", "client", "machine"]
    lines.append("| | " + " | ".join(keys) + " |")
    lines.append("|---|" + "---|" * len(keys))
    for name in (PLATFORM, BASELINE):
        cpu = summary[name]["cpu_ms_per_request"]
        lines.append(f"| {name} | " + " | ".join(f"{cpu[k]:.2f}" if k in cpu else "–" for k in keys) + " |")
    return "\n".join(lines)


def main():
    args = parse_args()
    handle_termination()
    log_dir = Path(tempfile.mkdtemp(prefix="liudong-bench-read-"))
    notes = machine_notes({"client": load.client_name(args.client), "load_average_before": None})
    notes["load_average_before"] = notes.pop("load_average")
    if notes["client"] == "python":
        log("warning: the Python client costs ~2 ms of CPU a request on this 2-core machine and caps the baseline "
            "well below what it serves, so the ratios come out too kind to the platform; install wrk")
    failed = True
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shielded(lambda: _logs_done(log_dir, keep=failed or args.keep_logs)))
        log(f"starting roster and gateway on a throwaway vhost and databases (logs in {log_dir})")
        platform = Platform(log_dir)
        cleanup.callback(shielded(platform.close))
        # Far above what the run sends, so the limiter counts but never refuses.
        platform.env["LIUDONG_RATE_LIMIT"] = "100000000/minute"
        platform.start_services()
        platform.start_gateway()
        started = time.monotonic()
        member_ids = seed_platform(platform, args.members)
        log(f"seeded {len(member_ids)} members through the API in {time.monotonic() - started:.1f} s")

        baseline_url_db = create_database("liudong_bench_baseline")
        cleanup.callback(shielded(drop_database), baseline_url_db)
        baseline_ids = baseline_app.seed(baseline_url_db, args.members)
        baseline, baseline_url = start_baseline(platform.env, log_dir, baseline_url_db)
        cleanup.callback(shielded(baseline.stop))

        key = platform.http.headers["X-API-Key"]
        targets = {
            PLATFORM: {"name": PLATFORM, "base_url": platform.base_url, "headers": {"X-API-Key": key},
                       "paths": [f"/api/v1/members/{i}" for i in member_ids],
                       "cpu_groups": ["gateway", "roster"]},
            BASELINE: {"name": BASELINE, "base_url": baseline_url, "headers": {},
                       "paths": [f"/members/{i}" for i in baseline_ids], "cpu_groups": ["app"]},
        }
        for target in targets.values():
            target["log_dir"] = log_dir
            target["paths_file"] = log_dir / f"{target['name']}-paths.txt"
            target["paths_file"].write_text("\n".join(target["paths"]) + "\n")
        answer = check_answer(PLATFORM, platform.base_url, targets[PLATFORM]["paths"][0], targets[PLATFORM]["headers"],
                              {"id", "name", "id_number", "phone", "status"})
        if answer["id_number"] != member_identity(1)[1]:  # the key may read personal data: decrypted, unmasked, audited
            raise RuntimeError(f"the platform answered a masked or wrong ID number: {answer['id_number']}")
        check_answer(BASELINE, baseline_url, targets[BASELINE]["paths"][0], {}, {"id", "name", "id_number", "phone"})

        meter = CpuMeter({"gateway": platform.gateway.popen.pid, "roster": platform.roster.popen.pid,
                          "app": baseline.popen.pid, "broker": "beam.smp", "postgres": "postgres"})
        for target in targets.values():
            log(f"warming up {target['name']} for {args.warmup:g} s")
            load.run(target["base_url"], target["paths_file"], args.connections, args.warmup, target["headers"],
                     client=args.client)

        rounds = []
        for n in range(args.rounds):
            order = (PLATFORM, BASELINE) if n % 2 == 0 else (BASELINE, PLATFORM)
            rnd = {"order": " then ".join(order)}
            for name in order:
                rnd[name] = measure(targets[name], meter, args.seconds, args.connections, args.client)
                log(f"round {n + 1}/{args.rounds} {name}: {rnd[name]['rps']:.0f} req/s, "
                    f"p50 {rnd[name]['p50_ms']:.1f} ms, p95 {rnd[name]['p95_ms']:.1f} ms")
            rounds.append(rnd)

        audited = scalar(platform.gateway_database_url, "SELECT count(*) FROM audit_records WHERE action = 'members.read'")
        sent = sum(r[PLATFORM]["requests"] for r in rounds)
        if audited < sent:
            raise RuntimeError(f"{sent} platform reads measured but only {audited} audit records of them")
        notes["load_average_after"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
        summary = summarise(rounds)
        print(f"date: {notes['date']}\ncommand: {notes['command']}\ncommit: {notes['commit']}\n"
              f"machine: {notes['cpu']}; load average before {notes['load_average_before']}, "
              f"after {notes['load_average_after']}; Python {notes['python']}\n")
        print(report(notes, rounds, summary, args))
        write_json(args.json, {"notes": notes, "args": vars(args), "rounds": rounds, "summary": summary})
        failed = False


def _logs_done(log_dir, keep):
    if keep:
        log(f"the processes' logs are kept in {log_dir}")
    else:
        shutil.rmtree(log_dir, ignore_errors=True)


if __name__ == "__main__":
    run(main)
