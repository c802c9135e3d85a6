"""失联 on the real roster service (nameko container, PostgreSQL, the test vhost): a spell
reported with its efforts, the proposal the clock makes, its confirmation, restoration that
reverses a suspension, refusals that write nothing, the list to work through and the county's
count, each effect with its event in the outbox."""
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, select

from contracts.errors import ServiceError
from services.common.clock import Clock
from services.roster.domain.check_in import add_months
from services.roster.models import lost_contacts, membership_decisions, outbox
from services.roster.service import RosterService
from tests.integration.rpc import call
from tests.support import id_number

_serial = iter(range(100, 999))


def scope(*organisation_ids, principal="user:someone"):
    return {"organisation_ids": [str(i) for i in organisation_ids], "member_id": None, "reveal": [],
            "principal": principal}


@pytest.fixture
def roster(container_factory, service_config):
    container = container_factory(RosterService, service_config)
    container.start()
    return container


@pytest.fixture
def world(roster):
    def org(name, kind, parent=None):
        return call(roster, "create_organisation", {"name": name, "kind": kind,
                                                    "parent_id": parent["id"] if parent else None})

    county = org("高台县委", "party_committee")
    town = org("巷道镇党委", "party_committee", county)
    other_town = org("南华镇党委", "party_committee", county)
    return {"county": county, "town": town, "village": org("东联村党支部", "branch", town),
            "other_village": org("南华村党支部", "branch", other_town)}


def today():
    return Clock.from_config({}).today()


def member_of(roster, branch):
    n = next(_serial)
    return call(roster, "register_member", {
        "name": f"成员{n}", "gender": "male", "birth_date": "1980-01-01", "id_number": id_number("1980-01-01", n),
        "phone": f"13900{n:06d}", "joined_on": "2005-07-01", "organisation_id": branch["id"]})


def report(lost_since):
    return {"lost_since": lost_since.isoformat(), "search_efforts": [
        {"on": lost_since.isoformat(), "how": "电话联系本人", "outcome": "停机"},
        {"on": today().isoformat(), "how": "询问家属", "outcome": "家属亦无联系"}]}


def rows(database_url, query):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).all()
    finally:
        engine.dispose()


def outbox_events(database_url, prefix="member_"):
    return [(r.event_type, r.envelope["data"]) for r in rows(database_url, select(outbox).order_by(outbox.c.id))
            if r.event_type.startswith(prefix) and r.event_type not in ("member_registered",)]


def refused(roster, method, *args, scope_=None):
    with pytest.raises(ServiceError) as error:
        call(roster, method, *args, **({"scope": scope_} if scope_ else {}))
    return error.value


def test_lost_then_suspended_then_found_again_with_every_event(roster, world, database_url):
    member = member_of(roster, world["village"])
    branch = scope(world["village"]["id"], principal="user:secretary")
    lost_since = add_months(today(), -7)

    spell = call(roster, "report_lost_contact", member["id"], report(lost_since), scope=branch)
    assert spell["reported_by"] == "user:secretary" and len(spell["search_efforts"]) == 2
    due_from = add_months(lost_since, 6)
    assert spell["proposal"] == {"kind": "suspension", "kind_label": "停止党籍", "due_from": due_from.isoformat()}

    listed = call(roster, "lost_members", {"proposal": "suspension"}, scope=scope(world["town"]["id"]))
    assert [item["member_id"] for item in listed["items"]] == [member["id"]] and listed["total"] == 1
    assert call(roster, "lost_members", {"proposal": "removal"}, scope=scope(world["town"]["id"]))["total"] == 0
    assert call(roster, "lost_members", {}, scope=scope(world["other_village"]["id"]))["total"] == 0

    decision = call(roster, "decide_membership", member["id"], {"kind": "suspension", "note": "镇党委会议决定"},
                    scope=scope(world["town"]["id"], principal="user:town"))
    assert decision["proposed_from"] == due_from.isoformat() and decision["decided_by"] == "user:town"
    history = call(roster, "list_lost_contacts", member["id"])["items"]
    assert history[0]["proposal"] is None
    assert history[0]["next_proposal"] == {"kind": "removal", "kind_label": "除名",
                                           "due_from": add_months(today(), 24).isoformat()}
    figures = call(roster, "county_statistics", {})
    assert figures["lost_contact"] == 1 and "lost_contact" not in figures["not_yet_tracked"]

    restored = call(roster, "restore_contact", member["id"], {"note": "本人来电"}, scope=branch)
    assert restored["restored_on"] == today().isoformat() and restored["restored_by"] == "user:secretary"
    assert restored["decisions"][0]["reversed_on"] == today().isoformat() and restored["next_proposal"] is None
    assert call(roster, "county_statistics", {})["lost_contact"] == 0
    assert call(roster, "county_statistics", {"date": today() - timedelta(days=1)})["lost_contact"] == 1

    events = outbox_events(database_url)
    assert [kind for kind, _ in events] == [
        "member_lost_contact", "member_status_changed", "member_suspended", "member_status_changed",
        "member_contact_restored", "member_status_changed"]
    assert events[0][1]["lost_since"] == lost_since.isoformat() and events[0][1]["search_efforts"] == 2
    assert events[2][1]["decision_id"] == decision["id"] and events[4][1]["suspension_reversed"] is True
    # The status follows: computed from the records, each change with its cause and day.
    assert [(d["previous_status"], d["status"], d["cause"], d["effective_on"]) for k, d in events
            if k == "member_status_changed"] == [
        ("normal", "lost_contact", "member_lost_contact", lost_since.isoformat()),
        ("lost_contact", "suspended", "member_suspended", today().isoformat()),
        ("suspended", "normal", "member_contact_restored", today().isoformat())]
    assert call(roster, "get_member", member["id"])["status"] == "normal"

    kinds = [entry["kind"] for entry in call(roster, "member_timeline", member["id"], {})["items"]]
    assert kinds == ["registered", "lost_contact_reported", "status_changed", "membership_suspension",
                     "status_changed", "contact_restored", "membership_suspension_reversed", "status_changed"]
    # Lost again later: a new spell, the old one kept.
    call(roster, "report_lost_contact", member["id"], report(today()), scope=branch)
    assert [s["restored_on"] is None for s in call(roster, "list_lost_contacts", member["id"])["items"]] == [False, True]


def test_removal_two_years_after_a_suspension_is_final(roster, world, database_url):
    member = member_of(roster, world["village"])
    lost_since = add_months(today(), -31)
    call(roster, "report_lost_contact", member["id"], report(lost_since))
    suspended_on = add_months(lost_since, 6)
    call(roster, "decide_membership", member["id"], {"kind": "suspension", "decided_on": suspended_on.isoformat()})
    removal = call(roster, "decide_membership", member["id"], {"kind": "removal"})
    assert removal["proposed_from"] == add_months(suspended_on, 24).isoformat()
    assert refused(roster, "restore_contact", member["id"], {}).code == "member_removed"
    assert [kind for kind, _ in outbox_events(database_url)] == [
        "member_lost_contact", "member_status_changed", "member_suspended", "member_status_changed",
        "member_removed", "member_status_changed"]
    assert call(roster, "get_member", member["id"])["status"] == "removed"
    assert call(roster, "list_members", {"status": "removed"})["total"] == 1


def test_refusals_name_the_problem_and_write_nothing(roster, world, database_url):
    member = member_of(roster, world["village"])
    other = member_of(roster, world["other_village"])
    call(roster, "report_lost_contact", member["id"], report(add_months(today(), -2)))
    before = (len(rows(database_url, select(outbox))), len(rows(database_url, select(lost_contacts))),
              len(rows(database_url, select(membership_decisions))))

    assert refused(roster, "report_lost_contact", member["id"], report(today())).code == "already_lost_contact"
    early = refused(roster, "decide_membership", member["id"], {"kind": "suspension"})
    assert early.code == "no_proposal" and "kind" in early.details
    assert refused(roster, "decide_membership", member["id"], {"kind": "removal"}).code == "no_proposal"
    assert refused(roster, "decide_membership", other["id"], {"kind": "suspension"}).code == "no_proposal"
    assert refused(roster, "restore_contact", other["id"], {}).code == "not_lost_contact"
    bad = refused(roster, "report_lost_contact", other["id"], {**report(today()), "search_efforts": []})
    assert bad.code == "validation_failed" and "search_efforts" in bad.details
    future = refused(roster, "report_lost_contact", other["id"], report(today() + timedelta(days=1)))
    assert future.code == "validation_failed" and "lost_since" in future.details
    assert refused(roster, "restore_contact", member["id"], {"restored_on": "2000-01-01"}).code == "validation_failed"
    assert refused(roster, "decide_membership", member["id"], {"kind": "pardon"}).code == "validation_failed"
    # Outside the caller's scope: as if it did not exist.
    assert refused(roster, "report_lost_contact", other["id"], report(today()),
                   scope_=scope(world["village"]["id"])).code == "member_not_found"
    assert refused(roster, "report_lost_contact", "00000000-0000-4000-8000-000000000000",
                   report(today())).code == "member_not_found"
    assert refused(roster, "lost_members", {"organisation_id": world["other_village"]["id"]},
                   scope_=scope(world["village"]["id"])).code == "unknown_reference"

    assert (len(rows(database_url, select(outbox))), len(rows(database_url, select(lost_contacts))),
            len(rows(database_url, select(membership_decisions)))) == before


def test_the_database_refuses_a_second_open_spell(roster, world, database_url):
    member = member_of(roster, world["village"])
    call(roster, "report_lost_contact", member["id"], report(today()))
    engine = create_engine(database_url)
    try:
        with pytest.raises(Exception) as error, engine.begin() as connection:
            connection.execute(lost_contacts.insert().values(
                id="00000000-0000-4000-8000-000000000001", member_id=member["id"], open_for_member_id=member["id"],
                organisation_id=world["village"]["id"], lost_since=date(2026, 1, 1), reported_on=date(2026, 1, 1),
                search_efforts=[], reported_at=Clock.from_config({}).now()))
        assert "uq_lost_contacts_open_for_member_id" in str(error.value)
    finally:
        engine.dispose()
