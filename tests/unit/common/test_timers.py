"""The configured timer: its interval from the service's configuration, or the default."""
from types import SimpleNamespace

import pytest

from services.common.timers import ConfiguredTimer


def timer_with(config):
    timer = ConfiguredTimer("SWEEP_INTERVAL", 3600)
    timer.container = SimpleNamespace(config=config)
    timer.setup()
    return timer


def test_the_interval_comes_from_the_configuration_in_seconds():
    assert timer_with({"SWEEP_INTERVAL": "1.5"}).interval == 1.5


@pytest.mark.parametrize("config", [{}, {"SWEEP_INTERVAL": None}, {"SWEEP_INTERVAL": ""}])
def test_without_it_the_default_holds(config):
    assert timer_with(config).interval == 3600


@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_non_positive_interval_is_refused_naming_the_key(value):
    with pytest.raises(ValueError, match="SWEEP_INTERVAL"):
        timer_with({"SWEEP_INTERVAL": value})
