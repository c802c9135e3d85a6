"""Scoring through the real gateway, roster, education and scoring processes over the real
broker (issue 10): a member's departure reported in advance, the pre-departure talk held and
the return reported credit the right points once each, even when the broker delivers roster's
and education's events twice; a grading run asked for at the gateway grades last year and
announces ``member_graded`` on ``scoring.events``."""
import re
from datetime import date

import pytest
from nameko.standalone.events import event_dispatcher

from tests.support import created, id_number, wait_for

LAST_YEAR = date.today().year - 1


@pytest.fixture(scope="module")
def world(platform):
    def org(name, kind, parent=None):
        return created(platform.post("/api/v1/organisations", {
            "name": name, "kind": kind, "parent_id": parent["id"] if parent else None}))

    county = org("中共高台县委员会", "party_committee")
    town = org("中共高台县南华镇委员会", "party_committee", county)
    branch = org("南华镇义和村党支部", "branch", town)
    member = created(platform.post("/api/v1/members", {
        "name": "张海军", "gender": "male", "birth_date": "1979-08-12", "id_number": id_number("1979-08-12", 103),
        "phone": "13900010041", "joined_on": "2006-07-01", "organisation_id": branch["id"]}))
    platform.knows("education", [member["id"]], [county["id"], town["id"], branch["id"]])
    return {"county": county, "town": town, "branch": branch, "member": member}


@pytest.fixture
def roster_events(platform):
    tap = platform.tap(service="roster")
    yield tap
    tap.close()


@pytest.fixture
def education_events(platform):
    tap = platform.tap(service="education")
    yield tap
    tap.close()


@pytest.fixture
def scoring_events(platform):
    tap = platform.tap(service="scoring")
    yield tap
    tap.close()


def answer(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def redeliver(platform, envelope):
    """The same event (same id) on its exchange again, as the broker does after a lost acknowledgement."""
    event_dispatcher({"AMQP_URI": platform.amqp_uri})(envelope["source"], envelope["event_type"], envelope)


def skipped_duplicate(platform, handler, event_id):
    return re.search(rf"scoring\.{handler} already handled event {event_id}", platform.services["scoring"].log())


def test_roster_and_education_events_credit_the_right_points_once_each_even_when_delivered_twice(
        platform, world, roster_events, education_events, scoring_events):
    member = world["member"]
    leaving_on = date.today()  # reported on the day of leaving: in advance, as the rule reads it
    created(platform.post(f"/api/v1/members/{member['id']}/departures", {
        "departed_on": leaving_on.isoformat(), "destination_province": "甘肃省", "destination_city": "酒泉市瓜州县",
        "work": "枸杞采摘", "contact": "13900010041"}))
    talk = wait_for(lambda: platform.get("/api/v1/talks", params={"member_id": member["id"]}).json()["items"],
                    message="education to open the pre-departure talk")[0]
    answer(platform.post(f"/api/v1/talks/{talk['id']}/record", {
        "held_on": date.today().isoformat(), "held_by": "李书记", "method": "heart_to_heart",
        "study_plan": "每月在党建App学习不少于4小时", "reporting_rhythm": "monthly"}))
    created(platform.post(f"/api/v1/members/{member['id']}/returns", {}))

    [departed] = roster_events.wait_for("member_departed")
    [returned] = roster_events.wait_for("member_returned")
    [held] = education_events.wait_for("talk_completed")
    credited = scoring_events.wait_for("points_credited", count=3)
    assert sorted((e["data"]["rule"], e["data"]["points"], e["data"]["source_event_id"]) for e in credited) == sorted([
        ("departure_reported_in_advance", "3.0", departed["event_id"]),
        ("talk_held", "2.0", held["event_id"]),
        ("return_reported", "2.0", returned["event_id"]),
    ])

    # The broker delivers each of them again: scoring's inbox absorbs every copy.
    for envelope, handler in ((departed, "credit_departure"), (held, "credit_talk"), (returned, "credit_return")):
        redeliver(platform, envelope)
        wait_for(lambda envelope=envelope, handler=handler: skipped_duplicate(platform, handler, envelope["event_id"]),
                 message=f"scoring to skip the second {envelope['event_type']}")
    lines = answer(platform.get("/api/v1/score-ledger", params={"member_id": member["id"]}))
    assert sorted((line["rule"], line["points"]) for line in lines["items"]) == [
        ("departure_reported_in_advance", 3.0), ("return_reported", 2.0), ("talk_held", 2.0)]
    score = answer(platform.get(f"/api/v1/members/{member['id']}/score"))
    assert (score["score"], score["categories"][1]["points"]) == (67.0, 7.0)
    assert [line["source_event_id"] for line in score["lines"]] == [
        departed["event_id"], held["event_id"], returned["event_id"]]


def test_a_grading_run_asked_for_at_the_gateway_announces_member_graded(platform, world, scoring_events):
    refused = answer(platform.post("/api/v1/grading-runs", {"year": date.today().year}), 422)
    assert refused["error"]["code"] == "year_not_over"
    run = answer(platform.post("/api/v1/grading-runs", {"year": LAST_YEAR}), 202)
    graded = wait_for(lambda: [event for event in scoring_events.envelopes("member_graded")
                               if event["data"]["member_id"] == world["member"]["id"]],
                      message="scoring to grade last year")
    # Nothing credited last year: the starting score, warned (60 up to 70), and a talk to hold.
    assert [(e["data"]["year"], e["data"]["score"], e["data"]["grade"]) for e in graded] == [(LAST_YEAR, "60.0", "warned")]
    assert wait_for(lambda: answer(platform.get(f"/api/v1/grading-runs/{run['id']}"))["state"] == "completed",
                    message="the run to complete")
    [follow_up] = answer(platform.get("/api/v1/follow-ups", params={"member_id": world["member"]["id"]}))["items"]
    assert (follow_up["kind"], follow_up["state"]) == ("warning_talk", "open")
    assert answer(platform.post("/api/v1/grading-runs", {"year": LAST_YEAR}), 409)["error"]["code"] == "year_closed"
