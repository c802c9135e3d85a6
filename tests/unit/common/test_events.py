"""The event envelope and versioning, with no broker."""
import uuid
from datetime import date

import pytest
from marshmallow import ValidationError, fields

from contracts import events
from contracts.events import Event, UnknownEventVersion, load_envelope


def returned(**data):
    base = {"member_id": str(uuid.uuid4()), "departure_id": str(uuid.uuid4()), "organisation_id": str(uuid.uuid4()),
            "returned_on": "2026-12-25", "departed_on": None, "departure_reported": False}
    return Event(source="roster", event_type="member_returned", data={**base, **data})


def test_the_envelope_has_the_documented_fields():
    envelope = returned().envelope()
    assert set(envelope) == {"event_id", "event_type", "version", "occurred_at", "source", "data"}
    assert envelope["version"] == 1 and envelope["source"] == "roster"
    assert envelope["occurred_at"].endswith("+00:00")
    uuid.UUID(envelope["event_id"])


def test_data_outside_the_catalogue_is_refused():
    with pytest.raises(ValidationError):
        returned(returned_on="not a date").envelope()
    with pytest.raises(LookupError):
        Event(source="roster", event_type="member_vanished", data={}).envelope()


def test_old_versions_are_upcast_on_load(monkeypatch):
    class V2(events.CATALOGUE[("roster", "member_returned", 1)]):
        upcast = fields.Bool(required=True)

    monkeypatch.setitem(events.CATALOGUE, ("roster", "member_returned", 2), V2)
    monkeypatch.setitem(events.UPCASTERS, ("roster", "member_returned", 1), lambda data: {**data, "upcast": True})
    loaded = load_envelope(returned().envelope())
    assert loaded["version"] == 2 and loaded["data"]["upcast"] is True


def test_consumers_get_typed_data():
    envelope = load_envelope(returned(departed_on="2026-03-01").envelope())
    data = envelope["data"]
    assert isinstance(data["member_id"], uuid.UUID) and isinstance(envelope["event_id"], uuid.UUID)
    assert data["returned_on"] == date(2026, 12, 25) and data["departed_on"] == date(2026, 3, 1)


def test_fields_a_consumer_does_not_know_are_tolerated():
    envelope = returned().envelope()
    envelope["data"]["hometown_visit_planned"] = True  # added by a newer producer, same version
    assert "hometown_visit_planned" not in load_envelope(envelope)["data"]


def test_a_version_newer_than_the_consumer_knows_is_refused_with_the_reason():
    envelope = {**returned().envelope(), "version": 7}
    with pytest.raises(UnknownEventVersion, match="v7 is newer than the newest this consumer knows"):
        load_envelope(envelope)


def test_the_catalogue_is_built_from_each_source_module():
    from contracts import roster_events

    assert {key for key in events.CATALOGUE if key[0] == "roster"} == {
        ("roster", event_type, version) for event_type, version in roster_events.SCHEMAS
    }
