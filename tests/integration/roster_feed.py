"""Roster's events, made up for tests of the services that follow them (education,
and the services after it), and fed to a container over the real broker: each
``feed`` publishes on ``roster.events`` and waits for the container's handler to
have run (nameko's ``entrypoint_waiter``), so nothing waits with sleep."""
import uuid
from datetime import date, datetime, timedelta, timezone

from nameko.testing.services import entrypoint_waiter

from contracts.events import Event

# The handler of each event, per service that follows it.
HANDLERS = {
    "education": {
        "organisation_created": "project_organisation",
        "member_registered": "project_member_registered",
        "member_departed": "open_talk_on_departure",
        "member_returned": "enrol_on_return",
        "member_checked_in": "project_member_checked_in",
        "member_status_changed": "project_member_status",
        "member_transferred": "project_member_transferred",
    },
    "scoring": {
        "organisation_created": "project_organisation",
        "member_registered": "project_member_registered",
        "member_departed": "credit_departure",
        "member_returned": "credit_return",
        "member_checked_in": "credit_check_in",
        "member_status_changed": "project_member_status",
        "member_transferred": "project_member_transferred",
        "talk_completed": "credit_talk",
        "study_recorded": "credit_study",
        "session_attended": "credit_session_attendance",
        "training_attended": "credit_training_attendance",
        "grading_run_requested": "grade_year",
        "volunteer_service_logged": "credit_volunteer_service",
        "contact_logged": "credit_contact_kept",
    },
    "outreach": {
        "organisation_created": "project_organisation",
        "member_registered": "project_member_registered",
        "member_departed": "project_member_departed",
        "member_returned": "welcome_home",
        "member_status_changed": "project_member_status",
        "member_transferred": "project_member_transferred",
        "member_graded": "commend_excellent",
    },
}


def new_id():
    return str(uuid.uuid4())


def envelope(event_type, data, occurred_at=None, source="roster"):
    event = Event(source=source, event_type=event_type, data=data,
                  occurred_at=occurred_at or datetime.now(timezone.utc))
    return event.envelope()


def feed(container, dispatch, *envelopes):
    """Publish each envelope on its source's exchange (roster.events, ...) and wait until the container's
    handler has taken it."""
    for body in envelopes:
        with entrypoint_waiter(container, HANDLERS[container.service_name][body["event_type"]]):
            dispatch(body["source"], body["event_type"], body)


def organisation(path, kind="branch", name=None):
    ids = [str(i) for i in path]
    return envelope("organisation_created", {
        "organisation_id": ids[-1], "parent_id": ids[-2] if len(ids) > 1 else None, "path": ids,
        "name": name or f"组织{ids[-1][:4]}", "kind": kind, "revision": 1})


def tree(container, dispatch):
    """county > town > (village, other village); answers the ids by name."""
    county, town, other_town = new_id(), new_id(), new_id()
    village, other_village = new_id(), new_id()
    feed(container, dispatch,
         organisation([county], "party_committee"), organisation([county, town], "party_committee"),
         organisation([county, other_town], "party_committee"),
         organisation([county, town, village]), organisation([county, other_town, other_village]))
    return {"county": county, "town": town, "other_town": other_town, "village": village,
            "other_village": other_village}


def registered(member_id, organisation_id, occurred_at=None, joined_on=None):
    data = {"member_id": member_id, "organisation_id": organisation_id, "membership": "full"}
    if joined_on is not None:
        data["joined_on"] = joined_on.isoformat()
    return envelope("member_registered", data, occurred_at)


def departed(member_id, organisation_id, departure_id=None, departed_on=None, occurred_at=None):
    return envelope("member_departed", {
        "member_id": member_id, "departure_id": departure_id or new_id(), "organisation_id": organisation_id,
        "departed_on": (departed_on or date.today()).isoformat(), "destination_province": "甘肃省",
        "destination_city": "酒泉市瓜州县", "expected_return_on": None}, occurred_at)


def returned(member_id, organisation_id, departure_id, returned_on=None, departed_on=None):
    return envelope("member_returned", {
        "member_id": member_id, "departure_id": departure_id, "organisation_id": organisation_id,
        "returned_on": (returned_on or date.today()).isoformat(),
        "departed_on": departed_on.isoformat() if departed_on else None, "departure_reported": True})


def checked_in(member_id, organisation_id, departure_id, host_organisation_id=None, checked_in_on=None):
    return envelope("member_checked_in", {
        "member_id": member_id, "check_in_id": new_id(), "departure_id": departure_id,
        "organisation_id": organisation_id, "host_organisation_id": host_organisation_id,
        "host_name": "瓜州县流动党员党支部", "checked_in_on": (checked_in_on or date.today()).isoformat()})


def status_changed(member_id, organisation_id, status, effective_on=None, previous=None, cause="member_departed"):
    return envelope("member_status_changed", {
        "member_id": member_id, "organisation_id": organisation_id, "status": status, "previous_status": previous,
        "effective_on": (effective_on or date.today()).isoformat(), "cause": cause})


def days_ago(days):
    return date.today() - timedelta(days=days)
