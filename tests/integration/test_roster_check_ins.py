"""双报到 on the real roster service (nameko container, PostgreSQL, the test
vhost): check-ins and confirmations committed with their events in the outbox,
the member's own scope and the host's, refusals that write nothing, and the
待报到 / 应转接 lists as the SQL computes them."""
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select

from contracts.errors import ServiceError
from services.common.clock import Clock
from services.roster.domain import check_in as rules
from services.roster.models import check_ins, outbox
from services.roster.service import RosterService
from tests.integration.rpc import call
from tests.support import id_number

DUE_DAYS = 10  # not the default 15: proves CHECK_IN_DUE_DAYS is read
_serial = iter(range(100, 999))


def scope(*organisation_ids, member_id=None, principal="user:someone"):
    return {"organisation_ids": [str(i) for i in organisation_ids], "member_id": member_id, "reveal": [],
            "principal": principal}


@pytest.fixture
def roster(container_factory, service_config):
    container = container_factory(RosterService,
                                  {**service_config, "CHECK_IN_DUE_DAYS": DUE_DAYS})
    container.start()
    return container


@pytest.fixture
def world(roster):
    def org(name, kind, parent=None, location=None):
        return call(roster, "create_organisation", {"name": name, "kind": kind, "location": location,
                                                    "parent_id": parent["id"] if parent else None})

    county = org("高台县委", "party_committee")
    town = org("巷道镇党委", "party_committee", county)
    other_town = org("南华镇党委", "party_committee", county)
    return {
        "county": county, "town": town, "other_town": other_town,
        "village": org("东联村党支部", "branch", town),
        "other_village": org("南华村党支部", "branch", other_town),
        "guazhou": org("瓜州县流动党员党支部", "destination_mobile_branch", county, "酒泉市瓜州县"),
    }


def today():
    return Clock.from_config({}).today()


def away(roster, branch, departed_on):
    n = next(_serial)
    member = call(roster, "register_member", {
        "name": f"成员{n}", "gender": "male", "birth_date": "1980-01-01", "id_number": id_number("1980-01-01", n),
        "phone": f"13900{n:06d}", "joined_on": "2005-07-01", "organisation_id": branch["id"]})
    call(roster, "report_departure", member["id"], {
        "departed_on": departed_on.isoformat(), "destination_province": "甘肃省", "destination_city": "酒泉市瓜州县",
        "work": "枸杞采摘", "contact": "13900001234"})
    return member


def rows(database_url, query):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).all()
    finally:
        engine.dispose()


def outbox_events(database_url):
    return [(r.event_type, r.envelope["data"]) for r in rows(database_url, select(outbox).order_by(outbox.c.id))]


def test_a_member_checks_in_and_host_and_home_confirm_with_events(roster, world, database_url):
    member = away(roster, world["village"], today() - timedelta(days=3))
    member_scope = scope(member_id=member["id"], principal="user:member")

    record = call(roster, "report_check_in", member["id"], {"host_organisation_id": world["guazhou"]["id"]},
                  scope=member_scope)
    assert record["host_name"] == "瓜州县流动党员党支部" and record["host_place"] == "酒泉市瓜州县"
    assert record["reported_by"] == "user:member" and record["checked_in_on"] == today().isoformat()

    # The host's secretary sees the member only through the check-in, and confirms the host side.
    host = scope(world["guazhou"]["id"], principal="user:guazhou")
    confirmed = call(roster, "confirm_check_in", member["id"], record["id"], {"side": "host"}, scope=host)
    assert confirmed["host_confirmed_by"] == "user:guazhou" and not confirmed["confirmed"]
    with pytest.raises(ServiceError) as refused:
        call(roster, "get_member", member["id"], scope=host)
    assert refused.value.code == "member_not_found"

    home = scope(world["town"]["id"], principal="user:town")
    confirmed = call(roster, "confirm_check_in", member["id"], record["id"], {"side": "home"}, scope=home)
    assert confirmed["confirmed"] and confirmed["home_confirmed_by"] == "user:town"
    assert call(roster, "list_check_ins", member["id"], scope=member_scope)["items"] == [confirmed]

    events = [(kind, data) for kind, data in outbox_events(database_url) if kind.startswith("member_check")]
    assert [kind for kind, _ in events] == ["member_checked_in", "member_check_in_confirmed", "member_check_in_confirmed"]
    assert events[0][1]["host_organisation_id"] == world["guazhou"]["id"]
    assert events[0][1]["organisation_id"] == world["village"]["id"]
    assert [data["side"] for _, data in events[1:]] == ["host", "home"] and events[2][1]["both_confirmed"] is True


def test_refusals_write_nothing(roster, world, database_url):
    member = away(roster, world["village"], today() - timedelta(days=3))
    at_home = away(roster, world["village"], today() - timedelta(days=3))
    call(roster, "report_return", at_home["id"], {})
    record = call(roster, "report_check_in", member["id"], {"host_name": "昌吉市某社区党委", "host_place": "新疆昌吉州"})
    before = (len(outbox_events(database_url)), len(rows(database_url, select(check_ins))))

    def refused(method, *args, scope_=None):
        with pytest.raises(ServiceError) as error:
            call(roster, method, *args, **({"scope": scope_} if scope_ else {}))
        return error.value

    assert refused("report_check_in", at_home["id"], {"host_name": "a", "host_place": "b"}).code == "member_not_away"
    second = refused("report_check_in", member["id"], {"host_organisation_id": world["guazhou"]["id"]})
    assert second.code == "already_checked_in" and second.details == {"check_in_id": record["id"]}
    unknown = refused("report_check_in", member["id"], {"host_organisation_id": world["county"]["id"][:-4] + "0000"})
    assert unknown.code == "unknown_reference" and "host_organisation_id" in unknown.details
    assert refused("report_check_in", "00000000-0000-4000-8000-000000000000",
                   {"host_name": "a", "host_place": "b"}).code == "member_not_found"
    assert refused("report_check_in", member["id"], {"host_name": "a"}).code == "validation_failed"
    # someone else's member, by a member's own scope
    assert refused("report_check_in", at_home["id"], {"host_name": "a", "host_place": "b"},
                   scope_=scope(member_id=member["id"])).code == "member_not_found"
    # wrong sides: another town sees nothing; the member confirms nothing
    assert refused("confirm_check_in", member["id"], record["id"], {"side": "home"},
                   scope_=scope(world["other_town"]["id"])).code == "check_in_not_found"
    assert refused("confirm_check_in", member["id"], record["id"], {"side": "home"},
                   scope_=scope(member_id=member["id"])).code == "not_the_confirming_side"
    assert refused("confirm_check_in", member["id"], "00000000-0000-4000-8000-000000000000", {"side": "home"}
                   ).code == "check_in_not_found"
    call(roster, "confirm_check_in", member["id"], record["id"], {"side": "home"})
    before = (before[0] + 1, before[1])
    assert refused("confirm_check_in", member["id"], record["id"], {"side": "home"}).code == "already_confirmed"

    assert (len(outbox_events(database_url)), len(rows(database_url, select(check_ins)))) == before
    [stored] = rows(database_url, select(check_ins))
    assert stored.host_confirmed_at is None and stored.home_confirmed_by == "user:admin"


def test_awaiting_check_in_and_should_transfer_lists(roster, world):
    day = today()
    not_yet = away(roster, world["village"], day - timedelta(days=DUE_DAYS - 1))
    due = away(roster, world["village"], day - timedelta(days=DUE_DAYS))
    checked = away(roster, world["village"], day - timedelta(days=DUE_DAYS + 5))
    call(roster, "report_check_in", checked["id"], {"host_organisation_id": world["guazhou"]["id"]})
    elsewhere = away(roster, world["other_village"], day - timedelta(days=40))
    six_months = away(roster, world["village"], rules.latest_departure_to_transfer(day))
    not_six = away(roster, world["village"], rules.latest_departure_to_transfer(day) + timedelta(days=1))

    town = scope(world["town"]["id"])
    awaiting = call(roster, "members_awaiting_check_in", {"organisation_id": world["village"]["id"]}, scope=town)
    ids = [item["member_id"] for item in awaiting["items"]]
    assert set(ids) == {due["id"], six_months["id"], not_six["id"]} and awaiting["total"] == 3
    assert ids[0] == six_months["id"]  # longest away first
    assert not_yet["id"] not in ids and checked["id"] not in ids and elsewhere["id"] not in ids
    item = next(i for i in awaiting["items"] if i["member_id"] == due["id"])
    assert item["days_away"] == DUE_DAYS and item["check_in_due_on"] == day.isoformat()
    assert awaiting["as_of"] == day.isoformat()

    transfer = call(roster, "members_to_transfer", {}, scope=town)
    assert [i["member_id"] for i in transfer["items"]] == [six_months["id"]]
    assert transfer["items"][0]["should_transfer_from"] == day.isoformat()

    # The county sees both towns; a town naming the other town's subtree is told it names nothing.
    county_wide = call(roster, "members_awaiting_check_in", {"organisation_id": world["county"]["id"], "per_page": 100})
    assert elsewhere["id"] in [i["member_id"] for i in county_wide["items"]]
    with pytest.raises(ServiceError) as refused:
        call(roster, "members_to_transfer", {"organisation_id": world["other_town"]["id"]}, scope=town)
    assert refused.value.code == "unknown_reference" and "organisation_id" in refused.value.details
    # A return takes the member off both lists.
    call(roster, "report_return", six_months["id"], {})
    assert call(roster, "members_to_transfer", {}, scope=town)["total"] == 0


def test_a_mobile_member_card_is_issued_once_per_short_absence(roster, world, database_url):
    member = away(roster, world["village"], today())
    member_scope = scope(member_id=member["id"], principal="user:member")
    with pytest.raises(ServiceError) as refused:
        call(roster, "issue_mobile_member_card", member["id"], {"branch_id": world["guazhou"]["id"]})
    assert refused.value.code == "absence_too_long"  # the departure names no expected return

    call(roster, "report_return", member["id"], {})
    call(roster, "report_departure", member["id"], {
        "destination_province": "甘肃省", "destination_city": "酒泉市瓜州县", "work": "枸杞采摘", "contact": "13900001234",
        "expected_return_on": (today() + timedelta(days=90)).isoformat()})
    issued = call(roster, "issue_mobile_member_card", member["id"], {"branch_id": world["guazhou"]["id"]},
                  scope=member_scope)
    assert issued["valid_until"] == (today() + timedelta(days=90)).isoformat()
    assert issued["votes_at_destination"] is False and issued["issued_by"] == "user:member"
    with pytest.raises(ServiceError) as refused:
        call(roster, "issue_mobile_member_card", member["id"], {"branch_id": world["guazhou"]["id"]})
    assert refused.value.code == "card_already_issued"
    with pytest.raises(ServiceError) as refused:
        call(roster, "issue_mobile_member_card", member["id"], {"branch_id": "00000000-0000-4000-8000-000000000000"})
    assert refused.value.code == "unknown_reference"
    assert call(roster, "list_mobile_member_cards", member["id"])["items"] == [issued]
    # The issue is an event like every effect; the refusals published nothing.
    cards = [data for kind, data in outbox_events(database_url) if kind == "mobile_member_card_issued"]
    assert cards == [{
        "member_id": member["id"], "card_id": issued["id"], "departure_id": issued["departure_id"],
        "organisation_id": world["village"]["id"], "branch_id": world["guazhou"]["id"], "number": issued["number"],
        "issued_on": issued["issued_on"], "valid_until": issued["valid_until"],
    }]
