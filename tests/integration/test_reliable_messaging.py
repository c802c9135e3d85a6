"""Inbox, retries and the dead-letter queue, on the real broker and PostgreSQL."""
import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, func, insert, select

from contracts.events import Event
from services.common.db import Database
from services.common.deadletter import replay_dead_letters
from services.common.messaging import (
    ATTEMPTS_HEADER,
    ERROR_HEADER,
    ORIGINAL_QUEUE_HEADER,
    idempotent,
    reliable_event_handler,
)
from services.common.tables import inbox_table, outbox_table
from tests.support import dead_letters, wait_for

metadata = MetaData()
outbox_table(metadata)
inbox_table(metadata)
effects = Table("effects", metadata, Column("id", Integer, primary_key=True), Column("event_id", String(36)))


class HomecomingSubscriber:
    """Stands in for any service that reacts to a member's return."""

    name = "homecoming"
    db = Database(metadata)
    failing = {"on": False, "calls": 0}

    @reliable_event_handler("roster", "member_returned")
    @idempotent()
    def enrol(self, envelope):
        HomecomingSubscriber.failing["calls"] += 1
        if HomecomingSubscriber.failing["on"]:
            raise RuntimeError("the training register is down")
        self.db.session.execute(insert(effects).values(event_id=str(envelope["event_id"])))
        return "enrolled"


def member_returned():
    return Event(source="roster", event_type="member_returned", data={
        "member_id": "0c1b1f8e-7a59-4a4e-9c52-0d8a3b1b6e01", "departure_id": "3f0c8c4e-1d5e-4b8e-a0a4-2b9f8e7d6c51",
        "organisation_id": "7d9e3a1c-5b2f-4c6d-8e0f-1a2b3c4d5e6f", "returned_on": "2026-12-25",
        "departed_on": "2026-03-01", "departure_reported": True,
    }).envelope()


def effect_count(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(effects))
    engine.dispose()
    return total


@pytest.fixture
def subscriber(container_factory, service_config):
    HomecomingSubscriber.failing.update(on=False, calls=0)
    container = container_factory(HomecomingSubscriber, service_config)
    container.start()
    return container


def test_the_same_event_delivered_twice_takes_effect_once(subscriber, dispatch, database_url):
    envelope = member_returned()
    with entrypoint_waiter(subscriber, "enrol") as first:
        dispatch("roster", "member_returned", envelope)
    with entrypoint_waiter(subscriber, "enrol") as second:
        dispatch("roster", "member_returned", envelope)
    assert first.get() == "enrolled"
    assert second.get() is None
    assert effect_count(database_url) == 1
    assert HomecomingSubscriber.failing["calls"] == 1  # the duplicate never reached the handler body


def test_a_handler_that_keeps_failing_ends_in_the_dead_letter_queue(subscriber, dispatch, rabbit_config, database_url):
    HomecomingSubscriber.failing["on"] = True
    envelope = member_returned()
    dispatch("roster", "member_returned", envelope)

    [(headers, body)] = wait_for(lambda: dead_letters(rabbit_config["AMQP_URI"], "homecoming"), message="a dead letter")
    assert body == envelope
    assert headers[ATTEMPTS_HEADER] == 3  # EVENT_RETRY.max_attempts in service_config
    assert "the training register is down" in headers[ERROR_HEADER]
    assert headers[ORIGINAL_QUEUE_HEADER] == "evt-roster-member_returned--homecoming.enrol"
    assert HomecomingSubscriber.failing["calls"] == 3
    assert effect_count(database_url) == 0

    # The operator fixes the cause and replays: the event takes effect, once.
    HomecomingSubscriber.failing["on"] = False
    with entrypoint_waiter(subscriber, "enrol"):
        assert replay_dead_letters(rabbit_config["AMQP_URI"], "homecoming") == 1
    assert effect_count(database_url) == 1
    assert dead_letters(rabbit_config["AMQP_URI"], "homecoming") == []


def test_a_message_that_is_not_an_envelope_is_dead_lettered_at_once(subscriber, dispatch, rabbit_config):
    dispatch("roster", "member_returned", {"member": "not an envelope"})
    [(headers, body)] = wait_for(lambda: dead_letters(rabbit_config["AMQP_URI"], "homecoming"), message="a dead letter")
    assert body == {"member": "not an envelope"}
    assert headers[ATTEMPTS_HEADER] == 1 and headers[ERROR_HEADER].startswith("ValidationError: ")
    assert HomecomingSubscriber.failing["calls"] == 0
