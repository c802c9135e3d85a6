"""What the benchmarks share: cleanup that survives interruption, CPU accounting
from /proc, statistics across rounds and notes on the machine."""
import json
import math
import os
import platform as platform_module
import resource
import signal
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from contracts import id_number as id_numbers

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python benchmarks/<name>.py` from anywhere
    sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---- interruption -----------------------------------------------------------

class Interrupted(BaseException):
    """Raised in the main thread on SIGTERM or SIGHUP, so ``finally`` blocks clean up."""


def handle_termination():
    """Turn SIGTERM and SIGHUP into an exception, and make sure SIGINT raises
    KeyboardInterrupt even where it was inherited as ignored (a background job
    of a script). A SIGHUP that was ignored (``nohup``) stays ignored."""
    def raise_interrupted(signum, _frame):
        raise Interrupted(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_interrupted)
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        signal.signal(signal.SIGHUP, raise_interrupted)


def shielded(cleanup):
    """Run ``cleanup`` with Ctrl-C, SIGTERM and SIGHUP ignored, so a second
    interruption cannot leave processes, databases or vhosts behind."""
    def run(*args, **kwargs):
        saved = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            return cleanup(*args, **kwargs)
        except Exception as exc:  # report and go on with the rest of the cleanup
            print(f"cleanup: {getattr(cleanup, '__qualname__', cleanup)} failed: {exc!r}", file=sys.stderr)
        finally:
            for signum, handler in saved.items():
                signal.signal(signum, handler)
    return run


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---- CPU accounting ---------------------------------------------------------

def _stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    comm = text[text.index("(") + 1:text.rindex(")")]
    return comm, text[text.rindex(")") + 2:].split()


def _processes():
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                yield int(entry.name), *_stat_fields(entry.name)
            except (FileNotFoundError, ProcessLookupError, ValueError):
                continue


def _cpu_seconds(fields):
    # utime and stime are fields 14 and 15 of /proc/<pid>/stat; ``fields`` starts at field 3.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class CpuMeter:
    """CPU seconds used by groups of processes between two snapshots.

    ``groups`` maps a name to a process-group id (a process started with
    ``start_new_session`` and its children: gunicorn's master and workers) or to a
    command name (``beam.smp`` for RabbitMQ, ``postgres`` for every PostgreSQL
    process: these are machine-wide and count whatever else uses them).
    ``client`` is this process's waited-for children (the load generator), and
    ``machine`` all busy CPU time from /proc/stat, over every core.
    Processes that exit between the snapshots lose what they used.
    """

    def __init__(self, groups):
        self.groups = groups

    def snapshot(self):
        totals = {name: 0.0 for name in self.groups}
        for _pid, comm, fields in _processes():
            pgrp = int(fields[2])
            for name, key in self.groups.items():
                if key == pgrp or key == comm:
                    totals[name] += _cpu_seconds(fields)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        totals["client"] = children.ru_utime + children.ru_stime
        totals["machine"] = machine_busy_seconds()
        totals["wall"] = time.monotonic()
        return totals

    @staticmethod
    def delta(before, after):
        return {name: after[name] - before[name] for name in before}


def machine_busy_seconds():
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / CLOCK_TICKS  # guest time is already counted in user


# ---- statistics ---------------------------------------------------------------

def median(values):
    return statistics.median(values)


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = math.ceil(fraction * len(sorted_values))
    return sorted_values[max(0, min(len(sorted_values), rank) - 1)]


def spread(values):
    """The range of per-round values, e.g. ``812–871`` or ``0.52–0.6``."""
    def fmt(v):
        return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"
    return f"{fmt(min(values))}–{fmt(max(values))}"


# ---- the machine ----------------------------------------------------------------

def machine_notes(extra=None):
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except OSError:
        commit = "?"
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([Path(sys.executable).relative_to(ROOT).as_posix()
                             if Path(sys.executable).is_relative_to(ROOT) else sys.executable, *sys.argv]),
        "commit": commit,
        "cpu": f"{os.cpu_count()} logical CPUs, nproc {nproc}, {cpu_model}",
        "load_average": " ".join(f"{v:.2f}" for v in os.getloadavg()),
        "python": platform_module.python_version(),
        **(extra or {}),
    }


def write_json(path, data):
    if path:
        Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        log(f"raw results written to {path}")


def run(main):
    """Run a benchmark's ``main``; an interruption exits 130 once its cleanups have run."""
    try:
        main()
    except (KeyboardInterrupt, Interrupted) as exc:
        log(f"interrupted ({type(exc).__name__} {exc}); everything started was stopped and dropped")
        sys.exit(130)


def member_identity(n):
    """The birth date and a valid ID number of the benchmarks' member ``n``
    (from 1): a thousand members per birth date, from 1978-04-09 on."""
    birth = date(1978, 4, 9) + timedelta(days=n // 1000)
    return birth, id_numbers.build("620724", birth, n % 1000)
