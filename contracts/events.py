"""The event envelope and the catalogue of events.

Every event travels as the same envelope on the exchange ``<source>.events`` with
the routing key ``event_type``. ``data`` has one schema per (event_type, version);
a change that could break a consumer is a new version. Each source declares its
events in its own module (``contracts.<source>_events``: ``SOURCE``, ``SCHEMAS``
and the ``UPCASTERS`` that lift one version's data to the next), and the
catalogue is built from those modules.

Consumers get ``data`` *typed*: upcast to the newest version they know, then
loaded with its schema (dates as dates, UUIDs as UUIDs). Fields they do not
know are dropped, so adding a field breaks no one; a version newer than they
know cannot be read safely and is refused with :class:`UnknownEventVersion`.
"""
import functools
import importlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

from marshmallow import EXCLUDE, Schema, fields, validate

from contracts.platform import SERVICES


class EnvelopeSchema(Schema):
    event_id = fields.UUID(required=True)
    event_type = fields.Str(required=True, validate=validate.Length(min=1))
    version = fields.Int(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, format="iso", default_timezone=timezone.utc)
    source = fields.Str(required=True)
    data = fields.Dict(required=True)


_ENVELOPE = EnvelopeSchema()

# (source, event_type, version) -> marshmallow schema of ``data``
CATALOGUE = {}

# (source, event_type, from_version) -> function(data) -> data of from_version + 1
UPCASTERS = {}


def register_source(module):
    """Add a source's events (a module or object with ``SOURCE``, ``SCHEMAS``
    and optionally ``UPCASTERS``) to the catalogue."""
    for (event_type, version), schema in module.SCHEMAS.items():
        CATALOGUE[(module.SOURCE, event_type, version)] = schema
    for (event_type, version), upcaster in getattr(module, "UPCASTERS", {}).items():
        UPCASTERS[(module.SOURCE, event_type, version)] = upcaster


for _spec in SERVICES:
    register_source(importlib.import_module(_spec.events_module))


class UnknownEventVersion(LookupError):
    """An event of a version newer than this consumer knows: it must not be guessed at."""


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
        return _ENVELOPE.dump(
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
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def data_schema(source, event_type, version):
    try:
        return _instance(CATALOGUE[(source, event_type, version)])
    except KeyError:
        raise LookupError(f"unknown event {source}.{event_type} v{version}") from None


@functools.cache
def _instance(schema_class):
    # One instance per schema: they hold no state between calls, and building one costs more than checking
    # an event's data (a batch of 500 departures builds two events each).
    return schema_class()


def latest_version(source, event_type):
    versions = [v for (s, t, v) in CATALOGUE if s == source and t == event_type]
    if not versions:
        raise LookupError(f"unknown event {source}.{event_type}")
    return max(versions)


def load_envelope(body):
    """Validate an incoming envelope, upcast its data to the newest known version
    and load it with that version's schema.

    Raises marshmallow's ``ValidationError`` for an invalid envelope or data,
    :class:`UnknownEventVersion` for a version newer than the catalogue's, and
    ``LookupError`` for an event the catalogue does not know at all.
    """
    envelope = upcast(_ENVELOPE.load(body))
    schema = data_schema(envelope["source"], envelope["event_type"], envelope["version"])
    return {**envelope, "data": schema.load(envelope["data"], unknown=EXCLUDE)}


def upcast(envelope):
    source, event_type = envelope["source"], envelope["event_type"]
    target = latest_version(source, event_type)
    if envelope["version"] > target:
        raise UnknownEventVersion(
            f"{source}.{event_type} v{envelope['version']} is newer than the newest this consumer knows (v{target})"
        )
    while envelope["version"] < target:
        step = UPCASTERS[(source, event_type, envelope["version"])]
        envelope = {**envelope, "data": step(envelope["data"]), "version": envelope["version"] + 1}
    return envelope
