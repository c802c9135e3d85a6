"""The outbox relay's second window (issue 12): its pooled broker connection drops, and the broker comes back
on the same address. A TCP proxy between the relay and RabbitMQ is stopped (every connection through it cut,
new ones refused) and started again on the same port: the URI never changes, so the relay must notice that the
connection it holds is dead and open a new one, and publish what was written meanwhile, once.
"""
import threading
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from contracts.events import Event
from persistence.engine import make_engine
from persistence.migrations import upgrade_to_head
from services.common.db import UnitOfWork
from services.common.outbox import OutboxRelay
from services.roster.models import inbox, outbox
from tests.platform import free_port
from tests.proxy import TcpForwarder
from tests.support import AMQP_BASE, EventTap, create_database, create_vhost, delete_vhost, drop_database, wait_for


@pytest.fixture
def engine():
    url = create_database("liudong_chaos_relay")
    engine = make_engine(url)
    upgrade_to_head(engine, "services.roster:migrations")
    yield engine
    engine.dispose()
    drop_database(url)


@pytest.fixture
def vhost():
    name, uri = create_vhost("liudong-chaos-relay")
    yield uri
    delete_vhost(name)


@pytest.fixture
def proxy():
    broker = urlsplit(AMQP_BASE)
    proxy = TcpForwarder((broker.hostname, broker.port or 5672), free_port())
    proxy.start()
    yield proxy
    proxy.stop()


def write_event(engine):
    event = Event(source="roster", event_type="member_registered", data={
        "member_id": str(uuid.uuid4()), "organisation_id": str(uuid.uuid4()), "membership": "full"})
    unit_of_work = UnitOfWork(sessionmaker(bind=engine), {"outbox": outbox, "inbox": inbox})
    unit_of_work.add_event(event)
    unit_of_work.commit()
    return event.event_id


def unsent(engine):
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None)))


def attempts(engine, event_id):
    with engine.connect() as connection:
        return connection.scalar(select(outbox.c.attempts).where(outbox.c.event_id == event_id))


def test_a_relay_whose_pooled_connection_drops_publishes_again_once_the_broker_is_back_on_the_same_address(
        engine, vhost, proxy):
    uri = urlsplit(vhost)
    through_proxy = uri._replace(netloc=uri.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{proxy.port}").geturl()
    tap = EventTap(vhost, "roster.events")
    relay = OutboxRelay(engine, outbox, through_proxy, poll_interval=0.05)
    running = threading.Thread(target=relay.run, daemon=True)
    running.start()
    try:
        first = write_event(engine)
        relay.wake()
        tap.wait_for("member_registered")  # the relay now holds a pooled connection through the proxy

        proxy.stop()
        second = write_event(engine)
        relay.wake()
        wait_for(lambda: attempts(engine, second) >= 1, timeout=30, message="a publish through the cut link to fail")
        assert unsent(engine) == 1

        proxy.start()  # the same address again
        relay.wake()
        tap.wait_for("member_registered", count=2, timeout=60)
        wait_for(lambda: unsent(engine) == 0, timeout=30, message="the row to be marked sent")
        assert [str(envelope["event_id"]) for envelope in tap.envelopes()] == [str(first), str(second)]
    finally:
        relay.stop()
        running.join(30)
        tap.close()
