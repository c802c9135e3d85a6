"""The ledger: one line per (source event, rule), credited under the rule set in
force on the day it happened, within the caps, never edited.

Every line emits ``points_credited``. A member's lines are credited one at a
time (the member's projection row is locked for the transaction), so two events
of one member handled at once cannot both take the last points under a cap.
"""
from decimal import Decimal

from sqlalchemy import func, select

from contracts.scoring import CATEGORIES, RULES
from services.common.clock import new_id
from services.scoring import projection, usecases
from services.scoring.domain import earning
from services.scoring.domain.events import PointsCredited
from services.scoring.domain.rules import ZERO, Credit, period_bounds
from services.scoring.models import ledger_lines, members

YEAR_CLOSED = "year_closed"


def credit(db, clock, *, member_id, organisation_id, rule, occurred_on, source_event_id, source_event_type,
           category=None, points=None, reason=None):
    """Credit ``rule`` for the member once per source event; answers the line's id, or None when the rule
    is worth nothing in the version in force that day. ``category`` and ``points`` come with a manual
    entry; every other rule takes them from the rule set."""
    existing = db.session.execute(select(ledger_lines.c.id).where(
        ledger_lines.c.source_event_id == str(source_event_id), ledger_lines.c.rule == rule)).scalar()
    if existing is not None:
        return existing
    rule_set = usecases.rule_set_on(db, occurred_on)
    period = period_cap = None
    if points is None:
        entry = rule_set.rule(rule)
        if entry is None or entry.points == 0:
            return None
        category, points, period, period_cap = entry.category, entry.points, entry.period, entry.period_cap
    # One line at a time per member (their row locked for the transaction): the caps read what is already there.
    locked = db.session.execute(
        select(members.c.member_id).where(members.c.member_id == str(member_id)).with_for_update()).first()
    if locked is None:
        projection.ensure_member(db.session, str(member_id), str(organisation_id), clock.now())
    year = occurred_on.year
    if year in usecases.closed_years(db):
        result = Credit(ZERO, Decimal(points), YEAR_CLOSED)
    else:
        in_period = ZERO
        if period is not None:
            first, last = period_bounds(period, occurred_on)
            in_period = _sum(db, ledger_lines.c.member_id == str(member_id), ledger_lines.c.rule == rule,
                             ledger_lines.c.occurred_on.between(first, last))
        in_category = _sum(db, ledger_lines.c.member_id == str(member_id), ledger_lines.c.year == year,
                           ledger_lines.c.category == category)
        result = rule_set.credit(category, Decimal(points), in_category, in_period, period_cap)
    line_id = new_id()
    source = RULES[rule][0]
    db.session.execute(ledger_lines.insert().values(
        id=line_id, member_id=str(member_id), organisation_id=str(organisation_id), year=year,
        occurred_on=occurred_on, category=category, rule=rule, points=result.points,
        rule_points=result.rule_points, capped_by=result.capped_by, source=source,
        source_event_id=str(source_event_id), source_event_type=source_event_type, rule_set_id=rule_set.id,
        reason=reason, credited_at=clock.now()))
    db.add_event(PointsCredited(
        line_id=line_id, member_id=str(member_id), organisation_id=str(organisation_id), year=year,
        occurred_on=occurred_on, rule=rule, category=category, points=result.points,
        rule_points=result.rule_points, capped_by=result.capped_by, source=source,
        source_event_id=str(source_event_id), source_event_type=source_event_type, rule_set_id=rule_set.id))
    return line_id


def _sum(db, *where):
    return Decimal(db.session.execute(select(func.coalesce(func.sum(ledger_lines.c.points), 0)).where(*where))
                   .scalar())


# ---- what other services' events earn ----------------------------------------------------

def _credit_event(db, clock, event, rule, occurred_on):
    data = event["data"]
    return credit(db, clock, member_id=data["member_id"], organisation_id=data["organisation_id"], rule=rule,
                  occurred_on=occurred_on, source_event_id=event["event_id"], source_event_type=event["event_type"])


def on_departure(db, clock, event, reported_on, absence):
    """The report, if made in advance; and a check-in that arrived before its departure, now judged."""
    if earning.departure_reported_in_advance(reported_on, event["data"]["departed_on"]):
        _credit_event(db, clock, event, "departure_reported_in_advance", reported_on)
    on_check_in(db, clock, absence)


def on_check_in(db, clock, absence):
    """A check-in within 15 days of leaving, once both the departure and the check-in are known."""
    if absence is None or absence.departed_on is None or absence.checked_in_on is None:
        return
    if earning.checked_in_in_time(absence.departed_on, absence.checked_in_on):
        credit(db, clock, member_id=absence.member_id, organisation_id=absence.check_in_organisation_id,
               rule="checked_in_in_time", occurred_on=absence.checked_in_on,
               source_event_id=absence.check_in_event_id, source_event_type="member_checked_in")


def on_return(db, clock, event):
    data = event["data"]
    if earning.return_reported(data["departure_reported"]):
        _credit_event(db, clock, event, "return_reported", data["returned_on"])


def on_volunteer_service(db, clock, event):
    _credit_event(db, clock, event, "volunteer_service", event["data"]["served_on"])


def on_contact_logged(db, clock, event):
    """The member kept in touch with the branch (四个一): at most once a month, as the rule set caps it."""
    _credit_event(db, clock, event, "contact_kept", clock.day_of(event["data"]["occurred_at"]))


def on_talk_completed(db, clock, event):
    _credit_event(db, clock, event, "talk_held", event["data"]["held_on"])


def on_study_recorded(db, clock, event):
    _credit_event(db, clock, event, "study_recorded", event["data"]["studied_on"])


def on_attendance(db, clock, event, rule):
    if earning.took_part(event["data"]["status"]):
        _credit_event(db, clock, event, rule, event["data"]["held_on"])


def explanation(rule):
    return RULES[rule][2]


def view(row):
    line = dict(row._mapping)
    return {**line, "explanation": explanation(row.rule), "category_label": CATEGORIES[row.category]}


def list_lines(db, query, scope):
    statement = select(ledger_lines).where(
        usecases.scope_clause(db, scope, ledger_lines.c.organisation_id, ledger_lines.c.member_id))
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)
        statement = statement.where(usecases.within(db, query["organisation_id"], ledger_lines.c.organisation_id))
    if query.get("member_id"):
        statement = statement.where(ledger_lines.c.member_id == str(query["member_id"]))
    for name in ("year", "source"):
        if query.get(name) is not None:
            statement = statement.where(ledger_lines.c[name] == query[name])
    return usecases.paged(db, statement, query, (ledger_lines.c.occurred_on, ledger_lines.c.credited_at,
                                                 ledger_lines.c.id), view)
