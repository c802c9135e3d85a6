"""Where the time goes, to read beside the benchmarks' ratios (not a benchmark:
profiles slow what they watch, so only the shares mean anything).

``read``: the platform of read_member under the same load, while py-spy
(``--gil``: only samples holding the GIL, i.e. Python CPU) records one gateway
worker and roster for ``--seconds``. py-spy is no dependency of the project;
install it outside the venv, e.g. ``.venv/bin/python -m pip install --target
/tmp/pyspy py-spy`` and pass ``--py-spy /tmp/pyspy/bin/py-spy``.

``relay``: cProfile around the relay's publishes (``OutboxRelay._publish``) of
1000 outbox rows, in this process, monkey-patched with eventlet first as inside
``nameko run`` (``--no-eventlet``: not).

Both print the inclusive share of the samples (or of the time) spent under
each of a fixed list of frames.

    .venv/bin/python benchmarks/hotspots.py read --py-spy /tmp/pyspy/bin/py-spy
    .venv/bin/python benchmarks/hotspots.py relay
"""
import sys

if sys.argv[1:2] == ["relay"] and "--no-eventlet" not in sys.argv:  # as relay_events.py, as `nameko run`
    import eventlet

    eventlet.monkey_patch()

import argparse  # noqa: E402
import collections  # noqa: E402
import contextlib  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.common import handle_termination, run, shielded  # noqa: E402

# (label, substring of a py-spy frame "function (file:line)")
READ_FRAMES = {
    "gateway": [
        ("request handled (gunicorn thread)", "ThreadWorker.handle (gunicorn"),
        ("authentication: API key + grants (access DB)", "identify (gateway/auth.py"),
        ("  get_api_key", "get_api_key (gateway/access/store.py"),
        ("  active_grants", "active_grants (gateway/access/store.py"),
        ("rate limit (flask-limiter)", "Limiter._check_request_limit"),
        ("the view: RPC + audit", "Member.get (gateway/api/members.py"),
        ("  RPC call (publish, wait for reply)", "RpcClient.call (gateway/rpc.py"),
        ("    publish on the thread's connection (py-amqp)", "_basic_publish (amqp/channel.py"),
        ("    connect (first call of a thread, or after a broker error)", "_connect (gateway/rpc.py"),
        ("  audit record insert + commit", "personal_data_read (gateway/audit.py"),
        ("pool pre-ping (SELECT 1 per checkout)", "do_ping (sqlalchemy"),
        ("marshmallow Schema() construction", "Schema.__init__ (marshmallow"),
    ],
    "roster": [
        ("a worker (RPC entrypoint)", "ServiceContainer._run_worker (nameko"),
        ("get_member use case", "get_member (services/roster/usecases.py"),
        ("  member read", "SqlMembers.get (services/roster/repository.py"),
        ("  organisation check (_sees)", "_sees (services/roster/usecases.py"),
        ("  decrypt personal data", "PersonalDataCipher.decrypt (services/common/crypto.py"),
        ("dump (marshmallow)", "dump_member (services/roster/schemas.py"),
        ("reply publish (nameko Responder)", "Responder.send_response (nameko"),
        ("  kombu Connection built per publish", "get_producer (nameko/amqp/publish.py"),
        ("pool pre-ping (SELECT 1 per checkout)", "do_ping (sqlalchemy"),
        ("marshmallow Schema() construction", "Schema.__init__ (marshmallow"),
        ("eventlet hub", "BaseHub.run (eventlet"),
    ],
}


def shares(raw_file, frames):
    total, hits = 0, collections.Counter()
    for line in Path(raw_file).read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        total += int(count)
        for label, needle in frames:
            if needle in stack:
                hits[label] += int(count)
    return total, [(label, 100 * hits[label] / total if total else 0) for label, _ in frames]


def profile_read(args):
    from benchmarks import load
    from benchmarks.read_member import seed_platform
    from tests.e2e.conftest import Platform

    log_dir = Path(tempfile.mkdtemp(prefix="liudong-bench-profile-"))
    with contextlib.ExitStack() as cleanup:
        platform = Platform(log_dir)
        cleanup.callback(shielded(platform.close))
        platform.env["LIUDONG_RATE_LIMIT"] = "100000000/minute"
        platform.start_services()
        platform.start_gateway()
        paths = log_dir / "paths.txt"
        paths.write_text("".join(f"/api/v1/members/{i}\n" for i in seed_platform(platform, 200)))
        headers = {"X-API-Key": platform.http.headers["X-API-Key"]}
        load.run(platform.base_url, paths, args.connections, 3, headers)  # warm up
        master = platform.gateway.popen.pid
        workers = [int(p) for p in subprocess.run(["pgrep", "-g", str(master)], capture_output=True,
                                                    text=True).stdout.split() if int(p) != master]
        targets = {"gateway": workers[0], "roster": platform.roster.popen.pid}
        spies = {name: subprocess.Popen([args.py_spy, "record", "--gil", "--nonblocking", "-r", "100", "-d",
                                         str(int(args.seconds)), "-f", "raw", "-o", str(log_dir / f"{name}.txt"),
                                         "-p", str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for name, pid in targets.items()}
        for spy in spies.values():
            cleanup.callback(shielded(lambda s=spy: s.poll() is None and (s.kill(), s.wait())))
        result = load.run(platform.base_url, paths, args.connections, args.seconds, headers)
        for name, spy in spies.items():
            spy.wait(timeout=60)
            if spy.returncode:
                raise RuntimeError(f"py-spy on {name} failed: {spy.stderr.read()}")
        print(f"platform under py-spy: {result['rps']:.0f} req/s, {args.connections} connections, {args.seconds:g} s "
              f"(slower than unprofiled: read the shares, not the rate)\n")
        for name in targets:
            total, rows = shares(log_dir / f"{name}.txt", READ_FRAMES[name])
            print(f"{name}{' (one of the workers)' if name == 'gateway' else ''}: {total} samples holding the GIL\n")
            print("| frame | share of samples |\n|---|---|")
            for label, share in rows:
                print(f"| {label.replace('  ', '&nbsp;&nbsp;')} | {share:.1f}% |")
            print()


def profile_relay(args):
    from benchmarks import relay_events as relay_bench
    from persistence.engine import make_engine
    from persistence.migrations import upgrade_to_head
    from tests.support import create_database, create_vhost, delete_vhost, drop_database

    with contextlib.ExitStack() as cleanup:
        vhost, amqp_uri = create_vhost("liudong-bench")
        cleanup.callback(shielded(delete_vhost), vhost)
        database_url = create_database("liudong_bench_relay")
        cleanup.callback(shielded(drop_database), database_url)
        engine = make_engine(database_url)
        cleanup.callback(shielded(engine.dispose))
        upgrade_to_head(engine, "services.roster:migrations")
        broker = relay_bench.Broker(amqp_uri)
        cleanup.callback(shielded(broker.close))
        relay = relay_bench.OutboxRelay(engine, relay_bench.outbox, amqp_uri, batch_size=relay_bench.BATCH)
        relay_bench.commit_events(engine, 1100)
        rows = relay_bench.unsent_rows(engine)
        relay_bench.run_relay_publish(relay, rows[:100])  # warm up
        timed = rows[100:]
        profiler = cProfile.Profile()
        profiler.enable()
        relay_bench.run_relay_publish(relay, timed)
        profiler.disable()
        stats = pstats.Stats(profiler)
        total = stats.total_tt
        wanted = [
            ("OutboxRelay._publish", "outbox.py", "_publish"),
            ("nameko Publisher.publish", "nameko/amqp/publish.py", "publish"),
            ("  get_producer: a kombu Connection built per publish", "nameko/amqp/publish.py", "get_producer"),
            ("    kombu supports_librabbitmq (failed import each time)", "kombu/transport/__init__.py", "supports_librabbitmq"),
            ("  kombu Producer.publish", "kombu/messaging.py", "publish"),
            ("    amqp basic_publish_confirm", "amqp/channel.py", "basic_publish_confirm"),
            ("      waiting for the confirm: socket recv", "~", "<method 'recv' of '_socket.socket' objects>"),
            ("      waiting for the confirm: epoll (eventlet's hub)", "~", "<method 'poll' of 'select.epoll' objects>"),
        ]
        print(f"cProfile of the relay's publishes of {len(timed)} rows: {total:.2f} s, {1000 * total / len(timed):.2f} ms "
              "per event (cProfile slows Python code: read the shares)\n")
        print("| frame | cumulative s | share |\n|---|---|---|")
        for label, file_part, function in wanted:
            cumulative = sum(ct for (path, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items()
                             if file_part in path and name == function)
            print(f"| {label.replace('  ', '&nbsp;&nbsp;')} | {cumulative:.2f} | {100 * cumulative / total:.0f}% |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    read = sub.add_parser("read", help="py-spy on the gateway and roster under read_member's load")
    read.add_argument("--py-spy", default="py-spy", help="the py-spy executable [py-spy on PATH]")
    read.add_argument("--seconds", type=float, default=20)
    read.add_argument("--connections", type=int, default=8)
    relay = sub.add_parser("relay", help="cProfile of the relay's publishes")
    relay.add_argument("--no-eventlet", action="store_true", help="do not monkey-patch with eventlet first")
    args = parser.parse_args()
    handle_termination()
    (profile_read if args.what == "read" else profile_relay)(args)


if __name__ == "__main__":
    run(main)
