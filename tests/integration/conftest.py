"""Service and integration tests: real PostgreSQL, real RabbitMQ (a throwaway
vhost per test from nameko's ``rabbit_config``). Run under ``nameko test`` so
eventlet is patched before anything is imported."""
import pytest
from nameko.standalone.events import event_dispatcher

from services.common.crypto import generate_keys
from services.roster.service import RosterService
from tests.support import EventTap, caller_key_config, create_database, drop_database


@pytest.fixture(scope="session")
def personal_data_keys():
    """Fresh keys for this test run, as the service config holds them."""
    keys = generate_keys()
    return {"PERSONAL_DATA_KEYS": keys["LIUDONG_PERSONAL_DATA_KEYS"],
            "PERSONAL_DATA_INDEX_KEY": keys["LIUDONG_PERSONAL_DATA_INDEX_KEY"]}


@pytest.fixture
def database_url():
    url = create_database()
    yield url
    drop_database(url)


@pytest.fixture
def service_config(rabbit_config, database_url, personal_data_keys):
    return {
        **rabbit_config,
        **personal_data_keys,
        **caller_key_config("roster"),
        "DATABASE_URL": database_url,
        "OUTBOX_RELAY": {"enabled": True, "poll_interval": 0.2, "batch_size": 50},
        "EVENT_RETRY": {"max_attempts": 3, "initial_delay": 0.05, "multiplier": 2, "max_delay": 1},
    }


@pytest.fixture
def dispatch(rabbit_config):
    """Publish an event as another service would: ``dispatch(source, event_type, body)``."""
    return event_dispatcher(rabbit_config)


@pytest.fixture
def event_tap(rabbit_config):
    tap = EventTap(rabbit_config["AMQP_URI"])
    yield tap
    tap.close()



@pytest.fixture
def roster(container_factory, service_config):
    """The roster service in a real container on PostgreSQL and the test vhost."""
    container = container_factory(RosterService, service_config)
    container.start()
    return container


@pytest.fixture
def education_database_url():
    url = create_database("liudong_test_education")
    yield url
    drop_database(url)


@pytest.fixture
def education_config(rabbit_config, education_database_url):
    return {
        **rabbit_config,
        **caller_key_config("education"),
        "DATABASE_URL": education_database_url,
        "OUTBOX_RELAY": {"enabled": True, "poll_interval": 0.2, "batch_size": 50},
        "EVENT_RETRY": {"max_attempts": 3, "initial_delay": 0.05, "multiplier": 2, "max_delay": 1},
        "ORGANISATION_TREE_RPC_TIMEOUT": 2,
    }


@pytest.fixture
def education(container_factory, education_config):
    """The education service in a real container on PostgreSQL and the test vhost (no roster: its
    tree catch-up keeps retrying in the background; tests feed roster's events themselves)."""
    from services.education.service import EducationService

    container = container_factory(EducationService, education_config)
    container.start()
    return container


@pytest.fixture
def scoring_database_url():
    url = create_database("liudong_test_scoring")
    yield url
    drop_database(url)


def following_service(container_factory, rabbit_config, service_class, database_url):
    """A service that follows roster's events, in a real container on PostgreSQL and the test vhost, with no
    roster behind it (tests feed the events themselves) and a quick relay and retries."""
    container = container_factory(service_class, {
        **rabbit_config,
        **caller_key_config(service_class.name),
        "DATABASE_URL": database_url,
        "OUTBOX_RELAY": {"enabled": True, "poll_interval": 0.2, "batch_size": 50},
        "EVENT_RETRY": {"max_attempts": 3, "initial_delay": 0.05, "multiplier": 2, "max_delay": 1},
        "ORGANISATION_TREE_RPC_TIMEOUT": 2,
    })
    container.start()
    return container


@pytest.fixture
def scoring(container_factory, rabbit_config, scoring_database_url):
    from services.scoring.service import ScoringService

    return following_service(container_factory, rabbit_config, ScoringService, scoring_database_url)


@pytest.fixture
def outreach_database_url():
    url = create_database("liudong_test_outreach")
    yield url
    drop_database(url)


@pytest.fixture
def outreach(container_factory, rabbit_config, outreach_database_url):
    from services.outreach.service import OutreachService

    return following_service(container_factory, rabbit_config, OutreachService, outreach_database_url)
