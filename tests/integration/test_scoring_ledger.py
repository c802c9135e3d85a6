"""Scoring on the real broker and PostgreSQL: roster's and education's events (made up,
tests.integration.roster_feed) credit the ledger once each, whatever the redeliveries and
the order; manual entries need a second person; a grading run grades the year from the
ledger alone and opens the follow-ups; every effect leaves on scoring.events."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, select

from contracts.access import unrestricted
from contracts.errors import ServiceError
from services.scoring.domain.defaults import DEFAULT_DOCUMENT
from services.scoring.models import grades, ledger_lines
from tests.integration.roster_feed import (
    checked_in,
    departed,
    envelope,
    feed,
    new_id,
    registered,
    returned,
    tree,
)
from tests.integration.rpc import call
from tests.support import EventTap

LAST_YEAR = date.today().year - 1
SECRETARY = unrestricted("user:secretary")
TOWN_OFFICER = unrestricted("user:town-officer")


@pytest.fixture
def scoring_events(rabbit_config):
    tap = EventTap(rabbit_config["AMQP_URI"], exchange="scoring.events")
    yield tap
    tap.close()


def rows(database_url, query):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).all()
    finally:
        engine.dispose()


def at(day):
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # noon in the county


def education_event(event_type, data):
    return envelope(event_type, data, source="education")


def attended(member, organisation, held_on, status="present"):
    return education_event("session_attended", {
        "session_id": new_id(), "member_id": member, "organisation_id": organisation,
        "held_on": held_on.isoformat(), "status": status, "mode": "online"})


def test_roster_and_education_events_credit_the_right_points_once_each(scoring, dispatch, scoring_database_url,
                                                                        scoring_events):
    ids = tree(scoring, dispatch)
    member, departure = new_id(), new_id()
    leaving_on = date(LAST_YEAR, 3, 10)
    leaving = departed(member, ids["village"], departure, departed_on=leaving_on, occurred_at=at(date(LAST_YEAR, 3, 1)))
    check_in = checked_in(member, ids["village"], departure, checked_in_on=date(LAST_YEAR, 3, 20))
    talk = education_event("talk_completed", {
        "talk_id": new_id(), "member_id": member, "organisation_id": ids["village"],
        "held_on": date(LAST_YEAR, 3, 5).isoformat(), "held_by": "王书记", "method": "home_visit", "overdue": False})
    home = returned(member, ids["village"], departure, returned_on=date(LAST_YEAR, 11, 1), departed_on=leaving_on)
    # The check-in arrives before its departure; every event comes twice.
    feed(scoring, dispatch, registered(member, ids["village"], joined_on=date(2004, 7, 1)),
         check_in, check_in, leaving, leaving, talk, talk, home, home)

    lines = rows(scoring_database_url, select(ledger_lines).where(ledger_lines.c.member_id == member)
                 .order_by(ledger_lines.c.occurred_on))
    assert [(line.rule, line.points, line.category) for line in lines] == [
        ("departure_reported_in_advance", Decimal("3.0"), "duty"),
        ("talk_held", Decimal("2.0"), "duty"),
        ("checked_in_in_time", Decimal("3.0"), "duty"),
        ("return_reported", Decimal("2.0"), "duty"),
    ]
    credited = scoring_events.wait_for("points_credited", count=4)
    assert sorted(event["data"]["source_event_id"] for event in credited) == sorted(
        [leaving["event_id"], talk["event_id"], check_in["event_id"], home["event_id"]])

    standing = call(scoring, "member_standing", member, {"on": date(LAST_YEAR, 12, 31).isoformat()})
    assert (standing["score"], standing["grade"]) == (70.0, "qualified")
    assert [line["rule"] for line in standing["lines"]] == [line.rule for line in lines]
    assert standing["lines"][0]["explanation"].startswith("外出报备")


def test_caps_hold_a_line_back_and_say_which(scoring, dispatch, scoring_database_url):
    ids = tree(scoring, dispatch)
    member = new_id()
    feed(scoring, dispatch, registered(member, ids["village"]))
    # At most 4 points of sessions a month: the third session of March credits nothing.
    feed(scoring, dispatch, *[attended(member, ids["village"], date(LAST_YEAR, 3, day)) for day in (6, 16, 26)])
    # ...and at most 20 a year of organisational life: months of sessions fill it.
    feed(scoring, dispatch, *[attended(member, ids["village"], date(LAST_YEAR, month, 6 + turn))
                              for month in range(4, 10) for turn in (0, 1)])
    lines = rows(scoring_database_url, select(ledger_lines.c.occurred_on, ledger_lines.c.points,
                                               ledger_lines.c.capped_by)
                 .where(ledger_lines.c.member_id == member).order_by(ledger_lines.c.occurred_on))
    assert lines[2] == (date(LAST_YEAR, 3, 26), Decimal("0.0"), "period")
    assert sum(line.points for line in lines) == Decimal("20.0")
    assert lines[-1].capped_by == "category"


def outreach_event(event_type, data, occurred_at=None):
    return envelope(event_type, data, occurred_at=occurred_at, source="outreach")


def test_outreach_credits_volunteering_and_one_contact_a_month(scoring, dispatch, scoring_database_url):
    ids = tree(scoring, dispatch)
    member = new_id()
    feed(scoring, dispatch, registered(member, ids["village"]))
    served = outreach_event("volunteer_service_logged", {
        "service_id": new_id(), "activity_id": new_id(), "member_id": member, "organisation_id": ids["village"],
        "served_on": date(LAST_YEAR, 5, 4).isoformat(), "hours": "3.5", "national_record_ref": "VOL-62-0001"})

    def contact(day):
        return outreach_event("contact_logged", {
            "contact_id": new_id(), "member_id": member, "organisation_id": ids["village"], "channel": "phone",
            "four_one": "phone_call", "occurred_at": at(day).isoformat(), "pairing_id": None,
            "follow_up_needed": False, "source": "logged"})

    feed(scoring, dispatch, served, served, contact(date(LAST_YEAR, 5, 1)), contact(date(LAST_YEAR, 5, 20)),
         contact(date(LAST_YEAR, 6, 2)))

    lines = rows(scoring_database_url, select(ledger_lines.c.rule, ledger_lines.c.occurred_on, ledger_lines.c.points,
                                               ledger_lines.c.capped_by, ledger_lines.c.source)
                 .where(ledger_lines.c.member_id == member).order_by(ledger_lines.c.occurred_on, ledger_lines.c.rule))
    assert [tuple(line) for line in lines] == [
        ("contact_kept", date(LAST_YEAR, 5, 1), Decimal("1.0"), None, "outreach"),
        ("volunteer_service", date(LAST_YEAR, 5, 4), Decimal("2.0"), None, "outreach"),
        ("contact_kept", date(LAST_YEAR, 5, 20), Decimal("0.0"), "period", "outreach"),
        ("contact_kept", date(LAST_YEAR, 6, 2), Decimal("1.0"), None, "outreach"),
    ]


def test_a_manual_entry_counts_once_someone_else_approves_it(scoring, dispatch, scoring_events):
    ids = tree(scoring, dispatch)
    member = new_id()
    feed(scoring, dispatch, registered(member, ids["village"]))
    entry = call(scoring, "submit_score_entry", {
        "member_id": member, "category": "role", "points": 4, "occurred_on": date.today().isoformat(),
        "reason": "带领群众抗洪抢险"}, scope=SECRETARY)
    assert entry["state"] == "pending"
    with pytest.raises(ServiceError) as own:
        call(scoring, "decide_score_entry", entry["id"], {"decision": "approved"}, scope=SECRETARY)
    assert own.value.code == "separation_of_duties"
    decided = call(scoring, "decide_score_entry", entry["id"], {"decision": "approved", "note": "属实"},
                   scope=TOWN_OFFICER)
    assert decided["state"] == "approved" and decided["line_id"]
    [line] = call(scoring, "list_ledger_lines", {"member_id": member})["items"]
    assert (line["rule"], line["points"], line["reason"], line["source"]) == ("manual", 4.0, "带领群众抗洪抢险", "manual")
    with pytest.raises(ServiceError) as again:
        call(scoring, "decide_score_entry", entry["id"], {"decision": "rejected"}, scope=TOWN_OFFICER)
    assert again.value.code == "not_pending"

    # A correction is a new line naming the one it corrects, never an edit.
    correction = call(scoring, "submit_score_entry", {
        "member_id": member, "category": "role", "points": -4, "occurred_on": date.today().isoformat(),
        "reason": "重复录入, 更正", "corrects_line_id": line["id"]}, scope=TOWN_OFFICER)
    call(scoring, "decide_score_entry", correction["id"], {"decision": "approved"}, scope=SECRETARY)
    assert [item["points"] for item in call(scoring, "list_ledger_lines", {"member_id": member})["items"]] == [4.0, -4.0]


def test_a_grading_run_grades_the_year_from_the_ledger_and_closes_it(scoring, dispatch, scoring_database_url,
                                                                    scoring_events):
    ids = tree(scoring, dispatch)
    keen, idle, gone = new_id(), new_id(), new_id()
    feed(scoring, dispatch, *[registered(member, ids["village"], joined_on=date(2010, 1, 1))
                              for member in (keen, idle, gone)])
    feed(scoring, dispatch, *[attended(keen, ids["village"], date(LAST_YEAR, month, 6)) for month in range(1, 13)])
    for points, category in ((10, "role"), (10, "duty")):
        entry = call(scoring, "submit_score_entry", {
            "member_id": keen, "category": category, "points": points,
            "occurred_on": date(LAST_YEAR, 12, 1).isoformat(), "reason": "表现突出"}, scope=SECRETARY)
        call(scoring, "decide_score_entry", entry["id"], {"decision": "approved"}, scope=TOWN_OFFICER)
    penalty = call(scoring, "submit_score_entry", {
        "member_id": idle, "category": "discipline", "points": -5, "occurred_on": date(LAST_YEAR, 6, 1).isoformat(),
        "reason": "无故不参加组织生活"}, scope=SECRETARY)
    call(scoring, "decide_score_entry", penalty["id"], {"decision": "approved"}, scope=TOWN_OFFICER)
    feed(scoring, dispatch, envelope("member_status_changed", {
        "member_id": gone, "organisation_id": ids["village"], "status": "transferred_out", "previous_status": "normal",
        "effective_on": date(LAST_YEAR, 5, 1).isoformat(), "cause": "member_transferred"}))

    with pytest.raises(ServiceError) as not_over:
        call(scoring, "request_grading_run", {"year": date.today().year})
    assert not_over.value.code == "year_not_over"
    with entrypoint_waiter_for(scoring, "grade_year"):
        run = call(scoring, "request_grading_run", {"year": LAST_YEAR})
    assert call(scoring, "get_grading_run", run["id"])["state"] == "completed"

    graded = {row.member_id: (row.score, row.grade) for row in rows(scoring_database_url, select(grades))}
    assert graded == {keen: (Decimal("100.0"), "excellent"), idle: (Decimal("55.0"), "unqualified")}
    events = scoring_events.wait_for("member_graded", count=2)
    assert {event["data"]["member_id"]: event["data"]["grade"] for event in events} == {
        keen: "excellent", idle: "unqualified"}
    opened = scoring_events.wait_for("follow_up_opened", count=2)
    assert {event["data"]["kind"] for event in opened} == {"commendation", "disposition"}

    with pytest.raises(ServiceError) as twice:
        call(scoring, "request_grading_run", {"year": LAST_YEAR})
    assert twice.value.code == "year_closed"
    # A late event of the graded year stays on the ledger at 0 points: the grade does not move.
    late = attended(idle, ids["village"], date(LAST_YEAR, 12, 20))
    feed(scoring, dispatch, late)
    [kept] = rows(scoring_database_url, select(ledger_lines).where(ledger_lines.c.source_event_id == late["event_id"]))
    assert (kept.points, kept.capped_by) == (Decimal("0.0"), "year_closed")

    # A stricter rule set from today on leaves the graded year as it was graded.
    stricter = {**DEFAULT_DOCUMENT, "bands": {"excellent": "95", "qualified": "80", "warned": "70"},
                "effective_from": date.today().isoformat(), "note": "从严"}
    call(scoring, "publish_rule_set", stricter)
    with pytest.raises(ServiceError) as back_in_time:
        call(scoring, "publish_rule_set", {**stricter, "effective_from": date(LAST_YEAR, 12, 1).isoformat()})
    assert back_in_time.value.code == "rule_set_retroactive"
    assert {row.member_id: (row.score, row.grade) for row in rows(scoring_database_url, select(grades))} == graded
    last_year = call(scoring, "member_standing", keen, {"on": date(LAST_YEAR, 12, 31).isoformat()})
    assert (last_year["score"], last_year["grade"], last_year["graded"]) == (100.0, "excellent", "excellent")

    [disposition] = call(scoring, "list_follow_ups", {"member_id": idle})["items"]
    with pytest.raises(ServiceError) as wrong:
        call(scoring, "close_follow_up", disposition["id"], {
            "outcome": "commended", "closed_on": date.today().isoformat(), "decided_by": "支部党员大会"})
    assert wrong.value.code == "validation_failed"
    closed = call(scoring, "close_follow_up", disposition["id"], {
        "outcome": "rectification", "rectify_by": date(date.today().year + 1, 6, 30).isoformat(),
        "closed_on": date.today().isoformat(), "decided_by": "支部党员大会", "note": "限期整改六个月"})
    assert (closed["state"], closed["outcome"]) == ("closed", "rectification")
    [closed_event] = scoring_events.wait_for("follow_up_closed")
    assert closed_event["data"]["outcome"] == "rectification"


def entrypoint_waiter_for(container, method):
    from nameko.testing.services import entrypoint_waiter
    return entrypoint_waiter(container, method, timeout=30)


def test_a_paper_ledger_is_entered_and_checked_in_batches_item_by_item(scoring, dispatch):
    ids = tree(scoring, dispatch)
    members = [new_id() for _ in range(3)]
    feed(scoring, dispatch, *[registered(member, ids["village"]) for member in members])
    day = date.today().isoformat()
    submitted = call(scoring, "submit_score_entries", {"items": [
        {"member_id": members[0], "category": "organisational_life", "points": 12, "occurred_on": day,
         "reason": "纸质台账: 组织生活"},
        {"member_id": members[1], "category": "nonsense", "points": 3, "occurred_on": day, "reason": "x"},
        {"member_id": new_id(), "category": "duty", "points": 3, "occurred_on": day, "reason": "no such member"},
        {"member_id": members[2], "category": "duty", "points": 6, "occurred_on": day, "reason": "纸质台账: 履行义务"},
    ]}, scope=SECRETARY)
    assert [(item["status"], item["error"] and item["error"]["code"]) for item in submitted["items"]] == [
        (201, None), (422, "validation_failed"), (422, "unknown_reference"), (201, None)]
    assert "category" in submitted["items"][1]["error"]["details"]
    entries = [submitted["items"][0]["entry"]["id"], submitted["items"][3]["entry"]["id"]]
    own = call(scoring, "decide_score_entries", {"items": [{"entry_id": entries[0], "decision": "approved"}]},
               scope=SECRETARY)
    assert own["items"][0]["error"]["code"] == "separation_of_duties" and own["succeeded"] == 0
    decided = call(scoring, "decide_score_entries", {"items": [
        {"entry_id": entry, "decision": "approved", "note": "镇党委核实"} for entry in entries]}, scope=TOWN_OFFICER)
    assert decided["succeeded"] == 2
    lines = call(scoring, "list_ledger_lines", {"organisation_id": ids["village"]})["items"]
    assert sorted((line["member_id"], line["points"]) for line in lines) == sorted(
        [(members[0], 12.0), (members[2], 6.0)])


def test_study_earns_per_record_never_per_minute(scoring, dispatch, scoring_database_url):
    ids = tree(scoring, dispatch)
    member = new_id()
    feed(scoring, dispatch, registered(member, ids["village"]))
    studied = [education_event("study_recorded", {
        "study_record_id": new_id(), "member_id": member, "organisation_id": ids["village"],
        "studied_on": date(LAST_YEAR, 4, day).isoformat(), "kind": "online", "channel": "app", "minutes": minutes,
        "material_id": None}) for day, minutes in ((3, 15), (20, 240))]
    feed(scoring, dispatch, *studied)
    points = rows(scoring_database_url, select(ledger_lines.c.points).where(ledger_lines.c.member_id == member))
    assert sorted(row.points for row in points) == [Decimal("1.0"), Decimal("1.0")]
