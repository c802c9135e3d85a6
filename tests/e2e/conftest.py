"""End-to-end fixtures: a whole platform per module (``tests.platform``)."""
import pytest

from tests.platform import running_platform


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with running_platform(tmp_path_factory.mktemp("e2e-logs")) as platform:
        yield platform


@pytest.fixture
def tap(platform):
    tap = platform.tap()
    yield tap
    tap.close()
