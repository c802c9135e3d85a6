"""Education through the real gateway, roster and education processes over the real broker
(issue 9): a departure reported at the gateway opens a pre-departure talk in education, which
the branch records; the member's return enrols them in the county's open winter training; the
register taken at the gateway leaves ``training_attended`` on ``education.events``."""
from datetime import date

import pytest

from tests.support import created, id_number, wait_for


@pytest.fixture(scope="module")
def world(platform):
    def org(name, kind, parent=None):
        return created(platform.post("/api/v1/organisations", {
            "name": name, "kind": kind, "parent_id": parent["id"] if parent else None}))

    county = org("中共高台县委员会", "party_committee")
    town = org("中共高台县宣化镇委员会", "party_committee", county)
    branch = org("宣化镇王马湾村党支部", "branch", town)
    member = created(platform.post("/api/v1/members", {
        "name": "王永红", "gender": "female", "birth_date": "1982-05-06", "id_number": id_number("1982-05-06", 802),
        "phone": "13900008021", "joined_on": "2008-07-01", "organisation_id": branch["id"]}))
    platform.knows("education", [member["id"]], [county["id"], town["id"], branch["id"]])
    return {"county": county, "town": town, "branch": branch, "member": member}


@pytest.fixture
def education_events(platform):
    tap = platform.tap(service="education")
    yield tap
    tap.close()


def answer(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_a_departure_opens_a_talk_and_the_return_enrols_in_the_winter_training_whose_register_is_announced(
        platform, world, education_events):
    member, today = world["member"], date.today().isoformat()
    winter = created(platform.post("/api/v1/trainings", {
        "organisation_id": world["county"]["id"], "kind": "winter", "title": "2026年度农村党员冬训",
        "starts_on": today, "ends_on": f"{date.today().year + 1}-02-28", "capacity": 500}))

    created(platform.post(f"/api/v1/members/{member['id']}/departures", {
        "destination_province": "新疆维吾尔自治区", "destination_city": "昌吉回族自治州", "work": "棉花采摘",
        "contact": "13900008021"}))
    talks = wait_for(lambda: platform.get("/api/v1/talks", params={"member_id": member["id"]}).json()["items"],
                     message="education to open the pre-departure talk")
    assert [(t["state"], t["late_report"], t["organisation_id"]) for t in talks] == [
        ("open", False, world["branch"]["id"])]
    talk = talks[0]

    # Bad input names the field and writes nothing.
    refused = answer(platform.post(f"/api/v1/talks/{talk['id']}/record", {
        "held_on": today, "held_by": "李书记", "method": "sms", "study_plan": "学党章", "reporting_rhythm": "monthly"}), 422)
    assert "method" in refused["error"]["details"]["json"]
    assert answer(platform.get(f"/api/v1/talks/{talk['id']}"))["state"] == "open"
    held = answer(platform.post(f"/api/v1/talks/{talk['id']}/record", {
        "held_on": today, "held_by": "李书记", "method": "heart_to_heart", "study_plan": "每月在党建App学习不少于4小时",
        "reporting_rhythm": "monthly"}))
    assert (held["state"], held["method_label"], held["overdue"]) == ("completed", "谈心谈话", False)

    created(platform.post(f"/api/v1/members/{member['id']}/returns", {}))
    enrolments = wait_for(
        lambda: platform.get(f"/api/v1/trainings/{winter['id']}/enrolments").json()["items"],
        message="education to enrol the returned member")
    assert [(e["member_id"], e["cause"]) for e in enrolments] == [(member["id"], "member_returned")]

    session = created(platform.post(f"/api/v1/trainings/{winter['id']}/sessions",
                                    {"held_on": today, "topic": "设施农业与电商"}))
    register = answer(platform.post(f"/api/v1/trainings/{winter['id']}/sessions/{session['id']}/attendance",
                                    {"items": [{"member_id": member["id"], "status": "present"}]}))
    assert [(row["member_id"], row["status"]) for row in register["items"]] == [(member["id"], "present")]

    [attended] = education_events.wait_for("training_attended")
    assert (attended["data"]["member_id"], attended["data"]["training_id"], attended["data"]["status"]) == (
        member["id"], winter["id"], "present")
    kinds = {envelope["event_type"] for envelope in education_events.envelopes()}
    assert {"talk_opened", "talk_completed", "training_opened", "training_enrolled", "training_attended"} <= kinds


def test_bad_input_at_the_education_endpoints_is_a_4xx_that_names_the_field(platform, world):
    training = answer(platform.post("/api/v1/trainings", {
        "organisation_id": world["town"]["id"], "kind": "homecoming", "title": "归乡教育",
        "starts_on": "2027-01-10", "ends_on": "2027-01-05", "capacity": 50}), 422)
    assert "ends_on" in training["error"]["details"]["json"]
    unknown = answer(platform.post("/api/v1/trainings", {
        "organisation_id": "00000000-0000-4000-8000-000000000000", "kind": "winter", "title": "冬训",
        "starts_on": "2027-01-01", "ends_on": "2027-01-05", "capacity": 50}), 422)
    assert unknown["error"]["code"] == "unknown_reference" and "organisation_id" in unknown["error"]["details"]
    assert answer(platform.get("/api/v1/talks", params={"overdue": "perhaps"}), 422)["error"]["details"]["query"]
    assert answer(platform.get("/api/v1/trainings/00000000-0000-4000-8000-000000000000"), 404)["error"]["code"] == \
        "training_not_found"
    assert platform.get("/api/v1/trainings", params={"organisation_id": world["town"]["id"]}).json()["total"] == 0


def test_a_session_with_its_register_gives_the_branch_its_participation_rate(platform, world):
    member, today = world["member"], date.today().isoformat()
    session = created(platform.post("/api/v1/study-sessions", {
        "organisation_id": world["branch"]["id"], "kind": "fixed_activity_day", "held_on": today, "mode": "both",
        "topic": "主题党日: 学习党章"}))
    answer(platform.post(f"/api/v1/study-sessions/{session['id']}/attendance",
                         {"items": [{"member_id": member["id"], "status": "present", "mode": "online"}]}))
    created(platform.post("/api/v1/study-records", {"member_id": member["id"], "studied_on": today, "kind": "online",
                                                    "channel": "app", "minutes": 40}))
    rate = answer(platform.get("/api/v1/participation", params={"organisation_id": world["town"]["id"]}))
    assert (rate["expected"], rate["participated"], rate["rate_percent"]) == (1, 1, 100.0)
    assert [(row["organisation_id"], row["rate_percent"]) for row in rate["by_organisation"]] == [
        (world["branch"]["id"], 100.0)]


def test_a_push_reaches_an_away_member_by_sms_with_the_number_asked_of_roster_at_send_time(platform, world,
                                                                                          education_events):
    away = created(platform.post("/api/v1/members", {
        "name": "赵海军", "gender": "male", "birth_date": "1979-03-04", "id_number": id_number("1979-03-04", 803),
        "phone": "13900008031", "joined_on": "2001-07-01", "organisation_id": world["branch"]["id"]}))
    created(platform.post(f"/api/v1/members/{away['id']}/departures", {
        "destination_province": "甘肃省", "destination_city": "嘉峪关市", "work": "钢铁厂", "contact": "13900008031"}))
    wait_for(lambda: platform.get("/api/v1/talks", params={"member_id": away["id"]}).json()["items"],
             message="education to know the member is away")
    course = created(platform.post("/api/v1/materials", {"organisation_id": world["county"]["id"], "title": "新修订党章",
                                                         "kind": "course"}))
    push = created(platform.post("/api/v1/pushes", {"material_id": course["id"], "organisation_id": world["town"]["id"],
                                                    "channel": "sms", "message": "【空中学堂】请学习新修订党章"}))
    assert (push["recipients"], push["sent"], push["failed"]) == (1, 1, 0)
    [delivery] = answer(platform.get(f"/api/v1/pushes/{push['id']}/deliveries"))["items"]
    assert (delivery["member_id"], delivery["status"], delivery["address"]) == (away["id"], "sent", "139****8031")
    [recorded] = education_events.wait_for("delivery_recorded")
    assert recorded["data"]["push_id"] == push["id"] and "13900008031" not in str(recorded)


def test_the_towns_education_figures_come_out_of_the_records(platform, world):
    figures = answer(platform.get("/api/v1/education-figures", params={"organisation_id": world["town"]["id"]}))
    # Run after the tests above (pytest keeps the file's order): one winter class held by the county is not the
    # town's; the talks opened for the town's members are.
    assert figures["classes_held"] == 0 and figures["talks_opened"] >= 2 and figures["talks_held"] == 1
    county = answer(platform.get("/api/v1/education-figures", params={"organisation_id": world["county"]["id"]}))
    assert (county["classes_held"], county["person_times_trained"]) == (1, 1)
    assert county["deliveries_sent"] == 1
