"""Education's talks and trainings on the real broker and PostgreSQL: roster's events
(made up, tests.integration.roster_feed) open talks and enrol members once each, in
whatever order they arrive; the RPCs record talks, trainings, registers and skills,
and every effect leaves on education.events through the outbox."""
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, select

from contracts.errors import ServiceError
from services.education.models import enrolment_waits, enrolments, talks
from tests.integration.roster_feed import (
    days_ago,
    departed,
    feed,
    new_id,
    registered,
    returned,
    tree,
)
from tests.integration.rpc import call
from tests.support import EventTap


@pytest.fixture
def education_events(rabbit_config):
    tap = EventTap(rabbit_config["AMQP_URI"], exchange="education.events")
    yield tap
    tap.close()


def rows(database_url, query):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).all()
    finally:
        engine.dispose()


def test_a_departure_opens_one_talk_that_the_branch_records_once(education, dispatch, education_database_url,
                                                                 education_events):
    ids = tree(education, dispatch)
    member, departure = new_id(), new_id()
    feed(education, dispatch, registered(member, ids["village"]))
    leaving = departed(member, ids["village"], departure, departed_on=date.today() + timedelta(days=3))
    feed(education, dispatch, leaving, leaving)

    [talk] = rows(education_database_url, select(talks).where(talks.c.member_id == member))
    assert (talk.due_on, talk.late_report, talk.state) == (date.today() + timedelta(days=3), False, "open")
    [opened] = education_events.wait_for("talk_opened")
    assert opened["data"]["talk_id"] == talk.id

    record = {"held_on": date.today().isoformat(), "held_by": "王书记", "method": "home_visit",
              "study_plan": "每月学习一次党章", "reporting_rhythm": "monthly", "notes": None}
    held = call(education, "complete_talk", talk.id, record)
    assert (held["state"], held["method_label"], held["overdue"]) == ("completed", "上门走访", False)
    with pytest.raises(ServiceError) as twice:
        call(education, "complete_talk", talk.id, record)
    assert twice.value.code == "talk_already_completed"
    [completed] = education_events.wait_for("talk_completed")
    assert completed["data"]["held_by"] == "王书记"
    assert call(education, "list_talks", {"organisation_id": ids["town"], "state": "completed"})["total"] == 1


def test_a_late_report_opens_a_talk_and_a_return_before_its_departure_opens_none(education, dispatch,
                                                                                 education_database_url):
    ids = tree(education, dispatch)
    late, home = new_id(), new_id()
    feed(education, dispatch, registered(late, ids["village"]), registered(home, ids["village"]))
    feed(education, dispatch, departed(late, ids["village"], departed_on=days_ago(30)))
    [talk] = rows(education_database_url, select(talks).where(talks.c.member_id == late))
    assert (talk.late_report, talk.due_on) == (True, date.today() + timedelta(days=7))

    departure = new_id()
    feed(education, dispatch, returned(home, ids["village"], departure, returned_on=days_ago(1)),
         departed(home, ids["village"], departure, departed_on=days_ago(20)))
    assert rows(education_database_url, select(talks).where(talks.c.member_id == home)) == []
    overdue = call(education, "list_talks", {"overdue": True})
    assert overdue["total"] == 0


def test_a_return_enrols_the_member_in_the_open_winter_training_and_attendance_is_announced(
        education, dispatch, education_database_url, education_events):
    ids = tree(education, dispatch)
    winter = call(education, "create_training", {
        "organisation_id": ids["county"], "kind": "winter", "title": "2026年冬训", "capacity": 100,
        "starts_on": days_ago(5).isoformat(), "ends_on": (date.today() + timedelta(days=60)).isoformat()})
    call(education, "create_training", {
        "organisation_id": ids["village"], "kind": "homecoming", "title": "归乡教育", "capacity": 100,
        "starts_on": (date.today() + timedelta(days=2)).isoformat(),
        "ends_on": (date.today() + timedelta(days=3)).isoformat()})
    member, departure = new_id(), new_id()
    feed(education, dispatch, registered(member, ids["village"]),
         departed(member, ids["village"], departure, departed_on=days_ago(100)))
    coming_home = returned(member, ids["village"], departure, returned_on=date.today())
    feed(education, dispatch, coming_home, coming_home)

    [enrolment] = rows(education_database_url, select(enrolments).where(enrolments.c.member_id == member))
    assert (enrolment.training_id, enrolment.cause, enrolment.departure_id) == (winter["id"], "member_returned",
                                                                               departure)
    [enrolled] = education_events.wait_for("training_enrolled")
    assert enrolled["data"]["training_kind"] == "winter"

    session = call(education, "add_training_session", winter["id"], {"held_on": date.today().isoformat(),
                                                                     "topic": "设施农业技术"})
    register = call(education, "record_training_attendance", winter["id"], session["id"],
                    {"items": [{"member_id": member, "status": "late"}]})
    assert [(row["member_id"], row["status_label"]) for row in register["items"]] == [(member, "迟到")]
    call(education, "record_training_attendance", winter["id"], session["id"],
         {"items": [{"member_id": member, "status": "late"}]})  # the same register again: no second effect
    [attended] = education_events.wait_for("training_attended")
    assert (attended["data"]["member_id"], attended["data"]["status"]) == (member, "late")
    with pytest.raises(ServiceError) as stranger:
        call(education, "record_training_attendance", winter["id"], session["id"],
             {"items": [{"member_id": new_id(), "status": "present"}]})
    assert stranger.value.code == "not_enrolled"
    skill = call(education, "record_skill", winter["id"], {"member_id": member, "skill": "设施农业",
                                                           "acquired_on": date.today().isoformat()})
    assert skill["organisation_id"] == ids["village"]
    education_events.wait_for("skill_acquired")
    assert len(education_events.envelopes("training_attended")) == 1


def test_a_member_home_with_no_training_open_waits_and_joins_the_next_one_opened(education, dispatch,
                                                                                 education_database_url):
    ids = tree(education, dispatch)
    member, departure = new_id(), new_id()
    feed(education, dispatch, registered(member, ids["village"]),
         departed(member, ids["village"], departure, departed_on=days_ago(50)),
         returned(member, ids["village"], departure, returned_on=days_ago(2)))
    [wait] = rows(education_database_url, select(enrolment_waits).where(enrolment_waits.c.member_id == member))
    assert wait.enrolment_id is None

    elsewhere = call(education, "create_training", {
        "organisation_id": ids["other_town"], "kind": "rotation", "title": "轮训", "capacity": 10,
        "starts_on": date.today().isoformat(), "ends_on": date.today().isoformat()})
    assert elsewhere["enrolled"] == 0
    homecoming = call(education, "create_training", {
        "organisation_id": ids["town"], "kind": "homecoming", "title": "归乡教育", "capacity": 10,
        "starts_on": date.today().isoformat(), "ends_on": (date.today() + timedelta(days=1)).isoformat()})
    assert homecoming["enrolled"] == 1
    [wait] = rows(education_database_url, select(enrolment_waits).where(enrolment_waits.c.member_id == member))
    assert wait.enrolment_id is not None


def test_a_technical_leader_is_recorded_once_per_field(education, dispatch, education_events):
    ids = tree(education, dispatch)
    member = new_id()
    feed(education, dispatch, registered(member, ids["village"]))
    leader = {"member_id": member, "field": "设施农业", "recognised_on": date.today().isoformat()}
    assert call(education, "record_technical_leader", leader)["organisation_id"] == ids["village"]
    with pytest.raises(ServiceError) as twice:
        call(education, "record_technical_leader", leader)
    assert twice.value.code == "already_recorded"
    assert call(education, "list_technical_leaders", {"organisation_id": ids["town"]})["total"] == 1
    [recorded] = education_events.wait_for("technical_leader_recorded")
    assert recorded["data"]["field"] == "设施农业"


def test_a_talk_still_open_when_the_member_comes_home_lapses_once(education, dispatch, education_database_url,
                                                                  education_events):
    ids = tree(education, dispatch)
    member, departure = new_id(), new_id()
    feed(education, dispatch, registered(member, ids["village"]),
         departed(member, ids["village"], departure, departed_on=days_ago(20)))
    home = returned(member, ids["village"], departure, returned_on=days_ago(1))
    feed(education, dispatch, home, home)
    [talk] = rows(education_database_url, select(talks).where(talks.c.member_id == member))
    assert talk.state == "lapsed"
    assert call(education, "list_talks", {"member_id": member, "overdue": True})["total"] == 0
    [lapsed] = education_events.wait_for("talk_lapsed")
    assert lapsed["data"]["returned_on"] == days_ago(1).isoformat()
    held = call(education, "complete_talk", talk.id, {  # it had been held by phone, and is recorded now
        "held_on": days_ago(2).isoformat(), "held_by": "王书记", "method": "phone", "study_plan": "学党章",
        "reporting_rhythm": "monthly", "notes": None})
    assert held["state"] == "completed"
