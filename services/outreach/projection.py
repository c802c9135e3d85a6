"""Outreach's projection of roster's members and returns, and of scoring's grades.

Outreach never reads another service's database and never asks where a member
belongs. Events may come twice (the inbox stops the second) and in any order,
so every write is an upsert: a status only replaces one at least as old
(the kernel's ``member_projection``), a return is one row per departure.
"""
from sqlalchemy import select

from services.common import member_projection as shared
from services.outreach.models import grades, homecomings, members


def ensure_member(session, member_id, organisation_id, now, status="normal"):
    return shared.ensure_member(session, members, member_id, organisation_id, now, status)


def member_registered(session, event, now):
    data = event["data"]
    ensure_member(session, str(data["member_id"]), str(data["organisation_id"]), now)


def member_departed(session, event, now):
    data = event["data"]
    ensure_member(session, str(data["member_id"]), str(data["organisation_id"]), now, status="away")


def member_status_changed(session, event, now):
    shared.member_status_changed(session, members, event, now)


def member_transferred(session, event, now):
    shared.member_transferred(session, members, event, now)


def member_returned(session, event, now):
    """The member's row, and the return once; True when this return is new here."""
    data = event["data"]
    member_id, departure_id = str(data["member_id"]), str(data["departure_id"])
    ensure_member(session, member_id, str(data["organisation_id"]), now)
    known = session.execute(select(homecomings.c.departure_id).where(
        homecomings.c.departure_id == departure_id)).first()
    if known is not None:
        return False
    session.execute(homecomings.insert().values(
        departure_id=departure_id, member_id=member_id, departed_on=data.get("departed_on"),
        returned_on=data["returned_on"], event_id=str(event["event_id"])))
    return True


def member_graded(session, event, now):
    data = event["data"]
    member_id, year = str(data["member_id"]), int(data["year"])
    ensure_member(session, member_id, str(data["organisation_id"]), now)
    if session.execute(select(grades.c.grade).where(grades.c.member_id == member_id,
                                                    grades.c.year == year)).first() is None:
        session.execute(grades.insert().values(member_id=member_id, year=year, grade=data["grade"]))


def latest_grade(session, member_id):
    row = session.execute(select(grades.c.year, grades.c.grade).where(grades.c.member_id == member_id)
                          .order_by(grades.c.year.desc()).limit(1)).first()
    return (None, None) if row is None else (row.year, row.grade)
