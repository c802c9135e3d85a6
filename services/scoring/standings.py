"""Standings: a member's running score at any date explained line by line, the
members of a subtree heading for warned or unqualified, and the distribution of
grades by branch, town and county (the year's grades once graded; the running
scores' bands while the year is open). Rules: ``domain.standing``.
"""
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, select

from contracts.scoring import CATEGORIES, GRADES
from services.scoring import grading, ledger, usecases
from services.scoring.domain.rules import ZERO
from services.scoring.domain.standing import projected_score, running_score
from services.scoring.models import grades, ledger_lines, members

AT_RISK = ("warned", "unqualified")


def member_standing(db, member_id, query, clock, scope):
    member = usecases.visible_member(db, member_id, scope)
    on = query.get("on") or clock.today()
    rule_set = usecases.rule_set_on(db, on)
    lines = db.session.execute(
        select(ledger_lines).where(ledger_lines.c.member_id == member.member_id, ledger_lines.c.year == on.year,
                                   ledger_lines.c.occurred_on <= on)
        .order_by(ledger_lines.c.occurred_on, ledger_lines.c.credited_at, ledger_lines.c.id)).all()
    totals = defaultdict(lambda: ZERO)
    for line in lines:
        totals[line.category] += Decimal(line.points)
    score = running_score(rule_set, totals)
    projected = projected_score(rule_set, totals, on)
    graded = db.session.execute(select(grades.c.grade).where(
        grades.c.member_id == member.member_id, grades.c.year == on.year)).scalar()
    return {
        "member_id": member.member_id, "organisation_id": member.organisation_id, "year": on.year, "on": on,
        "starting_score": rule_set.starting_score, "score": score, "grade": rule_set.bands.grade(score),
        "projected_score": projected, "projected_grade": rule_set.bands.grade(projected), "graded": graded,
        "categories": [{"category": name, "label": label, "points": totals[name],
                        "minimum": rule_set.categories[name].minimum, "maximum": rule_set.categories[name].maximum}
                       for name, label in CATEGORIES.items()],
        "lines": [ledger.view(line) for line in lines],
    }


def _totals_by_member(db, scope, year, on, organisation_id=None):
    """{(member_id, organisation_id): {category: points}} for the members on the roll that the caller sees."""
    joined = members.outerjoin(ledger_lines, and_(
        ledger_lines.c.member_id == members.c.member_id, ledger_lines.c.year == year,
        ledger_lines.c.occurred_on <= on))
    statement = (select(members.c.member_id, members.c.organisation_id, ledger_lines.c.category,
                        func.sum(ledger_lines.c.points))
                 .select_from(joined)
                 .where(grading.on_the_roll(date(year, 12, 31)),
                        usecases.scope_clause(db, scope, members.c.organisation_id, members.c.member_id))
                 .group_by(members.c.member_id, members.c.organisation_id, ledger_lines.c.category))
    if organisation_id is not None:
        statement = statement.where(usecases.within(db, organisation_id, members.c.organisation_id))
    totals = {}
    for member_id, member_organisation, category, points in db.session.execute(statement):
        member_totals = totals.setdefault((member_id, member_organisation), {})
        if category is not None:
            member_totals[category] = Decimal(points)
    return totals


def at_risk(db, query, clock, scope):
    """Members whose pace so far leads to warned or unqualified by year end, the lowest first."""
    on = query.get("on") or clock.today()
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)
    rule_set = usecases.rule_set_on(db, on)
    heading = []
    for (member_id, organisation_id), totals in _totals_by_member(db, scope, on.year, on,
                                                                   query.get("organisation_id")).items():
        projected = projected_score(rule_set, totals, on)
        grade = rule_set.bands.grade(projected)
        if grade in AT_RISK:
            heading.append({"member_id": member_id, "organisation_id": organisation_id,
                            "score": running_score(rule_set, totals), "projected_score": projected,
                            "projected_grade": grade})
    heading.sort(key=lambda item: (item["projected_score"], item["member_id"]))
    page, per_page = query.get("page", 1), query.get("per_page", 20)
    return {"year": on.year, "on": on, "items": heading[(page - 1) * per_page: page * per_page],
            "total": len(heading), "page": page, "per_page": per_page}


def distribution(db, query, clock, scope):
    year = query["year"]
    organisation_id = query.get("organisation_id")
    node = usecases.visible_organisation(db, organisation_id, scope) if organisation_id else None
    tree = usecases.organisation_tree(db)
    graded = year in _graded_years(db)
    if graded:
        statement = select(grades.c.organisation_id, grades.c.grade).where(
            grades.c.year == year, usecases.scope_clause(db, scope, grades.c.organisation_id))
        if node is not None:
            statement = statement.where(usecases.within(db, node.id, grades.c.organisation_id))
        member_grades = db.session.execute(statement).all()
    else:
        on = min(clock.today(), date(year, 12, 31))
        rule_set = usecases.rule_set_on(db, on)
        member_grades = [(organisation, rule_set.bands.grade(running_score(rule_set, totals)))
                         for (_, organisation), totals in _totals_by_member(db, scope, year, on, organisation_id).items()]
    paths = dict(db.session.execute(select(tree.c.id, tree.c.path)).all())
    if node is not None:
        rows_of = db.session.execute(select(tree).where(tree.c.parent_id == node.id).order_by(tree.c.name)).all()
    elif scope.unrestricted:
        rows_of = db.session.execute(select(tree).where(tree.c.parent_id.is_(None)).order_by(tree.c.name)).all()
    else:
        rows_of = db.session.execute(select(tree).where(tree.c.id.in_(sorted(scope.organisation_ids or [])))
                                     .order_by(tree.c.name)).all()
    total = _counts(None, None, None)
    rows = [_counts(row.id, row.name, row.kind) for row in rows_of]
    for organisation, grade in member_grades:
        path = paths.get(organisation, f"/{organisation}/")
        _add(total, grade)
        for row in rows:
            if f"/{row['organisation_id']}/" in path:
                _add(row, grade)
    if node is not None:
        total.update(organisation_id=node.id, name=node.name, kind=node.kind)
    return {"year": year, "graded": graded, "total": total, "rows": rows}


def _graded_years(db):
    return set(db.session.execute(select(grading.grading_runs.c.year).where(
        grading.grading_runs.c.state == grading.COMPLETED)).scalars())


def _counts(organisation_id, name, kind):
    return {"organisation_id": organisation_id, "name": name, "kind": kind, "members": 0, **dict.fromkeys(GRADES, 0)}


def _add(counts, grade):
    counts["members"] += 1
    counts[grade] += 1
