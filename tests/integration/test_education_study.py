"""Sessions with their registers, study records and the participation rate, on the real broker and
PostgreSQL: roster's events (tests.integration.roster_feed) say where members were, education's
RPCs record what happened, and the rate's denominator follows a member who left mid-period and
one who joined late."""
from datetime import UTC, datetime, time, timezone

import pytest

from contracts.errors import ServiceError
from tests.integration.roster_feed import (
    days_ago,
    departed,
    feed,
    new_id,
    registered,
    tree,
)
from tests.integration.rpc import call
from tests.support import EventTap


def on(day):
    return datetime.combine(day, time(12), tzinfo=UTC)


def test_the_rate_follows_a_member_who_left_mid_period_and_one_who_joined_late(education, dispatch, rabbit_config):
    tap = EventTap(rabbit_config["AMQP_URI"], exchange="education.events")
    try:
        ids = tree(education, dispatch)
        early, late = new_id(), new_id()
        feed(education, dispatch, registered(early, ids["village"], occurred_at=on(days_ago(200))),
             registered(late, ids["village"], occurred_at=on(days_ago(20))),
             departed(early, ids["village"], departed_on=days_ago(50)))

        def held(days, mode, register):
            session = call(education, "create_study_session", {
                "organisation_id": ids["village"], "kind": "fixed_activity_day", "held_on": days_ago(days).isoformat(),
                "mode": mode, "topic": "主题党日"})
            if register:
                call(education, "record_session_attendance", session["id"],
                     {"items": [{"member_id": member, "status": status} for member, status in register]})
            return session

        held(100, "offline", [(early, "present")])            # early at home; late not yet on the roll
        held(30, "online", [(early, "late")])                 # early away: online is theirs; late not yet
        held(10, "both", [(early, "absent"), (late, "present")])
        held(5, "offline", [])                                # early away (offline is not theirs); late expected, unrecorded

        town = call(education, "participation_rate", {"organisation_id": ids["town"], "from": days_ago(365).isoformat()})
        assert (town["sessions"], town["expected"], town["participated"], town["rate_percent"]) == (4, 5, 3, 60.0)
        assert [(row["organisation_id"], row["expected"], row["participated"]) for row in town["by_organisation"]] == [
            (ids["village"], 5, 3)]
        joined_late = call(education, "participation_rate", {"member_id": late, "from": days_ago(365).isoformat()})
        assert (joined_late["expected"], joined_late["participated"], joined_late["rate_percent"]) == (2, 1, 50.0)
        # The other town saw none of it.
        other = call(education, "participation_rate", {"organisation_id": ids["other_town"]})
        assert (other["expected"], other["rate_percent"]) == (0, None)

        record = call(education, "record_study", {"member_id": early, "studied_on": days_ago(1).isoformat(),
                                                  "kind": "online", "channel": "app", "minutes": 45})
        assert record["organisation_id"] == ids["village"]
        assert call(education, "list_study_records", {"member_id": early})["total"] == 1
        assert tap.wait_for("study_recorded") and tap.wait_for("session_attended", count=4)
        assert len(tap.wait_for("study_session_held", count=4)) == 4
    finally:
        tap.close()


def test_bad_study_input_names_the_field_and_writes_nothing(education, dispatch):
    ids = tree(education, dispatch)
    member = new_id()
    feed(education, dispatch, registered(member, ids["village"]))
    for payload, field in [
        ({"member_id": member, "studied_on": days_ago(1).isoformat(), "kind": "online", "channel": "app"}, "minutes"),
        ({"member_id": member, "studied_on": days_ago(1).isoformat(), "kind": "read_mailed_material",
          "channel": "mail"}, "attested_by"),
        ({"member_id": member, "studied_on": days_ago(-1).isoformat(), "kind": "online", "channel": "app",
          "minutes": 5}, "studied_on"),
    ]:
        with pytest.raises(ServiceError) as refused:
            call(education, "record_study", payload)
        assert field in refused.value.details, refused.value.details
    with pytest.raises(ServiceError) as stranger:
        session = call(education, "create_study_session", {
            "organisation_id": ids["village"], "kind": "party_lesson", "held_on": days_ago(1).isoformat(),
            "mode": "both", "topic": "党课"})
        call(education, "record_session_attendance", session["id"], {"items": [{"member_id": new_id(),
                                                                               "status": "present"}]})
    assert stranger.value.code == "unknown_reference"
    assert call(education, "list_study_records", {"member_id": member})["total"] == 0
    assert call(education, "session_attendance", session["id"])["items"] == []
