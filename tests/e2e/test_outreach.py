"""Outreach through the real gateway and the four services as real processes over the real broker
(issue 11).

The return, across the platform: one return reported at the gateway enrols the member in the
homecoming (winter) training in education, credits the return in scoring, schedules a visit and
opens a reserve-cadre review in outreach, and gives the member their new status in roster; each
exactly once, even when the broker delivers roster's ``member_returned`` again to every service.
A contact logged at the gateway is announced once, however often the request is sent.
"""
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from nameko.standalone.events import event_dispatcher

from services.common.clock import Clock
from tests.support import created, id_number, wait_for

HANDLERS_OF_A_RETURN = {"education": "enrol_on_return", "scoring": "credit_return", "outreach": "welcome_home"}


@pytest.fixture(scope="module")
def world(platform):
    def org(name, kind, parent=None):
        return created(platform.post("/api/v1/organisations", {
            "name": name, "kind": kind, "parent_id": parent["id"] if parent else None}))

    county = org("中共高台县委员会", "party_committee")
    town = org("中共高台县骆驼城镇委员会", "party_committee", county)
    branch = org("骆驼城镇建康村党支部", "branch", town)
    member = created(platform.post("/api/v1/members", {
        "name": "马建国", "gender": "male", "birth_date": "1983-03-15", "id_number": id_number("1983-03-15", 117),
        "phone": "13900011171", "joined_on": "2009-07-01", "organisation_id": branch["id"]}))
    cadre = created(platform.post("/api/v1/members", {
        "name": "赵淑芬", "gender": "female", "birth_date": "1975-10-02", "id_number": id_number("1975-10-02", 128),
        "phone": "13900011282", "joined_on": "1998-07-01", "organisation_id": branch["id"]}))
    everyone, organisations = [member["id"], cadre["id"]], [county["id"], town["id"], branch["id"]]
    for service in ("education", "scoring", "outreach"):
        platform.knows(service, everyone, organisations)
    return {"county": county, "town": town, "branch": branch, "member": member, "cadre": cadre}


@pytest.fixture
def taps(platform):
    opened = {service: platform.tap(service=service) for service in ("roster", "education", "scoring", "outreach")}
    yield opened
    for tap in opened.values():
        tap.close()


def answer(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def items(platform, path, **params):
    return answer(platform.get(f"/api/v1/{path}", params=params))["items"]


def redeliver(platform, envelope):
    """The same event (same id) on its exchange again, as the broker does after a lost acknowledgement."""
    event_dispatcher({"AMQP_URI": platform.amqp_uri})(envelope["source"], envelope["event_type"], envelope)


def skipped(platform, service, handler, event_id):
    return len(re.findall(rf"{service}\.{handler} already handled event {event_id}", platform.services[service].log()))


def of_member(envelopes, member_id):
    return [envelope for envelope in envelopes if envelope["data"].get("member_id") == member_id]


def test_the_return_across_the_platform_happens_once_in_every_service_even_when_redelivered(platform, world, taps):
    member = world["member"]
    winter = created(platform.post("/api/v1/trainings", {
        "organisation_id": world["county"]["id"], "kind": "winter", "title": "2026年度农村党员冬训",
        "starts_on": date.today().isoformat(), "ends_on": f"{date.today().year + 1}-02-28", "capacity": 500}))
    created(platform.post(f"/api/v1/members/{member['id']}/departures", {
        "departed_on": date.today().isoformat(), "destination_province": "新疆维吾尔自治区",
        "destination_city": "昌吉回族自治州", "work": "棉花采摘", "contact": "13900011171"}))
    created(platform.post(f"/api/v1/members/{member['id']}/returns", {}))

    [home] = taps["roster"].wait_for("member_returned")
    enrolled = wait_for(lambda: of_member(taps["education"].envelopes("training_enrolled"), member["id"]),
                        message="education to enrol the member in the homecoming training")
    credited = wait_for(lambda: [event for event in of_member(taps["scoring"].envelopes("points_credited"), member["id"])
                                 if event["data"]["rule"] == "return_reported"],
                        message="scoring to credit the return")
    visited = wait_for(lambda: of_member(taps["outreach"].envelopes("visit_scheduled"), member["id"]),
                       message="outreach to schedule the homecoming visit")
    reviewed = wait_for(lambda: of_member(taps["outreach"].envelopes("reserve_review_opened"), member["id"]),
                        message="outreach to open the reserve review")
    # Every effect names the return it came from: a subscriber sees the whole chain.
    assert enrolled[0]["data"]["cause"] == "member_returned"
    assert credited[0]["data"]["source_event_id"] == home["event_id"]
    assert [event["data"]["cause_event_id"] for event in visited + reviewed] == [home["event_id"]] * 2
    assert answer(platform.get(f"/api/v1/members/{member['id']}"))["status"] == "normal"

    # The broker delivers the return to every service twice more: each inbox absorbs both copies.
    redeliver(platform, home)
    redeliver(platform, home)
    for service, handler in HANDLERS_OF_A_RETURN.items():
        wait_for(lambda service=service, handler=handler: skipped(platform, service, handler, home["event_id"]) == 2,
                 message=f"{service} to skip both copies of the return")

    assert [e["member_id"] for e in items(platform, f"trainings/{winter['id']}/enrolments")] == [member["id"]]
    ledger = [line for line in items(platform, "score-ledger", member_id=member["id"]) if line["rule"] == "return_reported"]
    assert [(line["points"], line["source_event_id"]) for line in ledger] == [(2.0, home["event_id"])]
    [visit] = items(platform, "visits", member_id=member["id"])
    assert (visit["cause"], visit["state"]) == ("homecoming", "scheduled")
    [review] = items(platform, "reserve-reviews", member_id=member["id"])
    assert (review["state"], review["cause"], review["months_away"]) == ("open", "member_returned", 0)
    statuses = [event["data"]["status"] for event in of_member(taps["roster"].envelopes("member_status_changed"),
                                                                member["id"])]
    assert statuses[-1] == "normal"
    # And on the wire: one enrolment, one credit, one visit and one review, however often the return came.
    assert len(of_member(taps["education"].envelopes("training_enrolled"), member["id"])) == 1
    assert len([e for e in of_member(taps["scoring"].envelopes("points_credited"), member["id"])
                if e["data"]["rule"] == "return_reported"]) == 1
    assert len(of_member(taps["outreach"].envelopes("visit_scheduled"), member["id"])) == 1
    assert len(of_member(taps["outreach"].envelopes("reserve_review_opened"), member["id"])) == 1


def test_a_contact_logged_at_the_gateway_is_announced_once_however_often_it_is_sent(platform, world, taps):
    member, cadre = world["member"], world["cadre"]
    pairing = created(platform.post("/api/v1/help-pairings", {
        "organisation_id": world["branch"]["id"], "cadre_member_id": cadre["id"], "member_ids": [member["id"]],
        "starts_on": (Clock.from_config({}).today() - timedelta(days=1)).isoformat()}))
    contact = {"member_id": member["id"], "channel": "phone",
               "occurred_at": datetime.now(UTC).replace(microsecond=0).isoformat(), "contacted_by": "支委赵淑芬",
               "summary": "询问在外务工情况, 提醒参加网上组织生活", "pairing_id": pairing["id"]}
    key = {"Idempotency-Key": "contact-4c1d0d2e"}

    first = answer(platform.post("/api/v1/contacts", contact, headers=key), 201)
    retried = answer(platform.post("/api/v1/contacts", contact, headers=key), 201)
    # The same contact from another device, without the key: the same member, channel and minute.
    synced = answer(platform.post("/api/v1/contacts", contact), 200)
    a_minute_before = (datetime.fromisoformat(contact["occurred_at"]) - timedelta(minutes=1)).isoformat()
    other = answer(platform.post("/api/v1/contacts", {**contact, "channel": "letter",
                                                      "occurred_at": a_minute_before}), 201)

    assert retried == first
    assert (synced["id"], synced["duplicate"]) == (first["id"], True)
    # The letter's event comes after anything the first three could have caused: the relay sends in order.
    taps["outreach"].wait_for("contact_logged", count=2)
    logged = [event["data"]["contact_id"] for event in taps["outreach"].envelopes("contact_logged")]
    assert logged == [first["id"], other["id"]]
    log = items(platform, f"members/{member['id']}/contacts")
    assert [(entry["id"], entry["channel"]) for entry in log] == [(first["id"], "phone"), (other["id"], "letter")]
    owed = answer(platform.get("/api/v1/four-ones", params={"pairing_id": pairing["id"]}))
    done = {item["item"] for item in owed["items"] if item["state"] == "done"}
    assert done == {"phone_call", "letter"}
