"""The example service (tests/example_service) built from the kernel alone, in a
real container on PostgreSQL and the broker: typed events in, scope checked
against its own organisation projection, events out through the outbox;
permanent failures dead-lettered at once, transient ones retried."""
import logging
import uuid
from datetime import date, timedelta

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from contracts.access import Scope
from contracts.errors import ServiceError
from contracts.events import Event
from services.common import tree
from services.common.messaging import ATTEMPTS_HEADER, ERROR_HEADER
from contracts import platform
from tests.example_service.service import SPEC, WelcomeService, welcomes
from tests.integration.rpc import call
from tests.support import EventTap, caller_key_config, create_database, dead_letters, drop_database, wait_for


@pytest.fixture
def welcome_database_url():
    url = create_database("liudong_test_welcome")
    yield url
    drop_database(url)


@pytest.fixture(autouse=True)
def welcome_on_the_platform(monkeypatch):
    """The example service declared as a platform service: roster answers its catch-up."""
    monkeypatch.setattr(platform, "SERVICES", (*platform.SERVICES, SPEC))


@pytest.fixture
def welcome_config(rabbit_config, welcome_database_url):
    return {
        **rabbit_config,
        **caller_key_config("welcome"),
        "DATABASE_URL": welcome_database_url,
        "OUTBOX_RELAY": {"enabled": True, "poll_interval": 0.2},
        "EVENT_RETRY": {"max_attempts": 3, "initial_delay": 0.05, "multiplier": 2, "max_delay": 1},
        "ORGANISATION_TREE_RPC_TIMEOUT": 2,
    }


@pytest.fixture
def welcome(container_factory, welcome_config):
    container = container_factory(WelcomeService, welcome_config)
    container.start()
    return container


def organisation_created(path, kind="branch"):
    ids = [str(i) for i in path]
    return Event(source="roster", event_type="organisation_created", data={
        "organisation_id": ids[-1], "parent_id": ids[-2] if len(ids) > 1 else None, "path": ids,
        "name": f"组织{ids[-1][:4]}", "kind": kind, "revision": 1,
    }).envelope()


def member_returned(organisation_id, returned_on="2026-02-01", version=1):
    envelope = Event(source="roster", event_type="member_returned", data={
        "member_id": str(uuid.uuid4()), "departure_id": str(uuid.uuid4()), "organisation_id": str(organisation_id),
        "returned_on": returned_on, "departed_on": None, "departure_reported": False,
    }).envelope()
    return {**envelope, "version": version}


def scope_of(*roots):
    return {"organisation_ids": [str(root) for root in roots], "principal": "user:test"}


def project(welcome, dispatch, *envelopes):
    for envelope in envelopes:
        with entrypoint_waiter(welcome, "project_organisation"):
            dispatch("roster", "organisation_created", envelope)


def test_a_return_is_welcomed_with_typed_data_and_published_through_the_outbox(welcome, dispatch, rabbit_config,
                                                                               welcome_database_url):
    county, town, branch = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    project(welcome, dispatch, organisation_created([county], "party_committee"),
            organisation_created([county, town], "party_committee"), organisation_created([county, town, branch]))
    tap = EventTap(rabbit_config["AMQP_URI"], "welcome.events")
    try:
        envelope = member_returned(branch)
        with entrypoint_waiter(welcome, "welcome_home"):
            dispatch("roster", "member_returned", envelope)
        [welcomed] = tap.wait_for("member_welcomed")
    finally:
        tap.close()
    assert welcomed["data"] == {"member_id": envelope["data"]["member_id"], "organisation_id": str(branch),
                                "returned_on": "2026-02-01"}
    engine = create_engine(welcome_database_url)
    with engine.connect() as connection:
        assert connection.execute(select(welcomes.c.returned_on)).scalar() == date(2026, 2, 1)
    engine.dispose()

    # The caller's scope is checked against the service's own projection of the tree.
    assert call(welcome, "list_welcomes", str(branch), scope=scope_of(town))[0]["member_id"] == envelope["data"]["member_id"]
    with pytest.raises(ServiceError) as refused:
        call(welcome, "list_welcomes", str(branch), scope=scope_of(uuid.uuid4()))
    assert refused.value.code == "organisation_not_found"


def test_a_rule_violation_is_dead_lettered_on_its_first_attempt(welcome, dispatch, rabbit_config):
    envelope = member_returned(uuid.uuid4(), returned_on=(date.today() + timedelta(days=400)).isoformat())
    with entrypoint_waiter(welcome, "welcome_home"):
        dispatch("roster", "member_returned", envelope)
    [(headers, body)] = wait_for(lambda: dead_letters(rabbit_config["AMQP_URI"], "welcome"), message="a dead letter")
    assert body == envelope
    assert headers[ATTEMPTS_HEADER] == 1
    assert headers[ERROR_HEADER].startswith("contracts.errors.RuleViolation: a return cannot be welcomed")


def test_an_unknown_event_version_is_dead_lettered_with_its_reason(welcome, dispatch, rabbit_config):
    envelope = member_returned(uuid.uuid4(), version=9)
    dispatch("roster", "member_returned", envelope)
    [(headers, body)] = wait_for(lambda: dead_letters(rabbit_config["AMQP_URI"], "welcome"), message="a dead letter")
    assert body["version"] == 9
    assert headers[ATTEMPTS_HEADER] == 1
    assert "roster.member_returned v9 is newer than the newest this consumer knows (v1)" in headers[ERROR_HEADER]


def test_a_transient_database_error_is_retried_and_then_succeeds(container_factory, welcome_config, dispatch,
                                                                  rabbit_config, welcome_database_url, caplog):
    config = {**welcome_config, "EVENT_RETRY": {"max_attempts": 8, "initial_delay": 0.2, "multiplier": 1.5, "max_delay": 2}}
    container = container_factory(WelcomeService, config)
    container.start()
    engine = create_engine(welcome_database_url)
    with engine.begin() as connection:  # the table is gone for a while: every insert fails
        connection.execute(text("ALTER TABLE welcomes RENAME TO welcomes_away"))
    caplog.set_level(logging.WARNING, logger="services.common.messaging")
    envelope = member_returned(uuid.uuid4())
    dispatch("roster", "member_returned", envelope)
    wait_for(lambda: "welcome_home failed (attempt 1 of 8), retrying" in caplog.text, message="a failed first attempt")
    with entrypoint_waiter(container, "welcome_home", callback=lambda worker_ctx, result, exc_info: exc_info is None,
                           timeout=30):
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE welcomes_away RENAME TO welcomes"))
    with engine.connect() as connection:
        assert connection.execute(select(welcomes.c.member_id)).scalars().all() == [envelope["data"]["member_id"]]
    engine.dispose()
    assert dead_letters(rabbit_config["AMQP_URI"], "welcome") == []


# ---- the organisation projection against roster itself ----------------------

def roster_sees(roster, root):
    """Roster's own answer: every organisation inside ``root``."""
    page = call(roster, "list_organisations", {"per_page": 100}, scope={**scope_of(root), "reveal": []})
    return {item["id"] for item in page["items"]}


def projection_sees(database_url, root):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            paths = connection.execute(text("SELECT id, path FROM organisation_tree")).all()
    finally:
        engine.dispose()
    return {organisation_id for organisation_id, path in paths if f"/{root}/" in path}, len(paths)


def projected_count(database_url):
    return projection_sees(database_url, "none")[1]


def grow(roster, parents, count):
    made = []
    for n in range(count):
        parent = parents[n % len(parents)]
        made.append(call(roster, "create_organisation", {"name": f"第{n}村党支部", "kind": "branch", "parent_id": parent}))
    return [organisation["id"] for organisation in made]


def test_a_late_service_catches_up_with_the_tree_and_then_follows_it(roster, container_factory, welcome_config,
                                                                     welcome_database_url):
    county = call(roster, "create_organisation", {"name": "高台县委", "kind": "party_committee"})["id"]
    towns = [call(roster, "create_organisation", {"name": f"{n}镇党委", "kind": "party_committee", "parent_id": county})["id"]
             for n in range(5)]
    branches = grow(roster, towns, 44)
    everything = [county, *towns, *branches]
    assert len(everything) == 50

    welcome = container_factory(WelcomeService, welcome_config)
    welcome.start()
    wait_for(lambda: projected_count(welcome_database_url) == 50, timeout=30, message="the projection to catch up")

    def matches_roster(organisations):
        truth = {root: roster_sees(roster, root) for root in organisations}
        for root in organisations:
            assert projection_sees(welcome_database_url, root)[0] == truth[root], root
        return truth

    truth = matches_roster(everything)
    # And one object at a time, as the service's scope check asks it, for every pair.
    engine = create_engine(welcome_database_url)
    organisation_tree = WelcomeService.db.metadata.tables["organisation_tree"]
    with Session(engine) as session:
        for organisation in everything:
            for root in everything:
                seen = tree.sees_organisation(session, organisation_tree, Scope.of(organisation_ids=[root]), organisation)
                assert seen == (organisation in truth[root]), (organisation, root)
    engine.dispose()

    # New organisations arrive as events.
    newer = grow(roster, towns, 6)
    wait_for(lambda: projected_count(welcome_database_url) == 56, timeout=30, message="the new organisations")
    matches_roster([county, *towns, *newer])

    # A service that lost its projection rebuilds it at its next start.
    welcome.stop()
    engine = create_engine(welcome_database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM organisation_tree"))
    engine.dispose()
    container_factory(WelcomeService, welcome_config).start()
    wait_for(lambda: projected_count(welcome_database_url) == 56, timeout=30, message="the projection to be rebuilt")
    matches_roster([county, *towns])
