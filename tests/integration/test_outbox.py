"""The transactional outbox on PostgreSQL: state and event commit together, and
the relay keeps going through a broker outage."""
import dataclasses
import uuid
from datetime import date, datetime, timezone

import eventlet
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from contracts.events import Event, load_envelope
from persistence.engine import make_engine
from persistence.migrations import upgrade_to_head
from services.common.db import UnitOfWork
from services.common.domain_events import EventMap
from services.common.outbox import OutboxRelay
from services.roster.models import inbox, organisations, outbox
from tests.support import wait_for

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
DEAD_BROKER = "amqp://guest:guest@127.0.0.1:1/"


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    upgrade_to_head(engine, "services.roster:migrations")
    yield engine
    engine.dispose()


def unit_of_work(engine):
    return UnitOfWork(sessionmaker(bind=engine), {"outbox": outbox, "inbox": inbox})


def registered(member_id="0c1b1f8e-7a59-4a4e-9c52-0d8a3b1b6e01"):
    return Event(source="roster", event_type="member_registered", data={
        "member_id": member_id, "organisation_id": "7d9e3a1c-5b2f-4c6d-8e0f-1a2b3c4d5e6f", "membership": "full"})


def add_county(uow):
    uow.session.execute(organisations.insert().values(
        id="o1", name="高台县委", kind="party_committee", path="/o1/", depth=0, created_at=NOW))


def count(engine, table, *where):
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table).where(*where))


def test_a_failed_commit_leaves_neither_state_nor_event(engine):
    event = registered()
    first = unit_of_work(engine)
    first.add_event(event)
    first.commit()

    # The state change succeeds on its own, but writing the outbox row fails
    # at commit (the event id is taken): the state change must go with it.
    uow = unit_of_work(engine)
    add_county(uow)
    uow.add_event(event)
    with pytest.raises(IntegrityError):
        uow.commit()
    uow.close()
    assert count(engine, organisations) == 0 and count(engine, outbox) == 1


def test_an_uncommitted_unit_of_work_writes_nothing(engine):
    uow = unit_of_work(engine)
    add_county(uow)
    uow.add_event(registered())
    uow.close()  # the worker ended without committing
    assert count(engine, organisations) == 0 and count(engine, outbox) == 0


def test_state_and_event_commit_together(engine):
    uow = unit_of_work(engine)
    add_county(uow)
    uow.add_event(registered())
    uow.commit()
    assert count(engine, organisations) == 1
    assert count(engine, outbox, outbox.c.published_at.is_(None)) == 1


def test_the_relay_keeps_the_event_through_a_broker_outage(engine, rabbit_config, event_tap):
    uow = unit_of_work(engine)
    uow.add_event(registered())
    uow.commit()

    relay = OutboxRelay(engine, outbox, DEAD_BROKER, poll_interval=0.05)
    runner = eventlet.spawn(relay.run)
    try:
        # The broker is unreachable: the row stays unpublished and the failures are recorded.
        wait_for(lambda: count(engine, outbox, outbox.c.attempts >= 2), message="two failed attempts")
        assert count(engine, outbox, outbox.c.published_at.is_(None)) == 1
        with engine.connect() as connection:
            assert connection.scalar(select(outbox.c.last_error))
        # The broker comes back: the same relay loop delivers the event.
        relay.publisher.amqp_uri = rabbit_config["AMQP_URI"]
        relay.wake()
        [envelope] = event_tap.wait_for("member_registered")
        assert envelope["data"]["membership"] == "full"
        wait_for(lambda: count(engine, outbox, outbox.c.published_at.is_(None)) == 0, message="row marked sent")
    finally:
        relay.stop()
        runner.wait()
    assert event_tap.envelopes() == [envelope]  # published once


# ---- many events of one kind at once (a year's grades): services.common.db.UnitOfWork.add_events_in_bulk ----

@dataclasses.dataclass(frozen=True)
class Registered:
    member_id: str
    organisation_id: str
    membership: str
    joined_on: object = None


def bulk_unit_of_work(engine):
    return UnitOfWork(sessionmaker(bind=engine), {"outbox": outbox, "inbox": inbox},
                      events=EventMap("roster", {Registered: "member_registered"}))


def test_many_events_in_bulk_are_written_each_a_valid_envelope(engine):
    uow = bulk_unit_of_work(engine)
    add_county(uow)
    members = [str(uuid.uuid4()) for _ in range(2500)]  # more than one sampled check (every 1,000)
    uow.add_events_in_bulk([Registered(member_id=member, organisation_id="7d9e3a1c-5b2f-4c6d-8e0f-1a2b3c4d5e6f",
                                       membership="full", joined_on=date(2004, 7, 1)) for member in members])
    uow.commit()
    with engine.connect() as connection:
        rows = connection.execute(select(outbox.c.event_id, outbox.c.envelope, outbox.c.published_at)).all()
    assert count(engine, organisations) == 1 and len(rows) == len(members)
    loaded = [load_envelope(row.envelope) for row in rows]
    assert sorted(str(envelope["data"]["member_id"]) for envelope in loaded) == sorted(members)
    assert {envelope["data"]["joined_on"] for envelope in loaded} == {date(2004, 7, 1)}
    assert all(row.event_id == row.envelope["event_id"] and row.published_at is None for row in rows)


def test_a_bulk_whose_data_the_contract_would_write_otherwise_is_refused(engine):
    uow = bulk_unit_of_work(engine)
    odd = Registered(member_id=str(uuid.uuid4()), organisation_id="7D9E3A1C-5B2F-4C6D-8E0F-1A2B3C4D5E6F",
                     membership="full")  # the contract writes ids in lower case
    with pytest.raises(ValueError, match="the contract makes"):
        uow.add_events_in_bulk([odd])
    uow.close()
    assert count(engine, outbox) == 0
