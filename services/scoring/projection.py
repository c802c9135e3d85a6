"""Scoring's projection of roster's members and departures, kept from roster's events.

Scoring never reads roster's database and never asks roster where a member
belongs. Events may come twice (the inbox stops the second) and in any order,
so every write is an upsert that keeps what a later fact already said: a
status only replaces one at least as old; a departure and its check-in meet in
one ``absences`` row whichever arrives first.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update

from services.common import member_projection as shared
from services.scoring.models import absences, members


@dataclass(frozen=True)
class Absence:
    departure_id: str
    member_id: str
    departed_on: date | None
    check_in_event_id: str | None
    checked_in_on: date | None
    check_in_organisation_id: str | None


def ensure_member(session, member_id, organisation_id, now, status="normal", registered_on=None):
    return shared.ensure_member(session, members, member_id, organisation_id, now, status, registered_on)


def member_registered(session, event, today, now):
    """On the roll from the day they joined the Party (``joined_on``), else from the registration."""
    data = event["data"]
    member_id = str(data["member_id"])
    on_roll_from = data.get("joined_on") or today
    ensure_member(session, member_id, str(data["organisation_id"]), now, registered_on=on_roll_from)
    session.execute(update(members).where(members.c.member_id == member_id).values(
        registered_on=on_roll_from, updated_at=now))


def member_status_changed(session, event, now):
    shared.member_status_changed(session, members, event, now)


def member_transferred(session, event, now):
    shared.member_transferred(session, members, event, now)


def _absence(session, departure_id):
    row = session.execute(select(absences).where(absences.c.departure_id == departure_id)).first()
    return None if row is None else Absence(**{name: row._mapping[name] for name in Absence.__dataclass_fields__})


def member_departed(session, event, now):
    data = event["data"]
    member_id, departure_id = str(data["member_id"]), str(data["departure_id"])
    ensure_member(session, member_id, str(data["organisation_id"]), now, status="away")
    if _absence(session, departure_id) is None:
        session.execute(absences.insert().values(
            departure_id=departure_id, member_id=member_id, departed_on=data["departed_on"]))
    else:
        session.execute(update(absences).where(absences.c.departure_id == departure_id).values(
            departed_on=data["departed_on"]))
    return _absence(session, departure_id)


def member_checked_in(session, event, now):
    data = event["data"]
    member_id, departure_id = str(data["member_id"]), str(data["departure_id"])
    ensure_member(session, member_id, str(data["organisation_id"]), now, status="away")
    values = {"check_in_event_id": str(event["event_id"]), "checked_in_on": data["checked_in_on"],
              "check_in_organisation_id": str(data["organisation_id"])}
    if _absence(session, departure_id) is None:
        session.execute(absences.insert().values(departure_id=departure_id, member_id=member_id, **values))
    else:
        session.execute(update(absences).where(absences.c.departure_id == departure_id).values(**values))
    return _absence(session, departure_id)
