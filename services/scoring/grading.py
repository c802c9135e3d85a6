"""Year end: a grading run is asked for (``grading_run_requested``), then the
year is graded in one pass over the ledger when that event comes back to
scoring: one INSERT ... SELECT writes every member's grade, with no call to any
other service. Each grade emits ``member_graded`` and opens its follow-up
(``follow_up_opened``); a person closes it with what was done
(``follow_up_closed``). Rules: ``domain.grading``.
"""
from decimal import Decimal

from sqlalchemy import Numeric, and_, case, func, insert, literal, not_, select, update

from contracts.errors import ErrorCode, RuleViolation
from contracts.scoring import FOLLOW_UP_KINDS, GRADES
from services.common.clock import new_id
from services.scoring import usecases
from services.scoring.domain import grading as rules
from services.scoring.domain.events import (
    FollowUpClosed,
    FollowUpOpened,
    GradingRunCompleted,
    GradingRunRequested,
    MemberGraded,
)
from services.scoring.models import (
    follow_ups,
    grades,
    grading_runs,
    ledger_lines,
    members,
)

REQUESTED, COMPLETED = "requested", "completed"


def request_run(db, command, clock, scope):
    year = command["year"]
    rules.check_year(year, clock.today(), usecases.closed_years(db))
    usecases.rule_set_on(db, rules.year_end(year))  # no_rule_set: a year before the county's first rule set
    run_id = new_id()
    db.session.execute(grading_runs.insert().values(
        id=run_id, year=year, state=REQUESTED, requested_by=scope.principal, requested_at=clock.now()))
    db.add_event(GradingRunRequested(run_id=run_id, year=year))
    return get_run(db, run_id)


def get_run(db, run_id):
    row = db.session.execute(select(grading_runs).where(grading_runs.c.id == str(run_id))).first()
    if row is None:
        raise RuleViolation(ErrorCode.GRADING_RUN_NOT_FOUND, f"grading run {run_id} not found")
    return dict(row._mapping)


def list_runs(db, query):
    return usecases.paged(db, select(grading_runs), query, (grading_runs.c.year.desc(),))


def score_expression(rule_set, total):
    return literal(rule_set.starting_score, Numeric(7, 1)) + func.coalesce(total, 0)


def grade_expression(bands, score):
    return case((score >= bands.excellent, "excellent"), (score >= bands.qualified, "qualified"),
                (score >= bands.warned, "warned"), else_="unqualified")


def on_the_roll(year_end):
    """Members on the roll at some point of the year and not off it by its end."""
    return and_(
        members.c.registered_on.is_(None) | (members.c.registered_on <= year_end),
        not_(and_(members.c.status.in_(rules.OFF_THE_ROLL), members.c.status_effective_on.is_not(None),
                  members.c.status_effective_on <= year_end)),
    )


def yearly_totals(year):
    """Each member's points of the year (caps were applied as the lines were credited)."""
    return (select(ledger_lines.c.member_id, func.sum(ledger_lines.c.points).label("total"))
            .where(ledger_lines.c.year == year).group_by(ledger_lines.c.member_id).subquery())


def grade_year(db, run_id, clock):
    """Grade every member on the roll in the run's year, once (a second delivery finds the run completed)."""
    run = db.session.execute(select(grading_runs).where(grading_runs.c.id == str(run_id))).first()
    if run is None or run.state == COMPLETED:
        return
    year, year_end = run.year, rules.year_end(run.year)
    rule_set = usecases.rule_set_on(db, year_end)
    totals = yearly_totals(year)
    score = score_expression(rule_set, totals.c.total)
    graded = (select(literal(year), members.c.member_id, literal(run.id), members.c.organisation_id, score,
                     grade_expression(rule_set.bands, score))
              .select_from(members.outerjoin(totals, totals.c.member_id == members.c.member_id))
              .where(on_the_roll(year_end)))
    db.session.execute(insert(grades).from_select(
        ["year", "member_id", "run_id", "organisation_id", "score", "grade"], graded))
    today = clock.today()
    counts = dict.fromkeys(GRADES, 0)
    graded_events, opened, opened_events = [], [], []
    for row in db.session.execute(select(grades.c.member_id, grades.c.organisation_id, grades.c.score,
                                         grades.c.grade).where(grades.c.run_id == run.id)):
        counts[row.grade] += 1
        graded_events.append(MemberGraded(run_id=run.id, member_id=row.member_id, organisation_id=row.organisation_id,
                                          year=year, score=Decimal(row.score), grade=row.grade))
        due = rules.follow_up(row.grade, today, rule_set.follow_up_due_days)
        if due is not None:
            follow_up = {"id": new_id(), "member_id": row.member_id, "organisation_id": row.organisation_id,
                         "year": year, "grade": row.grade, "kind": due.kind, "opened_on": today,
                         "due_on": due.due_on, "state": rules.OPEN}
            opened.append(follow_up)
            opened_events.append(FollowUpOpened(
                follow_up_id=follow_up["id"], member_id=row.member_id, organisation_id=row.organisation_id,
                year=year, grade=row.grade, kind=due.kind, due_on=due.due_on))
    if opened:
        db.session.execute(insert(follow_ups), opened)
    # One event per member of the county: in bulk (the contract checks a sample; see add_events_in_bulk).
    db.add_events_in_bulk(graded_events)
    db.add_events_in_bulk(opened_events)
    db.session.execute(update(grading_runs).where(grading_runs.c.id == run.id).values(
        state=COMPLETED, completed_at=clock.now(), rule_set_id=rule_set.id, graded=sum(counts.values()), **counts))
    db.add_event(GradingRunCompleted(run_id=run.id, year=year, graded=sum(counts.values()), **counts))


# ---- grades ---------------------------------------------------------------------------------

def grade_view(row):
    return {**dict(row._mapping), "grade_label": GRADES[row.grade]}


def list_grades(db, query, scope):
    statement = select(grades).where(grades.c.year == query["year"],
                                     usecases.scope_clause(db, scope, grades.c.organisation_id, grades.c.member_id))
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)
        statement = statement.where(usecases.within(db, query["organisation_id"], grades.c.organisation_id))
    if query.get("member_id"):
        statement = statement.where(grades.c.member_id == str(query["member_id"]))
    if query.get("grade"):
        statement = statement.where(grades.c.grade == query["grade"])
    return usecases.paged(db, statement, query, (grades.c.score, grades.c.member_id), grade_view)


# ---- follow-ups ------------------------------------------------------------------------------

def follow_up_view(row, today):
    follow_up = dict(row._mapping)
    overdue = (row.state == rules.OPEN and row.due_on < today) or (
        row.closed_on is not None and row.closed_on > row.due_on)
    return {**follow_up, "overdue": overdue, "kind_label": FOLLOW_UP_KINDS[row.kind]}


def _visible_follow_up(db, follow_up_id, scope):
    row = db.session.execute(select(follow_ups).where(follow_ups.c.id == str(follow_up_id))).first()
    if row is None or not usecases.sees_member_of(db, scope, row.member_id, row.organisation_id):
        raise RuleViolation(ErrorCode.FOLLOW_UP_NOT_FOUND, f"follow-up {follow_up_id} not found")
    return row


def list_follow_ups(db, query, clock, scope):
    today = clock.today()
    statement = select(follow_ups).where(
        usecases.scope_clause(db, scope, follow_ups.c.organisation_id, follow_ups.c.member_id))
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)
        statement = statement.where(usecases.within(db, query["organisation_id"], follow_ups.c.organisation_id))
    for name in ("member_id", "year", "kind", "state"):
        if query.get(name) is not None:
            statement = statement.where(follow_ups.c[name] == str(query[name]) if name == "member_id"
                                        else follow_ups.c[name] == query[name])
    if query.get("overdue") is True:
        statement = statement.where(follow_ups.c.state == rules.OPEN, follow_ups.c.due_on < today)
    elif query.get("overdue") is False:
        statement = statement.where((follow_ups.c.state != rules.OPEN) | (follow_ups.c.due_on >= today))
    return usecases.paged(db, statement, query, (follow_ups.c.due_on, follow_ups.c.id),
                          lambda row: follow_up_view(row, today))


def close_follow_up(db, follow_up_id, command, clock, scope):
    row = _visible_follow_up(db, follow_up_id, scope)
    rules.check_closure(row.state, row.kind, command["outcome"], command["closed_on"], row.opened_on, clock.today())
    db.session.execute(update(follow_ups).where(follow_ups.c.id == row.id).values(
        state=rules.CLOSED, outcome=command["outcome"], closed_on=command["closed_on"],
        decided_by=command["decided_by"], rectify_by=command.get("rectify_by"), note=command.get("note"),
        recorded_by=scope.principal))
    db.add_event(FollowUpClosed(
        follow_up_id=row.id, member_id=row.member_id, organisation_id=row.organisation_id, year=row.year,
        kind=row.kind, outcome=command["outcome"], closed_on=command["closed_on"],
        overdue=command["closed_on"] > row.due_on))
    return follow_up_view(_visible_follow_up(db, row.id, scope), clock.today())
