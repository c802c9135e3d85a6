"""What every scoring use case shares: the events map, the rule sets, and the
caller's scope checked against scoring's own projections (the organisation
tree and the members), never by asking roster
(``services.common.projected_scope``).

The use cases themselves sit by resource: ``ledger`` (crediting events and
approved entries, line by line), ``entries`` (manual entries and their
approval), ``rule_sets``, ``grading`` (runs, grades, follow-ups) and
``standings``. Each takes the unit of work (``db``), the clock and the
caller's scope as arguments; none commits (the entrypoint does).
"""
import weakref

from sqlalchemy import select

from contracts.errors import ErrorCode
from contracts.scoring_events import SCHEMAS, SOURCE
from services.common.domain_events import EventMap, event_types_by_name
from services.common.projected_scope import (  # noqa: F401 - the use cases' shared vocabulary
    organisation_tree,
    paged,
    scope_clause,
    sees_member_of,
    visible_organisation,
    within,
)
from services.common.projected_scope import visible_member as _visible_member
from services.scoring.domain import events as domain_events
from services.scoring.domain.rules import RuleSet, in_force
from services.scoring.models import grading_runs, members, rule_sets

EVENTS = EventMap(SOURCE, event_types_by_name(domain_events, SCHEMAS))


def visible_member(db, member_id, scope, field=None):
    return _visible_member(db, members, member_id, scope, ErrorCode.MEMBER_NOT_FOUND, field)


# Per unit of work (one call or one event): the rule sets and the closed years, read once. A batch of 500
# approvals asks for them 1,000 times; neither changes within a call that reads them (publishing a version
# and asking for a run are calls of their own, which check before they write).
_READ_ONCE = weakref.WeakKeyDictionary()


def _once(db, name, read):
    kept = _READ_ONCE.setdefault(db, {})
    if name not in kept:
        kept[name] = read()
    return kept[name]


def all_rule_sets(db):
    return _once(db, "rule_sets", lambda: [RuleSet.from_document(row.id, row.effective_from, row.document)
                                           for row in db.session.execute(select(rule_sets)).all()])


def rule_set_on(db, on):
    """The version of the rule set in force on ``on``."""
    return in_force(all_rule_sets(db), on)


def closed_years(db):
    """Years graded, or being graded: their ledgers and rules are closed."""
    return _once(db, "closed_years", lambda: set(db.session.execute(select(grading_runs.c.year)).scalars()))
