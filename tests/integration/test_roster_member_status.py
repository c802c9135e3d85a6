"""The computed status on the real roster service (PostgreSQL, RabbitMQ): the history written with each
movement, and the clock's sweep, which finds a backdated departure's new status and publishes it once
however many instances sweep and however often."""
from datetime import timedelta

import eventlet
import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, text

from contracts.errors import ServiceError
from services.common.clock import Clock
from services.roster.service import RosterService
from tests.integration.rpc import call
from tests.support import id_number

DUE_DAYS = 10  # not the default 15: proves CHECK_IN_DUE_DAYS reaches the sweep
_serial = iter(range(300, 999))


@pytest.fixture
def roster(container_factory, service_config):
    container = container_factory(RosterService, {**service_config, "CHECK_IN_DUE_DAYS": DUE_DAYS})
    container.start()
    return container


@pytest.fixture
def world(roster):
    county = call(roster, "create_organisation", {"name": "高台县委", "kind": "party_committee"})
    town = call(roster, "create_organisation", {"name": "巷道镇党委", "kind": "party_committee", "parent_id": county["id"]})
    other = call(roster, "create_organisation", {"name": "南华镇党委", "kind": "party_committee", "parent_id": county["id"]})
    return {"village": call(roster, "create_organisation", {"name": "东联村党支部", "kind": "branch",
                                                             "parent_id": town["id"]}),
            "other_town": other}


def today():
    return Clock.from_config({}).today()


def execute(database_url, sql, **params):
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return result.all() if result.returns_rows else result.rowcount
    finally:
        engine.dispose()


def away(roster, branch, days_ago):
    n = next(_serial)
    member = call(roster, "register_member", {
        "name": f"成员{n}", "gender": "male", "birth_date": "1980-01-01", "id_number": id_number("1980-01-01", n),
        "phone": f"13900{n:06d}", "joined_on": "2005-07-01", "organisation_id": branch["id"]})
    call(roster, "report_departure", member["id"], {
        "departed_on": (today() - timedelta(days=days_ago)).isoformat(), "destination_province": "甘肃省",
        "destination_city": "酒泉市瓜州县", "work": "枸杞采摘", "contact": "13900001234"})
    return member


def backdate(database_url, member_id, days):
    """The open departure as if it began ``days`` earlier: the service's clock is the real one."""
    assert execute(database_url, "UPDATE departures SET departed_on = departed_on - :days "
                                 "WHERE open_for_member_id = :id", days=days, id=member_id) == 1


def status_events(database_url):
    return execute(database_url, "SELECT envelope FROM outbox WHERE event_type = 'member_status_changed' ORDER BY id")


def _sweep(container):
    with entrypoint_hook(container, "sweep_statuses") as sweep:
        sweep()


def test_the_history_follows_each_movement(roster, world, database_url, event_tap):
    member = away(roster, world["village"], 2)
    assert call(roster, "get_member", member["id"])["status"] == "away"
    call(roster, "report_check_in", member["id"], {"host_name": "瓜州县某社区", "host_place": "酒泉市瓜州县"})
    call(roster, "report_return", member["id"], {})
    history = call(roster, "member_status_history", member["id"])["items"]
    assert [(c["previous_status"], c["status"], c["cause"]) for c in history] == [
        (None, "normal", "member_registered"), ("normal", "away", "member_departed"),
        ("away", "normal", "member_returned")]  # a check-in while merely away changes nothing
    assert history[1]["effective_on"] == (today() - timedelta(days=2)).isoformat()
    assert {c["changed_by"] for c in history} == {"user:admin"}
    published = event_tap.wait_for("member_status_changed", count=2)
    assert [(e["data"]["status"], e["data"]["cause"]) for e in published] == [
        ("away", "member_departed"), ("normal", "member_returned")]
    # someone who does not see the member learns nothing of them
    outsider = {"organisation_ids": [world["other_town"]["id"]], "member_id": None, "reveal": [],
                "principal": "user:other"}
    with pytest.raises(ServiceError) as refused:
        call(roster, "member_status_history", member["id"], scope=outsider)
    assert refused.value.code == "member_not_found"


def test_the_clock_changes_a_backdated_departure_once_however_many_sweep(roster, world, database_url, event_tap,
                                                                        container_factory, service_config):
    due = away(roster, world["village"], DUE_DAYS - 1)   # due for check-in tomorrow
    long_away = away(roster, world["village"], 20)       # awaiting check-in already
    checked_in = away(roster, world["village"], 1)
    call(roster, "report_check_in", checked_in["id"], {"host_name": "瓜州县某社区", "host_place": "酒泉市瓜州县"})
    assert [call(roster, "get_member", m["id"])["status"] for m in (due, long_away, checked_in)] == [
        "away", "awaiting_check_in", "away"]
    before = len(status_events(database_url))

    _sweep(roster)  # nothing the clock has changed yet
    assert len(status_events(database_url)) == before

    backdate(database_url, due["id"], 1)             # the due day is today
    backdate(database_url, long_away["id"], 200)     # more than six months
    backdate(database_url, checked_in["id"], DUE_DAYS + 5)  # checked in: the due day changes nothing

    # Three instances sweep at once. One hook per container: nameko's entrypoint_waiter answers the
    # first worker of the method to finish in its container, which need not be the one a hook started.
    others = [container_factory(RosterService, {**service_config, "CHECK_IN_DUE_DAYS": DUE_DAYS,
                                                "OUTBOX_RELAY": {"enabled": False}}) for _ in range(2)]
    for other in others:
        other.start()
    sweeps = [eventlet.spawn(_sweep, container) for container in (roster, *others)]
    [sweep.wait() for sweep in sweeps]
    _sweep(roster)  # and once more, later

    assert [call(roster, "get_member", m["id"])["status"] for m in (due, long_away, checked_in)] == [
        "awaiting_check_in", "should_transfer", "away"]
    clock_events = [row.envelope["data"] for row in status_events(database_url)[before:]]
    assert sorted((e["member_id"], e["previous_status"], e["status"], e["cause"]) for e in clock_events) == sorted([
        (due["id"], "away", "awaiting_check_in", "clock"),
        (long_away["id"], "awaiting_check_in", "should_transfer", "clock"),
    ])
    history = call(roster, "member_status_history", long_away["id"])["items"]
    assert history[-1]["cause"] == "clock" and history[-1]["changed_by"] is None
    assert history[-1]["effective_on"] == call(roster, "members_to_transfer", {})["items"][0]["should_transfer_from"]
    assert call(roster, "list_members", {"status": "awaiting_check_in"})["total"] == 1

    published = event_tap.wait_for("member_status_changed", count=2 + len(clock_events))
    assert sorted(e["data"]["member_id"] for e in published if e["data"]["cause"] == "clock") == sorted(
        [due["id"], long_away["id"]])
