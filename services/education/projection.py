"""Education's projection of roster's members, kept from roster's events.

Education never reads roster's database and never calls roster to learn where a
member belongs: each handler folds one event into ``members``, ``placements``
and ``absences``. Events may arrive more than once (the inbox stops the second)
and in any order, so every write here is an upsert that keeps what a later
fact already said:

- an absence is keyed by its departure id: a return that arrives before its
  departure creates the row with ``returned_on``; the departure fills its own
  fields later and finds the member already home;
- a status is kept only if it is at least as recent (``effective_on``) as the
  one held;
- a member first seen through any event is created from that event's branch.

Each function returns what the use cases that follow need (the absence as it
now stands), so the service can open a talk or enrol the member in the same
transaction.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update

from services.common import member_projection as shared
from services.education.models import absences, members, placements


@dataclass(frozen=True)
class Absence:
    departure_id: str
    member_id: str
    organisation_id: str
    departed_on: date | None
    reported_on: date | None
    returned_on: date | None
    host_organisation_id: str | None

    @property
    def is_open(self):
        return self.returned_on is None


def _absence(session, departure_id):
    row = session.execute(select(absences).where(absences.c.departure_id == departure_id)).first()
    if row is None:
        return None
    return Absence(**{name: row._mapping[name] for name in Absence.__dataclass_fields__})


def _ensure_member(session, member_id, organisation_id, now, status="normal", registered_on=None):
    return shared.ensure_member(session, members, member_id, organisation_id, now, status, registered_on)


def member_registered(session, event, today, now):
    """The member on the roll of their branch from the day they joined the Party (``joined_on``, when the
    event carries it: a member entered on the platform today has been on the branch's roll for years), else
    from the day of the registration."""
    data = event["data"]
    member_id, organisation_id = str(data["member_id"]), str(data["organisation_id"])
    on_roll_from = data.get("joined_on") or today
    if not _ensure_member(session, member_id, organisation_id, now, registered_on=on_roll_from):
        # Seen first through a later event: registration tells the day the member joined the roll.
        session.execute(update(members).where(members.c.member_id == member_id).values(
            registered_on=on_roll_from, updated_at=now))
    session.execute(placements.insert().values(
        event_id=str(event["event_id"]), member_id=member_id, organisation_id=organisation_id,
        from_date=on_roll_from))


def member_departed(session, event, reported_on, now):
    """The absence with the departure's fields; ``reported_on`` is the day roster recorded the report."""
    data = event["data"]
    member_id, organisation_id = str(data["member_id"]), str(data["organisation_id"])
    departure_id = str(data["departure_id"])
    _ensure_member(session, member_id, organisation_id, now, status="away")
    values = dict(departed_on=data["departed_on"], reported_on=reported_on, organisation_id=organisation_id)
    if _absence(session, departure_id) is None:
        session.execute(absences.insert().values(departure_id=departure_id, member_id=member_id, **values))
    else:
        session.execute(update(absences).where(absences.c.departure_id == departure_id).values(**values))
    return _absence(session, departure_id)


def member_returned(session, event, now):
    data = event["data"]
    member_id, organisation_id = str(data["member_id"]), str(data["organisation_id"])
    departure_id = str(data["departure_id"])
    _ensure_member(session, member_id, organisation_id, now)
    if _absence(session, departure_id) is None:
        session.execute(absences.insert().values(
            departure_id=departure_id, member_id=member_id, organisation_id=organisation_id,
            departed_on=data.get("departed_on"), reported_on=None, returned_on=data["returned_on"]))
    else:
        session.execute(update(absences).where(absences.c.departure_id == departure_id).values(
            returned_on=data["returned_on"]))
    return _absence(session, departure_id)


def member_checked_in(session, event, now):
    data = event["data"]
    departure_id = str(data["departure_id"])
    host = str(data["host_organisation_id"]) if data.get("host_organisation_id") else None
    if _absence(session, departure_id) is None:
        _ensure_member(session, str(data["member_id"]), str(data["organisation_id"]), now, status="away")
        session.execute(absences.insert().values(
            departure_id=departure_id, member_id=str(data["member_id"]), organisation_id=str(data["organisation_id"]),
            departed_on=None, reported_on=None, returned_on=None))
    session.execute(update(absences).where(absences.c.departure_id == departure_id).values(
        host_organisation_id=host, checked_in_on=data["checked_in_on"]))


def member_status_changed(session, event, now):
    shared.member_status_changed(session, members, event, now)


def member_transferred(session, event, now):
    """A receipt moves the member to the receiving organisation from the day it was received."""
    data = event["data"]
    if data["transferred_out"] or data.get("to_organisation_id") is None:
        return  # the status event (transferred_out) says the rest
    member_id, to_id = str(data["member_id"]), str(data["to_organisation_id"])
    _ensure_member(session, member_id, to_id, now)
    session.execute(placements.insert().values(
        event_id=str(event["event_id"]), member_id=member_id, organisation_id=to_id, from_date=data["received_on"]))
    latest = session.execute(
        select(placements.c.organisation_id).where(placements.c.member_id == member_id)
        .order_by(placements.c.from_date.desc()).limit(1)
    ).scalar()
    session.execute(update(members).where(members.c.member_id == member_id).values(
        organisation_id=latest, updated_at=now))
