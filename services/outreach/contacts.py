"""The contact log: every call, text, mailing, letter, visit or online chat with a
member is one row, whichever track recorded it (logged at the gateway, a visit
completed, a help case), announced once as ``contact_logged``.

The same member, channel and minute is the same contact: a retried request or
an offline device syncing again finds the row already there and gets it back
(``duplicate``), with nothing written and nothing announced. The unique key
holds this even for two requests at once (INSERT ... ON CONFLICT DO NOTHING).
"""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from contracts import outreach as contract
from contracts.errors import ErrorCode, RuleViolation
from services.common.batch import each_item
from services.common.clock import new_id
from services.common.rpc import load
from services.outreach import usecases
from services.outreach.domain.care import not_in_future
from services.outreach.domain.events import ContactLogged
from services.outreach.domain.four_ones import four_one_of
from services.outreach.models import contacts, paired_members


def to_the_minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def log(db, command, clock, scope):
    member = usecases.visible_member(db, command["member_id"], scope)
    not_in_future(clock.day_of(command["occurred_at"]), clock.today(), "occurred_at")
    pairing_id = command.get("pairing_id")
    if pairing_id is not None and db.session.execute(select(paired_members).where(
            paired_members.c.pairing_id == str(pairing_id),
            paired_members.c.member_id == member.member_id)).first() is None:
        raise RuleViolation(ErrorCode.UNKNOWN_REFERENCE, "pairing_id names no pairing of this member",
                            {"pairing_id": ["not a pairing of member_id"]})
    return record(db, clock, scope.principal, member_id=member.member_id, organisation_id=member.organisation_id,
                  channel=command["channel"], occurred_at=command["occurred_at"],
                  contacted_by=command["contacted_by"], summary=command["summary"],
                  follow_up_needed=command["follow_up_needed"], follow_up=command.get("follow_up"),
                  pairing_id=str(pairing_id) if pairing_id else None, source="logged", source_id=None)


def record(db, clock, recorded_by, **contact):
    """Write the contact unless it is there already; the row, with ``duplicate`` set when it was."""
    occurred_at = to_the_minute(contact["occurred_at"])
    values = {**contact, "id": new_id(), "occurred_at": occurred_at, "four_one": four_one_of(contact["channel"]),
              "recorded_by": recorded_by, "recorded_at": clock.now()}
    written = db.insert_unless_present(contacts, values, key=("member_id", "channel", "occurred_at"))
    row = db.session.execute(select(contacts).where(
        contacts.c.member_id == contact["member_id"], contacts.c.channel == contact["channel"],
        contacts.c.occurred_at == occurred_at)).first()
    if written:
        db.add_event(ContactLogged(
            contact_id=row.id, member_id=row.member_id, organisation_id=row.organisation_id, channel=row.channel,
            four_one=row.four_one, occurred_at=occurred_at, pairing_id=row.pairing_id,
            follow_up_needed=row.follow_up_needed, source=row.source))
    return {**row._mapping, "duplicate": not written}


def log_batch(db, payload, clock, scope):
    items = load(contract.ContactBatchSchema(), payload)["items"]
    schema = contract.ContactCreateSchema()  # one per batch: building a schema costs more than loading an item
    return each_item(items, lambda item: {"contact": log(db, load(schema, item), clock, scope)},
                     status_of=lambda answered: 200 if answered["contact"]["duplicate"] else 201)


def list_contacts(db, query, clock, scope):
    """The log, latest first; ``member_id`` gives one member's whole record of contacts."""
    where = []
    if query.get("from_"):
        where.append(contacts.c.occurred_at >= clock.start_of(query["from_"]))
    if query.get("to"):
        where.append(contacts.c.occurred_at < clock.start_of(query["to"] + timedelta(days=1)))
    return usecases.listed(db, contacts, query, scope, (contacts.c.occurred_at.desc(), contacts.c.id),
                           equal=("channel", "follow_up_needed"), where=where)
