"""The event envelope and versioning, with no broker."""
import uuid

import pytest
from marshmallow import ValidationError

from contracts import events
from contracts.events import Event, load_envelope


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
        pass

    monkeypatch.setitem(events.CATALOGUE, ("roster", "member_returned", 2), V2)
    monkeypatch.setitem(events.UPCASTERS, ("roster", "member_returned", 1), lambda data: {**data, "upcast": True})
    loaded = load_envelope(returned().envelope())
    assert loaded["version"] == 2 and loaded["data"]["upcast"] is True
