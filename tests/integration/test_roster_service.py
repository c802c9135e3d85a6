"""The roster service in a real nameko container on PostgreSQL: RPC in,
committed state and outbox events out."""
import pytest
from sqlalchemy import create_engine, func, select

from contracts.errors import ServiceError
from services.roster.models import members, outbox
from tests.integration.rpc import call
from tests.support import id_number

MEMBER = {
    "name": "李四", "gender": "female", "birth_date": "1990-05-01", "id_number": id_number("1990-05-01", 124),
    "phone": "13800000002", "joined_on": "2015-07-01", "organisation_id": None,
}
DEPARTURE = {"destination_province": "甘肃省", "destination_city": "嘉峪关市", "work": "钢铁厂", "contact": "13800000002"}




@pytest.fixture
def branch(roster):
    county = call(roster, "create_organisation", {"name": "高台县委", "kind": "party_committee"})
    town = call(roster, "create_organisation", {"name": "巷道镇党委", "kind": "party_committee", "parent_id": county["id"]})
    return call(roster, "create_organisation", {"name": "东联村党支部", "kind": "branch", "parent_id": town["id"]})


def count(database_url, table):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(table))
    finally:
        engine.dispose()


def test_a_members_journey_is_stored_and_published_in_order(roster, branch, event_tap, database_url):
    member = call(roster, "register_member", {**MEMBER, "organisation_id": branch["id"]})
    departure = call(roster, "report_departure", member["id"], DEPARTURE)
    assert call(roster, "get_member", member["id"])["status"] == "away"
    returned = call(roster, "report_return", member["id"], {})
    assert returned["id"] == departure["id"] and returned["returned_on"] == departure["departed_on"]

    event_tap.wait_for("member_returned")
    # The tap may also catch the fixture's organisation_created events.
    about_member = [e for e in event_tap.envelopes() if e["event_type"].startswith("member_")]
    assert [e["event_type"] for e in about_member] == [
        "member_registered", "member_departed", "member_status_changed", "member_returned", "member_status_changed"]
    assert [(e["data"]["previous_status"], e["data"]["status"]) for e in about_member[2::2]] == [
        ("normal", "away"), ("away", "normal")]
    assert all(e["data"]["member_id"] == member["id"] for e in about_member)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))) == 0
    engine.dispose()


def test_subtree_and_filtered_lists(roster, branch):
    county_id = call(roster, "list_organisations", {"kind": "party_committee", "per_page": 1})["items"][0]["id"]
    tree = call(roster, "get_organisation_subtree", county_id)
    assert tree["children"][0]["children"][0]["id"] == branch["id"]
    call(roster, "register_member", {**MEMBER, "organisation_id": branch["id"]})
    page = call(roster, "list_members", {"organisation_id": county_id, "status": "normal"})
    assert page["total"] == 1 and page["items"][0]["name"] == "李四"
    assert call(roster, "list_members", {"organisation_id": county_id, "status": "away"})["total"] == 0


def test_a_refused_request_writes_nothing(roster, branch, database_url):
    member = call(roster, "register_member", {**MEMBER, "organisation_id": branch["id"]})
    call(roster, "report_departure", member["id"], DEPARTURE)
    before = count(database_url, outbox)
    with pytest.raises(ServiceError) as refused:
        call(roster, "report_departure", member["id"], DEPARTURE)
    assert refused.value.code == "member_already_away"
    with pytest.raises(ServiceError) as refused:
        call(roster, "register_member", {**MEMBER, "organisation_id": branch["id"], "phone": "12"})
    assert refused.value.code == "validation_failed" and "phone" in refused.value.details
    with pytest.raises(ServiceError) as refused:
        call(roster, "register_member", {**MEMBER, "organisation_id": branch["id"]})
    assert refused.value.code == "duplicate_id_number"
    assert count(database_url, outbox) == before
    assert count(database_url, members) == 1


def test_a_return_without_a_reported_departure_is_kept_as_unreported(roster, branch, event_tap):
    member = call(roster, "register_member", {**MEMBER, "organisation_id": branch["id"]})
    departure = call(roster, "report_return", member["id"], {})
    assert departure["reported"] is False and departure["departed_on"] is None
    [event] = event_tap.wait_for("member_returned")
    assert event["data"]["departure_reported"] is False


def test_an_idempotency_key_answers_a_retry_with_the_first_answer(roster, branch, database_url):
    """The gateway timed out after roster committed; the client retries with the
    same key: the same answer, no second departure. Two at once: one effect."""
    import eventlet

    from contracts.access import unrestricted

    scope = {**unrestricted("key:town-system"), "idempotency_key": "departure-2026-001"}
    member = call(roster, "register_member", {**MEMBER, "organisation_id": branch["id"]})
    first = call(roster, "report_departure", member["id"], DEPARTURE, scope=scope)
    assert call(roster, "report_departure", member["id"], DEPARTURE, scope=scope) == first
    with pytest.raises(ServiceError) as reused:
        call(roster, "report_departure", member["id"], {**DEPARTURE, "work": "建筑"}, scope=scope)
    assert reused.value.code == "idempotency_key_reused"

    body = {**MEMBER, "id_number": id_number("1990-05-01", 126), "organisation_id": branch["id"]}
    scope = {**scope, "idempotency_key": "register-2026-002"}
    together = [eventlet.spawn(call, roster, "register_member", body, scope=scope) for _ in range(3)]
    answers = [thread.wait() for thread in together]
    assert answers[0] == answers[1] == answers[2]
    assert count(database_url, members) == 2


def test_movements_never_overlap_and_a_refusal_writes_nothing(roster, branch, database_url):
    member = call(roster, "register_member", {**MEMBER, "organisation_id": branch["id"], "id_number": id_number("1990-05-01", 77)})
    call(roster, "report_departure", member["id"], {**DEPARTURE, "departed_on": "2026-03-01"})
    call(roster, "report_return", member["id"], {"returned_on": "2026-06-10"})
    before = count(database_url, outbox)

    with pytest.raises(ServiceError) as refused:
        call(roster, "report_departure", member["id"], {**DEPARTURE, "departed_on": "2026-06-09"})
    assert refused.value.code == "overlapping_movement" and "departed_on" in refused.value.details
    with pytest.raises(ServiceError) as refused:
        call(roster, "report_return", member["id"], {"returned_on": "2026-05-01"})
    assert refused.value.code == "overlapping_movement" and "returned_on" in refused.value.details
    with pytest.raises(ServiceError) as refused:
        call(roster, "report_return", member["id"], {"returned_on": "2999-01-01"})
    assert refused.value.code == "validation_failed" and "returned_on" in refused.value.details
    assert count(database_url, outbox) == before
    assert call(roster, "get_member", member["id"])["status"] != "away"


def test_members_are_filtered_by_where_and_since_when_they_are_away(roster, branch):
    far = call(roster, "register_member", {**MEMBER, "organisation_id": branch["id"], "id_number": id_number("1990-05-01", 78)})
    near = call(roster, "register_member", {**MEMBER, "organisation_id": branch["id"], "id_number": id_number("1990-05-01", 79)})
    call(roster, "register_member", {**MEMBER, "organisation_id": branch["id"], "id_number": id_number("1990-05-01", 80)})
    call(roster, "report_departure", far["id"], {**DEPARTURE, "destination_province": "新疆维吾尔自治区",
                                                 "destination_city": "昌吉回族自治州", "departed_on": "2026-02-01"})
    call(roster, "report_departure", near["id"], {**DEPARTURE, "departed_on": "2026-04-01"})

    def ids(**query):
        return {m["id"] for m in call(roster, "list_members", query)["items"]}

    assert ids(destination_province="新疆维吾尔自治区") == {far["id"]}
    assert ids(destination_reach="in_province") == {near["id"]}
    assert ids(departed_from="2026-03-01") == {near["id"]}
    assert ids(departed_from="2026-01-01", departed_to="2026-03-31") == {far["id"]}
    assert call(roster, "export_members", {"destination_reach": "out_of_province"})["total"] == 1
    with pytest.raises(ServiceError) as refused:
        call(roster, "list_members", {"departed_from": "2026-05-01", "departed_to": "2026-04-01"})
    assert refused.value.code == "validation_failed" and "departed_to" in refused.value.details
