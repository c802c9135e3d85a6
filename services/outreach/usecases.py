"""What every outreach use case shares: the events map, and the caller's scope
checked against outreach's own projections (the organisation tree and the
members), never by asking roster (``services.common.projected_scope``).

The use cases themselves sit by resource: ``pairings`` (pairings and the four
ones), ``contacts`` (the contact log), ``care`` (campaigns, visits, help cases),
``projects`` (volunteering, returnees' projects, hometown events, the county's
figures) and ``reserve`` (reserve reviews, vanguard, cultivation). Each takes
the unit of work (``db``), the clock and the caller's scope as arguments; none
commits (the entrypoint does).
"""
from sqlalchemy import select

from contracts.errors import ErrorCode, RuleViolation
from contracts.outreach_events import SCHEMAS, SOURCE
from services.common.domain_events import EventMap, event_types_by_name
from services.common.projected_scope import (
    paged,
    scope_clause,
    sees_member_of,
    visible_organisation,
    within,
)
from services.common.projected_scope import visible_member as _visible_member
from services.outreach.domain import events as domain_events
from services.outreach.models import members

EVENTS = EventMap(SOURCE, event_types_by_name(domain_events, SCHEMAS))


def visible_member(db, member_id, scope, field="member_id"):
    """The projected member named in a body, if the caller sees them (else ``unknown_reference`` on ``field``)."""
    return _visible_member(db, members, member_id, scope, ErrorCode.MEMBER_NOT_FOUND, field)


def visible_row(db, table, row_id, scope, not_found):
    """A row of ``table`` (with ``member_id`` or only ``organisation_id``) the caller sees, else ``not_found``."""
    row = db.session.execute(select(table).where(table.c.id == str(row_id))).first()
    member_id = row._mapping.get("member_id") if row is not None else None
    if row is None or not sees_member_of(db, scope, member_id, row.organisation_id):
        raise RuleViolation(not_found, f"{str(not_found).removesuffix('_not_found').replace('_', ' ')} "
                                       f"{row_id} not found")
    return row


def listed(db, table, query, scope, order_by, equal=(), where=(), view=lambda row: dict(row._mapping)):
    """A page of ``table``'s rows the caller sees, in ``query``'s subtree (``organisation_id``), of its
    member (``member_id``), equal to ``query`` on each column named in ``equal`` that it gives, and
    meeting the ``where`` clauses."""
    member_column = table.c.get("member_id")
    statement = select(table).where(scope_clause(db, scope, table.c.organisation_id, member_column), *where)
    if query.get("organisation_id"):
        visible_organisation(db, query["organisation_id"], scope)
        statement = statement.where(within(db, query["organisation_id"], table.c.organisation_id))
    if query.get("member_id") and member_column is not None:
        statement = statement.where(member_column == str(query["member_id"]))
    for name in equal:
        if query.get(name) is not None:
            value = query[name]
            statement = statement.where(table.c[name] == (str(value) if name.endswith("_id") else value))
    return paged(db, statement, query, order_by, view)
