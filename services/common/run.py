"""Run nameko services with a stop that always stops.

    python -m services.common.run --config config/roster.yml services.roster.service

The arguments are ``nameko run``'s, and so are the configuration loading
(``${VAR:default}`` in the YAML), the logging set-up and the service import:
this module reuses nameko's own. What it changes is the stop. On SIGTERM or
SIGINT:

1. ``ServiceRunner.stop()``: entrypoints stop taking work, running workers
   finish (and reply, and ack), then the dependencies stop.
2. If that has not finished within the grace period, ``ServiceRunner.kill()``:
   running workers are killed before they ack, so the broker redelivers their
   messages once the connection is gone. Nothing unfinished is acked.
3. If the kill has not finished within ``KILL_TIMEOUT`` seconds either, the
   process exits at once (``os._exit``), which acks nothing either; a watchdog
   on an OS thread of its own does the same should the event loop itself be
   blocked.

A second signal skips what is left of the grace period; a third exits at once.
The grace period is ``LIUDONG_STOP_GRACE_PERIOD`` in the environment, else
``STOP_GRACE_PERIOD`` in the config, else 10 seconds; keep an orchestrator's
own limit (Kubernetes' ``terminationGracePeriodSeconds``) above it plus
``KILL_TIMEOUT`` plus a little.

Exit status: 0 stopped gracefully, 1 a container failed on its own (as with
``nameko run``), 3 (``EXIT_KILLED``) workers had to be killed, 4
(``EXIT_FORCED``) the kill did not finish and the process was ended.
"""
import eventlet
import eventlet.hubs

if __name__ == "__main__":  # first, as `nameko run` does (importing this module patches nothing)
    eventlet.monkey_patch()

import argparse  # noqa: E402
import errno  # noqa: E402
import faulthandler  # noqa: E402
import gc  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402

import greenlet  # noqa: E402
from eventlet import patcher  # noqa: E402
from eventlet.event import Event  # noqa: E402
from nameko.cli import run as nameko_run  # noqa: E402
from nameko.cli.commands import Run  # noqa: E402
from nameko.cli.main import setup_yaml_parser  # noqa: E402
from nameko.exceptions import CommandError, ConfigurationError  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.utils.concurrency import SpawningProxy  # noqa: E402

log = logging.getLogger("services.common.run")  # not "__main__" under `python -m`

GRACE_PERIOD_ENV = "LIUDONG_STOP_GRACE_PERIOD"
GRACE_PERIOD_CONFIG = "STOP_GRACE_PERIOD"
DEFAULT_GRACE_PERIOD = 10.0
KILL_TIMEOUT = 3.0  # seconds ServiceRunner.kill() may take before the process exits anyway
WATCHDOG_MARGIN = 2.0  # after grace + kill, for the event loop to act before the watchdog does

EXIT_STOPPED = 0
EXIT_FAILED = 1
EXIT_KILLED = 3
EXIT_FORCED = 4

_real_threading = patcher.original("threading")
_real_time = patcher.original("time")


def stop_grace_period(config):
    """Seconds running workers get to finish after SIGTERM: the environment
    (``LIUDONG_STOP_GRACE_PERIOD``) over the config (``STOP_GRACE_PERIOD``)."""
    value = os.environ.get(GRACE_PERIOD_ENV)
    source = GRACE_PERIOD_ENV
    if value in (None, ""):
        value = (config or {}).get(GRACE_PERIOD_CONFIG)
        source = GRACE_PERIOD_CONFIG
    if value in (None, ""):
        return DEFAULT_GRACE_PERIOD
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{source} must be a number of seconds, not {value!r}") from None
    if seconds < 0:
        raise ConfigurationError(f"{source} must not be negative ({seconds})")
    return seconds


def greenlet_stacks():
    """Where every live greenlet is, as text: what a stop that does not finish waits on."""
    stacks = []
    for obj in gc.get_objects():
        if isinstance(obj, greenlet.greenlet) and obj.gr_frame is not None:
            stacks.append("".join(traceback.format_stack(obj.gr_frame)))
    return "\n".join(f"--- greenlet {n}\n{stack}" for n, stack in enumerate(stacks, 1))


def _flush_logs():
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:  # pragma: no cover - exiting anyway
            pass


def _exit_now(status):
    _flush_logs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


class Stopper:
    """Stops a ``ServiceRunner`` within a bounded time, whatever its extensions do."""

    def __init__(self, runner, grace_period, kill_timeout=KILL_TIMEOUT):
        self.runner = runner
        self.grace_period = grace_period
        self.kill_timeout = kill_timeout
        self.exit_status = EXIT_STOPPED
        self.signals = 0
        self.thread = None
        self._current_wait = None

    # Signal handlers run in the main loop and cannot use eventlet primitives
    # (nameko's own handler says so): the work is handed to greenlets.
    def on_signal(self, signum, frame):
        self.signals += 1
        if self.signals == 1:
            self._start_watchdog(self.grace_period + self.kill_timeout + WATCHDOG_MARGIN)
            eventlet.spawn_n(self._spawn_stop, signal.Signals(signum).name)
        elif self.signals == 2:
            eventlet.spawn_n(self._hurry)
        else:
            os.write(2, b"third signal: exiting now\n")
            _exit_now(EXIT_FORCED)

    def _spawn_stop(self, reason):
        self.thread = eventlet.spawn(self.stop, reason)

    def stop(self, reason="stop requested"):
        names = ", ".join(self.runner.service_names)
        log.info("%s: stopping %s (grace period %.1fs)", reason, names, self.grace_period)
        stopping = eventlet.spawn(self.runner.stop)
        outcome = self._wait(stopping, self.grace_period, hurry=True)
        if outcome == "done":
            log.info("stopped %s", names)
            return
        if outcome == "timeout":
            log.warning("%s did not stop within its grace period of %.1fs; killing it: unfinished messages are "
                        "not acked and the broker redelivers them. Still running:\n%s",
                        names, self.grace_period, greenlet_stacks())
        elif outcome == "hurry":
            log.warning("second signal: killing %s now; unfinished messages are not acked", names)
        else:  # "failed": logged where it failed
            log.warning("killing %s after its stop failed; unfinished messages are not acked", names)
        self.exit_status = EXIT_KILLED
        killing = eventlet.spawn(self.runner.kill)
        outcome = self._wait(killing, self.kill_timeout)
        if outcome == "done":
            log.warning("killed %s", names)
            return
        log.error("%s could not be killed within %.1fs; exiting now. Still running:\n%s",
                  names, self.kill_timeout, greenlet_stacks())
        _exit_now(EXIT_FORCED)

    def _wait(self, gt, timeout, hurry=False):
        """``done``, ``failed`` (it raised), ``timeout`` or, if ``hurry``, ``hurry`` (a second signal)."""
        finished = Event()
        self._current_wait = finished if hurry else None

        def settle(gt):
            try:
                gt.wait()
                outcome = "done"
            except Exception:
                log.exception("stopping raised")
                outcome = "failed"
            if not finished.ready():
                finished.send(outcome)

        gt.link(settle)
        if hurry and self.signals > 1 and not finished.ready():
            finished.send("hurry")
        with eventlet.Timeout(timeout, False):
            return finished.wait()
        return "timeout"

    def _hurry(self):
        finished = self._current_wait
        if finished is not None and not finished.ready():
            finished.send("hurry")

    def _start_watchdog(self, seconds):
        """Ends the process after ``seconds`` even if the event loop is stuck
        (a blocking call that never yields): an OS thread, not a greenlet."""

        def watch():
            _real_time.sleep(seconds)
            os.write(2, f"stop did not finish within {seconds:.1f}s; exiting now (the stacks follow)\n".encode())
            faulthandler.dump_traceback(all_threads=True)
            os._exit(EXIT_FORCED)

        _real_threading.Thread(target=watch, name="stop-watchdog", daemon=True).start()


def wake_on_signals():
    """Make a signal wake the event loop at once. Without it the hub, asleep in
    ``epoll`` until its next timer, runs the greenlet a signal handler spawned
    up to a second late (kombu's consumer wakes it once a second)."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)

    def drain():
        while True:
            eventlet.hubs.trampoline(read_end, read=True)
            try:
                os.read(read_end, 512)
            except BlockingIOError:
                pass

    eventlet.spawn_n(drain)


def run(services, config, backdoor_port=None):
    """``nameko.cli.run.run`` with a bounded stop; returns the exit status."""
    # A LOGGING config without `disable_existing_loggers: false` has just disabled
    # this module's logger; what the stop does must be seen all the same.
    log.disabled = False
    runner = ServiceRunner(config)
    for service_cls in services:
        runner.add_service(service_cls)
    stopper = Stopper(runner, stop_grace_period(config))
    signal.signal(signal.SIGTERM, stopper.on_signal)
    signal.signal(signal.SIGINT, stopper.on_signal)
    wake_on_signals()

    if backdoor_port is not None:
        nameko_run.setup_backdoor(runner, backdoor_port)

    runner.start()

    # As nameko's run: wait in a greenlet of its own, so that a signal arriving
    # while the hub waits on a socket (EINTR) does not reach the runner.
    waiting = eventlet.spawn(SpawningProxy(runner.containers, abort_on_error=True).wait)
    while True:
        try:
            waiting.wait()
        except OSError as exc:
            if exc.errno == errno.EINTR:
                continue
            raise
        except Exception:
            # A container died of an error of its own (nameko's runner would stop
            # its peers without a bound, then re-raise): stop them within bounds.
            log.exception("a service failed; stopping the others")
            if stopper.signals == 0:
                stopper.signals = 1
                stopper._start_watchdog(stopper.grace_period + stopper.kill_timeout + WATCHDOG_MARGIN)
                stopper.stop("a service failed")
            return EXIT_FAILED
        if stopper.thread is not None:  # let it log how the stop ended
            with eventlet.Timeout(1, False):
                stopper.thread.wait()
        return stopper.exit_status


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.common.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    Run.init_parser(parser)  # nameko run's own arguments
    args = parser.parse_args(argv)
    setup_yaml_parser()  # ${VAR:default} in the config, as `nameko` does
    status = []
    # nameko's own main loads the config, sets up logging and imports the
    # services, then hands them to `run`: ours, which keeps the exit status.
    nameko_run.run = lambda services, config, backdoor_port=None: status.append(run(services, config, backdoor_port))
    try:
        nameko_run.main(args)
    except (CommandError, ConfigurationError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    return status[0] if status else EXIT_FAILED


if __name__ == "__main__":
    status = main()
    _flush_logs()
    sys.exit(status)
