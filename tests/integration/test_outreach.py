"""Outreach on the real broker and PostgreSQL: roster's and scoring's events (made up,
tests.integration.roster_feed) set off a homecoming visit, a reserve review and a
commendation visit once each however often they come; a contact is logged once
however often it is sent; campaigns list from the projection; the four ones read the
contact log; every effect leaves on outreach.events."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, func, select

from contracts.errors import ServiceError
from services.common.clock import Clock
from services.outreach.models import contacts, reserve_reviews, visits
from tests.integration.roster_feed import (
    departed,
    envelope,
    feed,
    new_id,
    registered,
    returned,
    status_changed,
    tree,
)
from tests.integration.rpc import ADMIN, call
from tests.support import EventTap

# The county's day (Asia/Shanghai), which the service dates its records by: ahead of UTC's in the evening.
TODAY = Clock.from_config({}).today()


@pytest.fixture
def outreach_events(rabbit_config):
    tap = EventTap(rabbit_config["AMQP_URI"], exchange="outreach.events")
    yield tap
    tap.close()


def count(database_url, table, *where):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(table).where(*where)).scalar()
    finally:
        engine.dispose()


def graded(member, organisation, grade, run_id=None):
    return envelope("member_graded", {
        "run_id": run_id or new_id(), "member_id": member, "organisation_id": organisation,
        "year": TODAY.year - 1, "score": "92.5" if grade == "excellent" else "75.0", "grade": grade},
        source="scoring")


def test_a_return_opens_one_visit_and_one_reserve_review_however_often_it_arrives(
        outreach, dispatch, outreach_database_url, outreach_events):
    ids = tree(outreach, dispatch)
    member, departure = new_id(), new_id()
    home = returned(member, ids["village"], departure, returned_on=TODAY, departed_on=TODAY - timedelta(days=300))
    # The return arrives before the registration, and twice.
    feed(outreach, dispatch, home, registered(member, ids["village"]), home)

    scheduled = outreach_events.wait_for("visit_scheduled")
    opened = outreach_events.wait_for("reserve_review_opened")
    assert [event["data"]["cause_event_id"] for event in scheduled + opened] == [home["event_id"]] * 2
    assert scheduled[0]["data"]["cause"] == "homecoming"
    assert scheduled[0]["data"]["due_on"] == (TODAY + timedelta(days=30)).isoformat()
    assert count(outreach_database_url, visits, visits.c.member_id == member) == 1
    assert count(outreach_database_url, reserve_reviews, reserve_reviews.c.member_id == member) == 1

    (review,) = call(outreach, "list_reserve_reviews", {"member_id": member})["items"]
    assert (review["state"], review["months_away"], review["cause"]) == ("open", 9, "member_returned")

    # The next winter's return finds the review still open: the committee considers the member once.
    feed(outreach, dispatch, returned(member, ids["village"], new_id(), returned_on=TODAY))
    assert count(outreach_database_url, reserve_reviews, reserve_reviews.c.member_id == member) == 1
    assert count(outreach_database_url, visits, visits.c.member_id == member) == 2

    decided = call(outreach, "decide_reserve_review", review["id"],
                   {"decision": "reserve_cadre", "decided_on": TODAY.isoformat(), "note": "能力强, 群众认可"})
    assert (decided["state"], decided["decision"]) == ("nominated", "reserve_cadre")
    (nominated,) = outreach_events.wait_for("reserve_cadre_nominated")
    assert nominated["data"]["role"] == "reserve_cadre"
    with pytest.raises(ServiceError) as twice:
        call(outreach, "decide_reserve_review", review["id"],
             {"decision": "village_cadre", "decided_on": TODAY.isoformat(), "note": "again"})
    assert twice.value.code == "not_pending"


def test_an_excellent_grade_schedules_one_commendation_visit_and_other_grades_none(
        outreach, dispatch, outreach_database_url, outreach_events):
    ids = tree(outreach, dispatch)
    excellent, qualified, run = new_id(), new_id(), new_id()
    grade = graded(excellent, ids["village"], "excellent", run)
    feed(outreach, dispatch, grade, grade, graded(qualified, ids["village"], "qualified", run))

    (scheduled,) = outreach_events.wait_for("visit_scheduled")
    assert (scheduled["data"]["member_id"], scheduled["data"]["cause"]) == (excellent, "commendation")
    assert count(outreach_database_url, visits) == 1


def test_a_contact_sent_twice_is_logged_once_and_keeps_the_four_ones(outreach, dispatch, outreach_database_url,
                                                                      outreach_events):
    ids = tree(outreach, dispatch)
    cadre, member, other = new_id(), new_id(), new_id()
    feed(outreach, dispatch, *(registered(each, ids["village"]) for each in (cadre, member, other)))
    start = TODAY.replace(day=1)
    pairing = call(outreach, "form_pairing", {
        "organisation_id": ids["village"], "cadre_member_id": cadre, "member_ids": [member, other],
        "period": "month", "starts_on": start.isoformat()})
    assert pairing["kind"] == "one_to_many"
    when = datetime.now(UTC).replace(second=17)
    contact = {"member_id": member, "channel": "phone", "occurred_at": when.isoformat(), "contacted_by": "支委李明",
               "summary": "问了工地上的情况, 提醒按时交党费", "pairing_id": pairing["id"]}

    first = call(outreach, "log_contact", contact)
    # An offline device syncing again: the same minute, other seconds.
    again = call(outreach, "log_contact", {**contact, "occurred_at": when.replace(second=45).isoformat()})

    assert (first["duplicate"], again["duplicate"], again["id"]) == (False, True, first["id"])
    assert count(outreach_database_url, contacts) == 1
    (logged,) = outreach_events.wait_for("contact_logged")
    assert (logged["data"]["four_one"], logged["data"]["pairing_id"]) == ("phone_call", pairing["id"])

    owed = call(outreach, "four_ones", {"pairing_id": pairing["id"]})
    states = {(item["member_id"], item["item"]): item["state"] for item in owed["items"]
              if item["period_start"] == start.isoformat()}
    assert states[(member, "phone_call")] == "done"
    assert states[(other, "phone_call")] == "due"
    assert owed["by_organisation"] == [{"organisation_id": ids["village"], "done": 1, "due": 7,
                                        "overdue": len(owed["items"]) - 8}]
    one = call(outreach, "four_ones", {"member_id": member})["items"]
    assert {item["member_id"] for item in one} == {member} and len(one) == len(owed["items"]) / 2
    log = call(outreach, "list_contacts", {"member_id": member})
    assert [item["summary"] for item in log["items"]] == [contact["summary"]]

    with pytest.raises(ServiceError) as stranger:
        call(outreach, "log_contact", {**contact, "pairing_id": new_id()})
    assert stranger.value.code == "unknown_reference"


def test_a_campaign_lists_from_the_projection_and_a_visit_made_is_on_the_members_record(
        outreach, dispatch, outreach_events):
    ids = tree(outreach, dispatch)
    away, home, hardship, neither, elsewhere = (new_id() for _ in range(5))
    departure = new_id()
    feed(outreach, dispatch,
         *(registered(each, ids["village"]) for each in (away, home, hardship, neither)),
         registered(elsewhere, ids["other_village"]),
         departed(away, ids["village"]), status_changed(away, ids["village"], "away"),
         returned(home, ids["village"], departure, returned_on=TODAY - timedelta(days=40)))
    call(outreach, "open_help_case", {
        "member_id": hardship, "kind": "health", "care_service": "health_and_medical_aid",
        "summary": "母亲住院, 需要医疗救助", "owner": "镇民政办", "opened_on": TODAY.isoformat(),
        "due_on": (TODAY + timedelta(days=30)).isoformat()})

    # The list is made when the campaign's own launch event comes back to outreach.
    with entrypoint_waiter(outreach, "list_campaign_visits"):
        launched = call(outreach, "launch_campaign", {
            "name": "春节慰问", "occasion": "spring_festival", "organisation_id": ids["town"],
            "starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=20)).isoformat(),
            "groups": ["away_families", "returned_members", "hardship"]})
    assert (launched["state"], launched["visits_scheduled"]) == ("listing", 0)
    campaign = call(outreach, "get_campaign", launched["id"])

    assert (campaign["state"], campaign["visits_scheduled"], campaign["visits_completed"]) == ("listed", 3, 0)
    (listed_event,) = outreach_events.wait_for("campaign_listed")
    assert listed_event["data"]["visits"] == 3
    # The returned member's homecoming visit, and the campaign's three.
    assert sorted(event["data"]["cause"] for event in outreach_events.wait_for("visit_scheduled", count=4)) == [
        "campaign", "campaign", "campaign", "homecoming"]
    listed = call(outreach, "list_visits", {"campaign_id": campaign["id"]})["items"]
    assert {(visit["member_id"], visit["group"]) for visit in listed} == {
        (away, "away_families"), (home, "returned_members"), (hardship, "hardship")}

    visit = next(each for each in listed if each["member_id"] == away)
    done = call(outreach, "complete_visit", visit["id"], {
        "visited_on": TODAY.isoformat(), "visited_by": "村支书王强", "summary": "送去米面油, 老人身体好"})
    assert (done["state"], done["overdue"]) == ("completed", False)
    (record,) = call(outreach, "list_contacts", {"member_id": away})["items"]
    assert (record["channel"], record["source"], record["source_id"]) == ("visit", "visit", visit["id"])
    assert call(outreach, "get_campaign", campaign["id"])["visits_completed"] == 1
    outreach_events.wait_for("visit_completed")
    outreach_events.wait_for("contact_logged")
    with pytest.raises(ServiceError) as twice:
        call(outreach, "complete_visit", visit["id"], {
            "visited_on": TODAY.isoformat(), "visited_by": "村支书王强", "summary": "again"})
    assert twice.value.code == "already_recorded"


def test_a_help_case_keeps_its_timeline_and_counts_in_the_figures(outreach, dispatch, outreach_events):
    ids = tree(outreach, dispatch)
    member = new_id()
    feed(outreach, dispatch, registered(member, ids["village"]))
    opened_on = TODAY - timedelta(days=20)
    case = call(outreach, "open_help_case", {
        "member_id": member, "kind": "unpaid_wages", "care_service": "wages_and_rights",
        "summary": "工地拖欠工资三个月", "owner": "瓜州工人之家", "opened_on": opened_on.isoformat(),
        "due_on": (opened_on + timedelta(days=10)).isoformat()})
    call(outreach, "note_help_case", case["id"], {
        "noted_on": (opened_on + timedelta(days=5)).isoformat(), "note": "联系劳动监察大队",
        "due_on": (opened_on + timedelta(days=30)).isoformat()})
    closed = call(outreach, "close_help_case", case["id"], {
        "closed_on": TODAY.isoformat(), "outcome": "solved", "note": "追回工资", "money_recovered": "38000.50",
        "disputes_settled": 1})

    assert [(entry["kind"], entry["on"]) for entry in closed["timeline"]] == [
        ("opened", opened_on.isoformat()), ("due_moved", (opened_on + timedelta(days=5)).isoformat()),
        ("closed", TODAY.isoformat())]
    assert (closed["state"], closed["overdue"], closed["due_on"]) == (
        "closed", False, (opened_on + timedelta(days=30)).isoformat())
    (event,) = outreach_events.wait_for("help_case_closed")
    assert (event["data"]["money_recovered"], event["data"]["outcome"]) == ("38000.50", "solved")
    with pytest.raises(ServiceError) as reopened:
        call(outreach, "note_help_case", case["id"], {"noted_on": TODAY.isoformat(), "note": "more"})
    assert reopened.value.code == "help_case_closed"

    figures = call(outreach, "outreach_figures", {"organisation_id": ids["town"], "from": opened_on.isoformat()})
    assert (figures["problems_solved"], figures["disputes_settled"], Decimal(str(figures["wages_recovered"]))) == (
        1, 1, Decimal("38000.50"))
    elsewhere = call(outreach, "outreach_figures", {"organisation_id": ids["other_town"]})
    assert elsewhere["problems_solved"] == 0


def test_a_caller_sees_only_their_organisations(outreach, dispatch):
    ids = tree(outreach, dispatch)
    member = new_id()
    feed(outreach, dispatch, registered(member, ids["village"]))
    case = call(outreach, "open_help_case", {
        "member_id": member, "kind": "jobs", "summary": "想在县城找工作", "owner": "镇人社所",
        "opened_on": TODAY.isoformat(), "due_on": TODAY.isoformat()})
    other_town = {"organisation_ids": [ids["other_town"]], "member_id": None, "reveal": [], "principal": "user:other"}

    with pytest.raises(ServiceError) as unseen:
        call(outreach, "get_help_case", case["id"], scope=other_town)
    with pytest.raises(ServiceError) as unknown:
        call(outreach, "log_contact", {"member_id": member, "channel": "text", "occurred_at": datetime.now(UTC)
                                       .isoformat(), "contacted_by": "x", "summary": "y"}, scope=other_town)

    assert (unseen.value.code, unknown.value.code) == ("help_case_not_found", "unknown_reference")
    assert call(outreach, "list_help_cases", {}, scope=other_town)["total"] == 0


def test_a_device_syncing_its_log_twice_keeps_one_of_each_contact(outreach, dispatch, outreach_database_url):
    ids = tree(outreach, dispatch)
    member = new_id()
    feed(outreach, dispatch, registered(member, ids["village"]))
    moments = [datetime.now(UTC) - timedelta(days=days) for days in (1, 2)]
    log = [{"member_id": member, "channel": channel, "occurred_at": moment.isoformat(), "contacted_by": "联络员",
            "summary": "寄去学习资料"} for channel, moment in zip(("mail", "text"), moments)]

    first = call(outreach, "log_contacts", {"items": log})
    again = call(outreach, "log_contacts", {"items": [*log, {**log[0], "channel": "fax"}]})

    assert [item["status"] for item in first["items"]] == [201, 201]
    assert [item["status"] for item in again["items"]] == [200, 200, 422]
    assert (again["succeeded"], again["refused"]) == (2, 1)
    assert list(again["items"][2]["error"]["details"]) == ["channel"]
    assert count(outreach_database_url, contacts, contacts.c.member_id == member) == 2


def test_volunteering_retried_with_one_key_answers_the_same_and_serves_once(outreach, dispatch, outreach_events):
    ids = tree(outreach, dispatch)
    member = new_id()
    feed(outreach, dispatch, registered(member, ids["village"]))
    keyed = {**ADMIN, "idempotency_key": "volunteer-1"}
    activity_body = {"organisation_id": ids["village"], "title": "关爱留守儿童", "held_on": TODAY.isoformat()}

    activity = call(outreach, "hold_volunteer_activity", activity_body, scope=keyed)
    assert call(outreach, "hold_volunteer_activity", activity_body, scope=keyed) == activity
    service = {"member_id": member, "hours": "3.5", "national_record_ref": "ZYFW-6207-0001"}
    served = call(outreach, "log_volunteer_service", activity["id"], service,
                  scope={**ADMIN, "idempotency_key": "volunteer-2"})

    assert (served["hours"], served["served_on"]) == (3.5, TODAY.isoformat())
    assert call(outreach, "get_volunteer_activity", activity["id"])["hours"] == 3.5
    with pytest.raises(ServiceError) as twice:
        call(outreach, "log_volunteer_service", activity["id"], service)
    assert twice.value.code == "already_recorded"
    (logged,) = outreach_events.wait_for("volunteer_service_logged")
    assert (logged["data"]["hours"], logged["data"]["national_record_ref"]) == ("3.5", "ZYFW-6207-0001")
    assert len(outreach_events.wait_for("volunteer_activity_held")) == 1
