"""Talks (行前提醒谈话): a departure opens one, the branch records it as held, and
the branch's open and overdue talks are listed. Rules: ``domain.talks``."""
from sqlalchemy import select, update

from contracts.education import TALK_METHODS, TALK_STATES
from contracts.errors import ErrorCode, RuleViolation
from services.common.clock import new_id
from services.education import usecases
from services.education.domain import talks as rules
from services.education.domain.events import TalkCompleted, TalkLapsed, TalkOpened
from services.education.models import talks


def due_days(config):
    return int(config.get("TALK_DUE_DAYS") or rules.DEFAULT_DUE_DAYS)


def open_for_departure(db, absence, clock, config):
    """The talk a departure opens, once per departure; none when the member is home already (the
    return arrived first). Answers the talk's id, or None."""
    if absence is None or not rules.opens_for(absence.departed_on, absence.returned_on):
        return None
    kept = db.session.execute(select(talks.c.id).where(talks.c.departure_id == absence.departure_id)).scalar()
    if kept is not None:
        return kept
    reported_on = absence.reported_on or absence.departed_on
    due = rules.due(absence.departed_on, reported_on, due_days(config))
    talk_id = new_id()
    db.session.execute(talks.insert().values(
        id=talk_id, member_id=absence.member_id, organisation_id=absence.organisation_id,
        departure_id=absence.departure_id, departed_on=absence.departed_on, reported_on=reported_on,
        due_on=due.due_on, late_report=due.late_report, state=rules.OPEN, opened_at=clock.now(),
    ))
    db.add_event(TalkOpened(
        talk_id=talk_id, member_id=absence.member_id, organisation_id=absence.organisation_id,
        departure_id=absence.departure_id, departed_on=absence.departed_on, due_on=due.due_on,
        late_report=due.late_report,
    ))
    return talk_id


def lapse_on_return(db, absence):
    """The member came home: the departure's talk, if still open, lapses (once; a repeat finds it lapsed)."""
    if absence is None or absence.returned_on is None:
        return
    talk = db.session.execute(select(talks).where(talks.c.departure_id == absence.departure_id)).first()
    if talk is None or not rules.lapses_on_return(talk.state):
        return
    db.session.execute(update(talks).where(talks.c.id == talk.id).values(state=rules.LAPSED))
    db.add_event(TalkLapsed(talk_id=talk.id, member_id=talk.member_id, organisation_id=talk.organisation_id,
                            returned_on=absence.returned_on))


def _visible_talk(db, talk_id, scope):
    row = db.session.execute(select(talks).where(talks.c.id == str(talk_id))).first()
    if row is None or not usecases.sees_member_of(db, scope, row.member_id, row.organisation_id):
        raise RuleViolation(ErrorCode.TALK_NOT_FOUND, f"talk {talk_id} not found")
    return row


def get_talk(db, talk_id, clock, scope):
    return view(_visible_talk(db, talk_id, scope), clock.today())


def complete_talk(db, talk_id, command, clock, scope):
    row = _visible_talk(db, talk_id, scope)
    rules.check_completion(row.state, command["held_on"], clock.today())
    db.session.execute(update(talks).where(talks.c.id == row.id).values(
        state=rules.COMPLETED, held_on=command["held_on"], held_by=command["held_by"], method=command["method"],
        study_plan=command["study_plan"], reporting_rhythm=command["reporting_rhythm"], notes=command.get("notes"),
        recorded_by=scope.principal, completed_at=clock.now(),
    ))
    db.add_event(TalkCompleted(
        talk_id=row.id, member_id=row.member_id, organisation_id=row.organisation_id, held_on=command["held_on"],
        held_by=command["held_by"], method=command["method"], overdue=command["held_on"] > row.due_on,
    ))
    return get_talk(db, row.id, clock, scope)


def list_talks(db, query, clock, scope):
    today = clock.today()
    statement = select(talks).where(usecases.scope_clause(db, scope, talks.c.organisation_id, talks.c.member_id))
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)
        statement = statement.where(usecases.within(db, query["organisation_id"], talks.c.organisation_id))
    if query.get("member_id"):
        statement = statement.where(talks.c.member_id == str(query["member_id"]))
    if query.get("state"):
        statement = statement.where(talks.c.state == query["state"])
    if query.get("overdue") is True:
        statement = statement.where(talks.c.state == rules.OPEN, talks.c.due_on < today)
    elif query.get("overdue") is False:
        statement = statement.where((talks.c.state != rules.OPEN) | (talks.c.due_on >= today))
    return usecases.paged(db, statement, query, (talks.c.due_on, talks.c.id), lambda row: view(row, today))


def view(row, today):
    talk = dict(row._mapping)
    overdue = (rules.overdue(row.state, row.due_on, today) if row.state == rules.OPEN
               else row.held_on is not None and row.held_on > row.due_on)
    return {**talk, "overdue": overdue, "state_label": TALK_STATES[row.state],
            "method_label": TALK_METHODS.get(row.method) if row.method else None}
