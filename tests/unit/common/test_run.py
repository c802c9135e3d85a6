"""The service runner's bounded stop, against fake runners (the real processes
are in tests/e2e/test_service_stop.py)."""
import eventlet
import pytest
from nameko.exceptions import ConfigurationError

from services.common import run
from services.common.run import EXIT_FORCED, EXIT_KILLED, EXIT_STOPPED, Stopper, stop_grace_period


class FakeRunner:
    service_names = ["fake"]

    def __init__(self, stop_takes=0.0, kill_takes=0.0, stop_raises=False):
        self.stop_takes = stop_takes
        self.kill_takes = kill_takes
        self.stop_raises = stop_raises
        self.calls = []

    def stop(self):
        self.calls.append("stop")
        eventlet.sleep(self.stop_takes)
        if self.stop_raises:
            raise RuntimeError("a dependency failed while stopping")
        self.calls.append("stopped")

    def kill(self):
        self.calls.append("kill")
        eventlet.sleep(self.kill_takes)
        self.calls.append("killed")


@pytest.fixture
def exits(monkeypatch):
    statuses = []

    def exit_now(status):
        statuses.append(status)
        raise SystemExit(status)

    monkeypatch.setattr(run, "_exit_now", exit_now)
    return statuses


def test_the_grace_period_comes_from_the_environment_over_the_config(monkeypatch):
    monkeypatch.delenv("LIUDONG_STOP_GRACE_PERIOD", raising=False)
    assert stop_grace_period({}) == 10.0
    assert stop_grace_period({"STOP_GRACE_PERIOD": "4.5"}) == 4.5
    monkeypatch.setenv("LIUDONG_STOP_GRACE_PERIOD", "2")
    assert stop_grace_period({"STOP_GRACE_PERIOD": 30}) == 2.0


@pytest.mark.parametrize("value", ["soon", "-1"])
def test_a_grace_period_that_is_not_seconds_is_refused(monkeypatch, value):
    monkeypatch.setenv("LIUDONG_STOP_GRACE_PERIOD", value)
    with pytest.raises(ConfigurationError, match="LIUDONG_STOP_GRACE_PERIOD"):
        stop_grace_period({})


def test_a_stop_within_the_grace_period_kills_nothing(exits):
    runner = FakeRunner(stop_takes=0.05)
    stopper = Stopper(runner, grace_period=1.0, kill_timeout=1.0)
    stopper.stop()
    assert runner.calls == ["stop", "stopped"]
    assert stopper.exit_status == EXIT_STOPPED
    assert exits == []


def test_a_stop_past_the_grace_period_kills(exits):
    runner = FakeRunner(stop_takes=60)
    stopper = Stopper(runner, grace_period=0.1, kill_timeout=1.0)
    with eventlet.Timeout(5):
        stopper.stop()
    assert runner.calls == ["stop", "kill", "killed"]
    assert stopper.exit_status == EXIT_KILLED
    assert exits == []


def test_a_stop_that_raises_kills_at_once(exits):
    runner = FakeRunner(stop_raises=True)
    stopper = Stopper(runner, grace_period=30, kill_timeout=1.0)
    with eventlet.Timeout(5):
        stopper.stop()
    assert runner.calls == ["stop", "kill", "killed"]
    assert stopper.exit_status == EXIT_KILLED


def test_a_kill_that_does_not_finish_ends_the_process(exits):
    runner = FakeRunner(stop_takes=60, kill_takes=60)
    stopper = Stopper(runner, grace_period=0.1, kill_timeout=0.1)
    with eventlet.Timeout(5), pytest.raises(SystemExit):
        stopper.stop()
    assert exits == [EXIT_FORCED]


def test_a_second_signal_skips_the_rest_of_the_grace_period(exits):
    runner = FakeRunner(stop_takes=60)
    stopper = Stopper(runner, grace_period=30, kill_timeout=1.0)
    stopping = eventlet.spawn(stopper.stop)
    eventlet.sleep(0.05)
    stopper.signals = 2
    stopper._hurry()
    with eventlet.Timeout(5):
        stopping.wait()
    assert runner.calls == ["stop", "kill", "killed"]
    assert stopper.exit_status == EXIT_KILLED
