"""The load generator: a fixed number of concurrent keep-alive connections,
each sending its next GET as soon as the previous one is answered, for a fixed
time, from a process of its own. ``wrk`` when it is installed
(``apt-get install -y wrk``), else Python threads with a ``requests.Session``
each (this file run as a script).

Both answer the same summary: requests, requests/s, errors (anything but a 2xx
counts) and latency percentiles in milliseconds.
"""
import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WRK_SCRIPT = HERE / "wrk_paths.lua"


def client_name(choice="auto"):
    """``wrk`` or ``python``: ``choice`` if it is not ``auto``, else wrk when installed."""
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    return choice


def run(base_url, paths_file, connections, duration, headers, threads=2, client="auto"):
    """Load ``base_url`` + the paths in ``paths_file`` for ``duration`` seconds."""
    header_args = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    if client_name(client) == "wrk":
        command = ["wrk", "-t", str(min(threads, connections)), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
                   "--timeout", "10s", *header_args, "-s", str(WRK_SCRIPT), base_url, "--", str(paths_file)]
    else:
        command = [sys.executable, str(Path(__file__).resolve()), "--base-url", base_url, "--paths", str(paths_file),
                   "--connections", str(connections), "--duration", str(duration), *header_args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=duration + 60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({process.returncode}):\n{out}\n{err}")
    line = next((line for line in out.splitlines() if line.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"{command[0]} printed no summary:\n{out}\n{err}")
    raw = json.loads(line.split(" ", 1)[1])
    seconds = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "seconds": seconds,
        "rps": raw["requests"] / seconds,
        "errors": sum(raw["errors"].values()),
        "error_detail": raw["errors"],
        "p50_ms": latency["p50"] / 1000,
        "p95_ms": latency["p95"] / 1000,
        "p99_ms": latency["p99"] / 1000,
        "mean_ms": latency["mean"] / 1000,
    }


# ---- the Python fallback, in its own process ------------------------------------

def _python_client(base_url, paths, connections, duration, headers):
    import requests

    latencies = [[] for _ in range(connections)]
    errors = [0] * connections
    start_line = threading.Barrier(connections + 1)
    deadline = [0.0]

    def worker(n):
        session = requests.Session()
        session.headers.update(headers)
        urls = [base_url + path for path in paths]
        i = (n * 7919) % len(urls)
        mine = latencies[n]
        start_line.wait()
        while True:
            started = time.perf_counter()
            if started >= deadline[0]:
                break
            i = (i + 1) % len(urls)
            try:
                response = session.get(urls[i], timeout=10)
                ok = 200 <= response.status_code < 300
            except requests.RequestException:
                ok = False
            mine.append(time.perf_counter() - started)
            errors[n] += not ok
        session.close()

    workers = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(connections)]
    for w in workers:
        w.start()
    began = time.perf_counter()
    deadline[0] = began + duration
    start_line.wait()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - began
    every = sorted(x for per in latencies for x in per)

    def pct(p):
        from benchmarks.common import percentile
        return int(percentile(every, p) * 1e6)

    return {
        "requests": len(every), "duration_us": int(elapsed * 1e6), "bytes": 0,
        "errors": {"connect": 0, "read": 0, "write": 0, "status": sum(errors), "timeout": 0},
        "latency_us": {"mean": sum(every) / max(1, len(every)) * 1e6, "p50": pct(0.50), "p90": pct(0.90),
                       "p95": pct(0.95), "p99": pct(0.99), "max": int((every[-1] if every else 0) * 1e6)},
    }


def main():
    sys.path.insert(0, str(HERE.parent))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--paths", required=True)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("-H", dest="headers", action="append", default=[])
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.headers)
    paths = [line for line in Path(args.paths).read_text().splitlines() if line]
    summary = _python_client(args.base_url, paths, args.connections, args.duration, headers)
    print("WRK_JSON " + json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
