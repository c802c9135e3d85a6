"""The projection of roster's members that every service following roster keeps (education, scoring).

Each such service has a ``members`` table of this shape in its own database
(:func:`members_table`) and folds roster's events into it in any order: a
member seen first through any event is created from that event's branch
(:func:`ensure_member`), and a status only replaces one at least as old
(:func:`member_status_changed`), and a receipt moves them (:func:`member_transferred`). What a service
adds on top (placements, absences) stays its own.
"""
from sqlalchemy import Column, Date, String, Table, select, update

from services.common.tables import UTCDateTime

ID = 36


def members_table(metadata):
    return Table(
        "members", metadata,
        Column("member_id", String(ID), primary_key=True),
        # The home branch now (member_registered, member_transferred).
        Column("organisation_id", String(ID), nullable=False, index=True),
        # roster's computed status (member_status_changed), and the day it took effect.
        Column("status", String(30), nullable=False),
        Column("status_effective_on", Date, nullable=True),
        # The day the member was on the roll from (joined_on, the registration, or a transfer in).
        Column("registered_on", Date, nullable=True),
        Column("updated_at", UTCDateTime(), nullable=False),
    )


def ensure_member(session, members, member_id, organisation_id, now, status="normal", registered_on=None):
    """The member's row, created from whichever event names them first; True when it was created now."""
    kept = session.execute(select(members.c.member_id).where(members.c.member_id == member_id)).first()
    if kept is not None:
        return False
    session.execute(members.insert().values(
        member_id=member_id, organisation_id=organisation_id, status=status, status_effective_on=None,
        registered_on=registered_on, updated_at=now))
    return True


def member_status_changed(session, members, event, now):
    """roster's status, kept only if at least as recent (``effective_on``) as the one held."""
    data = event["data"]
    member_id = str(data["member_id"])
    ensure_member(session, members, member_id, str(data["organisation_id"]), now, status=data["status"])
    kept = session.execute(select(members.c.status_effective_on).where(members.c.member_id == member_id)).scalar()
    if kept is None or data["effective_on"] >= kept:
        session.execute(update(members).where(members.c.member_id == member_id).values(
            status=data["status"], status_effective_on=data["effective_on"], updated_at=now))


def member_transferred(session, members, event, now):
    """A receipt moves the member to the receiving organisation (a transfer out of the county is a status,
    ``member_status_changed``); a service that keeps where a member was on each day (education's
    placements) keeps that beside it."""
    data = event["data"]
    if data["transferred_out"] or data.get("to_organisation_id") is None:
        return
    member_id, to_id = str(data["member_id"]), str(data["to_organisation_id"])
    ensure_member(session, members, member_id, to_id, now)
    session.execute(update(members).where(members.c.member_id == member_id).values(
        organisation_id=to_id, updated_at=now))
