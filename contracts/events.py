"""The event envelope and the catalogue of events.

Every event travels as the same envelope on the exchange ``<source>.events`` with
the routing key ``event_type``. ``data`` has one schema per (event_type, version);
a change that could break a consumer is a new version, and consumers upcast
older versions with :func:`upcast`.
"""
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from marshmallow import Schema, fields, validate

from contracts import roster_events


class EnvelopeSchema(Schema):
    event_id = fields.UUID(required=True)
    event_type = fields.Str(required=True, validate=validate.Length(min=1))
    version = fields.Int(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, format="iso", default_timezone=timezone.utc)
    source = fields.Str(required=True)
    data = fields.Dict(required=True)


# (source, event_type, version) -> marshmallow schema of ``data``
CATALOGUE = {
    ("roster", event_type, version): schema
    for (event_type, version), schema in roster_events.SCHEMAS.items()
}

# (source, event_type, from_version) -> function(data) -> data of from_version + 1
UPCASTERS = {}


@dataclass(frozen=True)
class Event:
    """An event about to be stored in the outbox or just read from the broker."""

    source: str
    event_type: str
    data: dict
    version: int = 1
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def envelope(self):
        """The JSON-ready envelope, with ``data`` checked against the catalogue."""
        schema = data_schema(self.source, self.event_type, self.version)
        data = schema.dump(schema.load(json.loads(json.dumps(self.data, default=_json_default))))
        return EnvelopeSchema().dump(
            {
                "event_id": self.event_id,
                "event_type": self.event_type,
                "version": self.version,
                "occurred_at": self.occurred_at,
                "source": self.source,
                "data": data,
            }
        )


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def data_schema(source, event_type, version):
    try:
        return CATALOGUE[(source, event_type, version)]()
    except KeyError:
        raise LookupError(f"unknown event {source}.{event_type} v{version}") from None


def latest_version(source, event_type):
    versions = [v for (s, t, v) in CATALOGUE if s == source and t == event_type]
    if not versions:
        raise LookupError(f"unknown event {source}.{event_type}")
    return max(versions)


def load_envelope(body):
    """Validate an incoming envelope and upcast its data to the latest version."""
    envelope = EnvelopeSchema().load(body)
    return upcast(envelope)


def upcast(envelope):
    source, event_type = envelope["source"], envelope["event_type"]
    target = latest_version(source, event_type)
    while envelope["version"] < target:
        step = UPCASTERS[(source, event_type, envelope["version"])]
        envelope = {**envelope, "data": step(envelope["data"]), "version": envelope["version"] + 1}
    return envelope
