"""The rule set's versions: listed, the one in force on a day, and a new one published.

A new version takes effect today or later and never in a year already graded
(``domain.rules.check_new_version``); lines credited before are never revalued.
"""
from datetime import timedelta

from sqlalchemy import select

from contracts.errors import ErrorCode, RuleViolation
from contracts.scoring import RuleSetDocumentSchema
from services.common.clock import new_id
from services.scoring import usecases
from services.scoring.domain.events import RuleSetPublished
from services.scoring.domain.rules import check_new_version
from services.scoring.models import rule_sets

DOCUMENT = RuleSetDocumentSchema()


def _views(db):
    rows = db.session.execute(select(rule_sets).order_by(rule_sets.c.effective_from)).all()
    views = []
    for index, row in enumerate(rows):
        following = rows[index + 1].effective_from if index + 1 < len(rows) else None
        views.append({**DOCUMENT.dump(DOCUMENT.load(row.document)), "id": row.id,
                      "effective_from": row.effective_from, "note": row.note, "published_by": row.published_by,
                      "published_at": row.published_at,
                      "effective_until": following - timedelta(days=1) if following else None})
    return views


def list_rule_sets(db, query):
    views = _views(db)
    if query.get("on"):
        views = [view for view in views if view["effective_from"] <= query["on"]][-1:]
    per_page, page = query.get("per_page", 20), query.get("page", 1)
    return {"items": views[(page - 1) * per_page: page * per_page], "total": len(views), "page": page,
            "per_page": per_page}


def publish(db, command, clock, scope):
    check_new_version(command["effective_from"], clock.today(), usecases.closed_years(db))
    taken = db.session.execute(select(rule_sets.c.id).where(
        rule_sets.c.effective_from == command["effective_from"])).scalar()
    if taken is not None:
        raise RuleViolation(ErrorCode.ALREADY_RECORDED,
                            f"a version takes effect on {command['effective_from'].isoformat()} already",
                            {"effective_from": ["a version takes effect that day already"]})
    document = DOCUMENT.dump({name: command[name] for name in DOCUMENT.fields})
    rule_set_id = new_id()
    db.session.execute(rule_sets.insert().values(
        id=rule_set_id, effective_from=command["effective_from"], document=document, note=command.get("note"),
        published_by=scope.principal, published_at=clock.now()))
    db.add_event(RuleSetPublished(rule_set_id=rule_set_id, effective_from=command["effective_from"],
                                  starting_score=command["starting_score"]))
    return next(view for view in _views(db) if view["id"] == rule_set_id)
