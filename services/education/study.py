"""While away: organisational-life sessions (the monthly fixed activity day, 三会一课,
online or offline) with their attendance, and each member's study records (online
minutes, or attested offline study). Rules: ``domain.participation`` for who a
session expects; ``domain.trainings.check_not_future`` for days."""
from sqlalchemy import select, update

from contracts.education import ATTENDANCE_STATUSES, SESSION_KINDS
from contracts.errors import ErrorCode, RuleViolation
from services.common.clock import new_id
from services.education import usecases
from services.education.domain.events import (
    SessionAttended,
    StudyRecorded,
    StudySessionHeld,
)
from services.education.domain.trainings import check_not_future
from services.education.models import (
    materials,
    members,
    session_attendance,
    study_records,
    study_sessions,
)

# ---- sessions -------------------------------------------------------------------------

def create_session(db, command, clock, scope):
    usecases.visible_organisation(db, command["organisation_id"], scope)
    check_not_future(command["held_on"], clock.today(), "held_on")
    session = {"id": new_id(), "organisation_id": str(command["organisation_id"]), "kind": command["kind"],
               "held_on": command["held_on"], "mode": command["mode"], "topic": command["topic"],
               "created_by": scope.principal, "created_at": clock.now()}
    db.session.execute(study_sessions.insert().values(**session))
    db.add_event(StudySessionHeld(session_id=session["id"], organisation_id=session["organisation_id"],
                                  kind=session["kind"], held_on=session["held_on"], mode=session["mode"]))
    return session_view(session)


def session_view(session):
    return {**session, "kind_label": SESSION_KINDS[session["kind"]]}


def _registered_self(scope):
    """The sessions whose register names the caller, as a member (none for a caller who is no member)."""
    return select(session_attendance.c.session_id).where(session_attendance.c.member_id == (scope.member_id or ""))


def _sees_holder(db, scope, row):
    return usecases.sees_organisation(db, scope, row.organisation_id)


def _visible_session(db, session_id, scope):
    """A session held in the caller's organisations, or one whose register names the caller as a member."""
    row = db.session.execute(select(study_sessions).where(study_sessions.c.id == str(session_id))).first()
    if row is None or not (_sees_holder(db, scope, row) or db.session.execute(
            _registered_self(scope).where(session_attendance.c.session_id == row.id)).first()):
        raise RuleViolation(ErrorCode.STUDY_SESSION_NOT_FOUND, f"session {session_id} not found")
    return row


def list_sessions(db, query, scope):
    statement = select(study_sessions).where(usecases.scope_clause(db, scope, study_sessions.c.organisation_id)
                                             | study_sessions.c.id.in_(_registered_self(scope)))
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)
        statement = statement.where(usecases.within(db, query["organisation_id"], study_sessions.c.organisation_id))
    if query.get("from_"):
        statement = statement.where(study_sessions.c.held_on >= query["from_"])
    if query.get("to"):
        statement = statement.where(study_sessions.c.held_on <= query["to"])
    if query.get("kind"):
        statement = statement.where(study_sessions.c.kind == query["kind"])
    return usecases.paged(db, statement, query, (study_sessions.c.held_on.desc(), study_sessions.c.id),
                          lambda row: session_view(dict(row._mapping)))


def record_attendance(db, session_id, command, clock, scope):
    """The session's register; each entry that changes is announced as session_attended."""
    session = _visible_session(db, session_id, scope)
    entries = {str(item["member_id"]): item for item in command["items"]}
    known = dict(db.session.execute(select(members.c.member_id, members.c.organisation_id)
                                    .where(members.c.member_id.in_(sorted(entries)))).all())
    strangers = sorted(set(entries) - set(known))
    if strangers:
        raise RuleViolation(ErrorCode.UNKNOWN_REFERENCE, "the register names members not on the roll",
                            {"items": {"member_id": strangers}})
    kept = {row.member_id: (row.status, row.mode) for row in db.session.execute(
        select(session_attendance).where(session_attendance.c.session_id == session.id)).all()}
    for member_id, item in entries.items():
        mode = item.get("mode") or ("online" if session.mode == "online" else "offline")
        if kept.get(member_id) == (item["status"], mode):
            continue
        values = {"status": item["status"], "mode": mode, "recorded_by": scope.principal, "recorded_at": clock.now()}
        if member_id in kept:
            db.session.execute(update(session_attendance).where(
                session_attendance.c.session_id == session.id, session_attendance.c.member_id == member_id)
                .values(**values))
        else:
            db.session.execute(session_attendance.insert().values(session_id=session.id, member_id=member_id, **values))
        db.add_event(SessionAttended(session_id=session.id, member_id=member_id, organisation_id=known[member_id],
                                     held_on=session.held_on, status=item["status"], mode=mode))
    return attendance(db, session.id, scope)


def attendance(db, session_id, scope):
    session = _visible_session(db, session_id, scope)
    own_only = () if _sees_holder(db, scope, session) else (session_attendance.c.member_id == scope.member_id,)
    rows = db.session.execute(select(session_attendance).where(session_attendance.c.session_id == session.id, *own_only)
                              .order_by(session_attendance.c.member_id)).all()
    return {"items": [{**row._mapping, "status_label": ATTENDANCE_STATUSES[row.status]} for row in rows]}


# ---- study records ------------------------------------------------------------------------

def record_study(db, command, clock, scope):
    member = usecases.visible_member(db, command["member_id"], scope, field="member_id")
    check_not_future(command["studied_on"], clock.today(), "studied_on")
    material_id = str(command["material_id"]) if command.get("material_id") else None
    if material_id and db.session.execute(select(materials.c.id).where(materials.c.id == material_id)).first() is None:
        raise RuleViolation(ErrorCode.UNKNOWN_REFERENCE, "material_id names no material",
                            {"material_id": ["no such material"]})
    record = {"id": new_id(), "member_id": member.member_id, "organisation_id": member.organisation_id,
              "studied_on": command["studied_on"], "kind": command["kind"], "channel": command["channel"],
              "minutes": command.get("minutes"), "material_id": material_id,
              "attested_by": command.get("attested_by"), "recorded_by": scope.principal, "created_at": clock.now()}
    db.session.execute(study_records.insert().values(**record))
    db.add_event(StudyRecorded(
        study_record_id=record["id"], member_id=record["member_id"], organisation_id=record["organisation_id"],
        studied_on=record["studied_on"], kind=record["kind"], channel=record["channel"], minutes=record["minutes"],
        material_id=material_id))
    return record


def list_study(db, query, scope):
    statement = select(study_records).where(
        usecases.scope_clause(db, scope, study_records.c.organisation_id, study_records.c.member_id))
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)
        statement = statement.where(usecases.within(db, query["organisation_id"], study_records.c.organisation_id))
    if query.get("member_id"):
        statement = statement.where(study_records.c.member_id == str(query["member_id"]))
    if query.get("from_"):
        statement = statement.where(study_records.c.studied_on >= query["from_"])
    if query.get("to"):
        statement = statement.where(study_records.c.studied_on <= query["to"])
    return usecases.paged(db, statement, query, (study_records.c.studied_on.desc(), study_records.c.id))
