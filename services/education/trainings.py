"""Trainings (归乡教育, 冬训, 轮训): a return enrols the member (or lets them wait
for one), trainings are opened with their sessions, registers are taken, and
the skills members gained are recorded. Rules: ``domain.trainings``."""
from sqlalchemy import func, select, update

from contracts.education import ATTENDANCE_STATUSES, TRAINING_KINDS
from contracts.errors import ErrorCode, RuleViolation
from services.common.clock import new_id
from services.education import usecases
from services.education.domain import trainings as rules
from services.education.domain.events import (
    EnrolmentDeferred,
    SkillAcquired,
    TechnicalLeaderRecorded,
    TrainingAttended,
    TrainingEnrolled,
    TrainingOpened,
)
from services.education.models import (
    enrolment_waits,
    enrolments,
    members,
    skills,
    technical_leaders,
    training_attendance,
    training_sessions,
    trainings,
)

# ---- enrolment on return ------------------------------------------------------------

def _enrolled_count(db, training_id):
    return db.session.execute(
        select(func.count()).select_from(enrolments).where(enrolments.c.training_id == training_id)).scalar()


def _candidates(db, organisation_id):
    line = usecases.line_of(db, organisation_id)
    depth = {node_id: n for n, node_id in enumerate(line)}
    counts = (select(enrolments.c.training_id, func.count().label("enrolled"))
              .group_by(enrolments.c.training_id).subquery())
    rows = db.session.execute(
        select(trainings, func.coalesce(counts.c.enrolled, 0).label("enrolled"))
        .outerjoin(counts, counts.c.training_id == trainings.c.id)
        .where(trainings.c.organisation_id.in_(line))
    ).all()
    return [rules.Candidate(training_id=row.id, kind=row.kind, starts_on=row.starts_on, ends_on=row.ends_on,
                            capacity=row.capacity, enrolled=row.enrolled, depth=depth[row.organisation_id])
            for row in rows]


def enrol_returned_member(db, absence, clock):
    """A member came home: enrolled in the training the rules choose, or waiting for one. Once per
    absence (its departure id), whatever order roster's events arrive in."""
    if absence is None or absence.returned_on is None:
        return None
    departure_id = absence.departure_id
    if db.session.execute(select(enrolments.c.id).where(enrolments.c.departure_id == departure_id)).first() \
            or db.session.execute(select(enrolment_waits.c.departure_id)
                                  .where(enrolment_waits.c.departure_id == departure_id)).first():
        return None
    chosen = rules.choose_training(_candidates(db, absence.organisation_id), absence.returned_on, clock.today())
    if chosen is None:
        db.session.execute(enrolment_waits.insert().values(
            departure_id=departure_id, member_id=absence.member_id, organisation_id=absence.organisation_id,
            returned_on=absence.returned_on))
        db.add_event(EnrolmentDeferred(member_id=absence.member_id, organisation_id=absence.organisation_id,
                                       departure_id=departure_id, returned_on=absence.returned_on))
        return None
    already = db.session.execute(select(enrolments.c.id).where(
        enrolments.c.training_id == chosen.training_id, enrolments.c.member_id == absence.member_id)).scalar()
    if already is not None:  # enrolled by hand before the return arrived: that enrolment stands
        return already
    return _enrol(db, chosen.training_id, chosen.kind, absence.member_id, absence.organisation_id, clock,
                  rules.ON_RETURN, departure_id)


def _enrol(db, training_id, kind, member_id, organisation_id, clock, cause, departure_id=None):
    enrolment_id = new_id()
    db.session.execute(enrolments.insert().values(
        id=enrolment_id, training_id=training_id, member_id=member_id, organisation_id=organisation_id,
        cause=cause, departure_id=departure_id, enrolled_at=clock.now()))
    db.add_event(TrainingEnrolled(
        enrolment_id=enrolment_id, training_id=training_id, member_id=member_id, organisation_id=organisation_id,
        training_kind=kind, cause=cause, departure_id=departure_id))
    return enrolment_id


def _enrol_waiting_members(db, training, clock):
    """A new training takes the members of its subtree who came home and are waiting, earliest first."""
    today = clock.today()
    waits = db.session.execute(
        select(enrolment_waits).where(
            enrolment_waits.c.enrolment_id.is_(None),
            usecases.within(db, training["organisation_id"], enrolment_waits.c.organisation_id))
        .order_by(enrolment_waits.c.returned_on, enrolment_waits.c.departure_id)
    ).all()
    room = training["capacity"]
    for wait in waits:
        if room == 0:
            break
        if not rules.waiting_member_fits(training["ends_on"], wait.returned_on, today):
            continue
        enrolment_id = _enrol(db, training["id"], training["kind"], wait.member_id, wait.organisation_id, clock,
                              rules.ON_RETURN, wait.departure_id)
        db.session.execute(update(enrolment_waits).where(enrolment_waits.c.departure_id == wait.departure_id)
                           .values(enrolment_id=enrolment_id))
        room -= 1


# ---- trainings ---------------------------------------------------------------------

def create_training(db, command, clock, scope):
    usecases.visible_organisation(db, command["organisation_id"], scope)
    training = {
        "id": new_id(), "organisation_id": str(command["organisation_id"]), "kind": command["kind"],
        "title": command["title"], "starts_on": command["starts_on"], "ends_on": command["ends_on"],
        "capacity": command["capacity"], "created_by": scope.principal, "created_at": clock.now(),
    }
    db.session.execute(trainings.insert().values(**training))
    db.add_event(TrainingOpened(
        training_id=training["id"], organisation_id=training["organisation_id"], kind=training["kind"],
        starts_on=training["starts_on"], ends_on=training["ends_on"], capacity=training["capacity"]))
    _enrol_waiting_members(db, training, clock)
    return get_training(db, training["id"], scope)


def _enrolled_self(scope):
    """The trainings the caller is enrolled in, as a member (none for a caller who is no member)."""
    return select(enrolments.c.training_id).where(enrolments.c.member_id == (scope.member_id or ""))


def _visible_training(db, training_id, scope):
    """A training run in the caller's organisations, or one the caller is enrolled in as a member."""
    row = db.session.execute(select(trainings).where(trainings.c.id == str(training_id))).first()
    if row is None or not (usecases.sees_organisation(db, scope, row.organisation_id) or db.session.execute(
            _enrolled_self(scope).where(enrolments.c.training_id == row.id)).first()):
        raise RuleViolation(ErrorCode.TRAINING_NOT_FOUND, f"training {training_id} not found")
    return row


def _own_rows_only(db, scope, training, member_column):
    """A clause: all of a training's rows for those who see its organisation; a member enrolled in it
    sees their own rows only."""
    if usecases.sees_organisation(db, scope, training.organisation_id):
        return member_column.is_not(None)
    return member_column == scope.member_id


def _counts(db, column, training_ids):
    """{training id: rows of ``column``'s table} for the trainings, in one grouped query."""
    return dict(db.session.execute(select(column, func.count()).where(column.in_(training_ids)).group_by(column)).all())


def _training_views(db, rows):
    ids = [row.id for row in rows]
    enrolled, sessions = _counts(db, enrolments.c.training_id, ids), _counts(db, training_sessions.c.training_id, ids)
    return [{**row._mapping, "kind_label": TRAINING_KINDS[row.kind], "enrolled": enrolled.get(row.id, 0),
             "sessions": sessions.get(row.id, 0)} for row in rows]


def get_training(db, training_id, scope):
    return _training_views(db, [_visible_training(db, training_id, scope)])[0]


def list_trainings(db, query, scope):
    statement = select(trainings).where(usecases.scope_clause(db, scope, trainings.c.organisation_id)
                                        | trainings.c.id.in_(_enrolled_self(scope)))
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)
        statement = statement.where(usecases.within(db, query["organisation_id"], trainings.c.organisation_id))
    if query.get("kind"):
        statement = statement.where(trainings.c.kind == query["kind"])
    if query.get("open_on"):
        statement = statement.where(trainings.c.starts_on <= query["open_on"], trainings.c.ends_on >= query["open_on"])
    rows, total = usecases.page(db, statement, query, (trainings.c.starts_on.desc(), trainings.c.id))
    return {"items": _training_views(db, rows), "total": total,
            "page": query.get("page", 1), "per_page": query.get("per_page", 20)}


# ---- enrolments -----------------------------------------------------------------------

def enrol_member(db, training_id, command, clock, scope):
    training = _visible_training(db, training_id, scope)
    member = usecases.visible_member(db, command["member_id"], scope, field="member_id")
    already = db.session.execute(select(enrolments.c.id).where(
        enrolments.c.training_id == training.id, enrolments.c.member_id == member.member_id)).first()
    rules.check_enrolment(training.capacity, _enrolled_count(db, training.id), already is not None)
    enrolment_id = _enrol(db, training.id, training.kind, member.member_id, member.organisation_id, clock,
                          rules.MANUAL)
    return dict(db.session.execute(select(enrolments).where(enrolments.c.id == enrolment_id)).one()._mapping)


def list_enrolments(db, training_id, query, scope):
    training = _visible_training(db, training_id, scope)
    statement = select(enrolments).where(enrolments.c.training_id == training.id,
                                         _own_rows_only(db, scope, training, enrolments.c.member_id))
    return usecases.paged(db, statement, query, (enrolments.c.enrolled_at, enrolments.c.id))


# ---- sessions and their registers ---------------------------------------------------------

def add_session(db, training_id, command, clock, scope):
    training = _visible_training(db, training_id, scope)
    rules.check_session_day(command["held_on"], training.starts_on, training.ends_on)
    session = {"id": new_id(), "training_id": training.id, "held_on": command["held_on"], "topic": command["topic"],
               "created_at": clock.now()}
    db.session.execute(training_sessions.insert().values(**session))
    return session


def list_sessions(db, training_id, scope):
    training = _visible_training(db, training_id, scope)
    rows = db.session.execute(select(training_sessions).where(training_sessions.c.training_id == training.id)
                              .order_by(training_sessions.c.held_on, training_sessions.c.id)).all()
    return {"items": [dict(row._mapping) for row in rows]}


def _visible_session(db, training_id, session_id, scope):
    training = _visible_training(db, training_id, scope)
    session = db.session.execute(select(training_sessions).where(
        training_sessions.c.id == str(session_id), training_sessions.c.training_id == training.id)).first()
    if session is None:
        raise RuleViolation(ErrorCode.TRAINING_SESSION_NOT_FOUND, f"session {session_id} not found in this training")
    return training, session


def record_attendance(db, training_id, session_id, command, clock, scope):
    """The session's register: each entry recorded (or corrected) and announced as training_attended."""
    training, session = _visible_session(db, training_id, session_id, scope)
    entries = {str(item["member_id"]): item["status"] for item in command["items"]}
    enrolled = dict(db.session.execute(select(enrolments.c.member_id, enrolments.c.organisation_id)
                                       .where(enrolments.c.training_id == training.id)).all())
    rules.check_register(session.held_on, clock.today(), entries, enrolled)
    kept = dict(db.session.execute(select(training_attendance.c.member_id, training_attendance.c.status).where(
        training_attendance.c.training_session_id == session.id)).all())
    for member_id, status in entries.items():
        if kept.get(member_id) == status:
            continue  # recorded already as it stands: no second effect
        values = {"status": status, "recorded_by": scope.principal, "recorded_at": clock.now()}
        if member_id in kept:
            db.session.execute(update(training_attendance).where(
                training_attendance.c.training_session_id == session.id,
                training_attendance.c.member_id == member_id).values(**values))
        else:
            db.session.execute(training_attendance.insert().values(
                training_session_id=session.id, member_id=member_id, training_id=training.id, **values))
        db.add_event(TrainingAttended(
            training_id=training.id, training_session_id=session.id, member_id=member_id,
            organisation_id=enrolled[member_id], held_on=session.held_on, status=status))
    return attendance(db, training_id, session_id, scope)


def attendance(db, training_id, session_id, scope):
    training, session = _visible_session(db, training_id, session_id, scope)
    rows = db.session.execute(select(training_attendance).where(
        training_attendance.c.training_session_id == session.id,
        _own_rows_only(db, scope, training, training_attendance.c.member_id),
    ).order_by(training_attendance.c.member_id)).all()
    return {"items": [{**row._mapping, "status_label": ATTENDANCE_STATUSES[row.status]} for row in rows]}


# ---- skills -------------------------------------------------------------------------------

def record_skill(db, training_id, command, clock, scope):
    training = _visible_training(db, training_id, scope)
    member_id = str(command["member_id"])
    enrolled = db.session.execute(select(enrolments.c.organisation_id).where(
        enrolments.c.training_id == training.id, enrolments.c.member_id == member_id)).scalar()
    if enrolled is None:
        raise RuleViolation(ErrorCode.NOT_ENROLLED, "the member is not enrolled in this training",
                            {"member_id": ["not enrolled"]})
    rules.check_not_future(command["acquired_on"], clock.today(), "acquired_on")
    organisation_id = db.session.execute(select(members.c.organisation_id).where(
        members.c.member_id == member_id)).scalar() or enrolled
    skill = {"id": new_id(), "member_id": member_id, "organisation_id": organisation_id, "training_id": training.id,
             "skill": command["skill"], "acquired_on": command["acquired_on"], "recorded_by": scope.principal,
             "created_at": clock.now()}
    db.session.execute(skills.insert().values(**skill))
    db.add_event(SkillAcquired(skill_id=skill["id"], member_id=member_id, organisation_id=organisation_id,
                               training_id=training.id, skill=command["skill"], acquired_on=command["acquired_on"]))
    return skill


# ---- technical leaders (技术能手, 致富带头人) -------------------------------------------------

def record_technical_leader(db, command, clock, scope):
    member = usecases.visible_member(db, command["member_id"], scope, field="member_id")
    rules.check_not_future(command["recognised_on"], clock.today(), "recognised_on")
    if db.session.execute(select(technical_leaders.c.id).where(
            technical_leaders.c.member_id == member.member_id, technical_leaders.c.field == command["field"])).first():
        raise RuleViolation(ErrorCode.ALREADY_RECORDED, "the member is recorded as a technical leader in this field",
                            {"field": ["already recorded for this member"]})
    leader = {"id": new_id(), "member_id": member.member_id, "organisation_id": member.organisation_id,
              "field": command["field"], "recognised_on": command["recognised_on"], "recorded_by": scope.principal,
              "created_at": clock.now()}
    db.session.execute(technical_leaders.insert().values(**leader))
    db.add_event(TechnicalLeaderRecorded(member_id=member.member_id, organisation_id=member.organisation_id,
                                         field=command["field"], recognised_on=command["recognised_on"]))
    return leader


def list_technical_leaders(db, query, scope):
    statement = select(technical_leaders).where(
        usecases.scope_clause(db, scope, technical_leaders.c.organisation_id, technical_leaders.c.member_id))
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)
        statement = statement.where(usecases.within(db, query["organisation_id"], technical_leaders.c.organisation_id))
    return usecases.paged(db, statement, query,
                          (technical_leaders.c.recognised_on.desc(), technical_leaders.c.id))
