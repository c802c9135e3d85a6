"""What every education use case shares: the events map, and the caller's scope
checked against education's own projections (the organisation tree and the
members), never by asking roster (``services.common.projected_scope``).

The use cases themselves sit by resource: ``talks``, ``materials`` (materials,
pushes, deliveries), ``study`` (study records, sessions, attendance),
``trainings`` and ``participation`` (the rate). Each takes the unit of work
(``db``), the clock and the caller's scope as arguments; none commits (the
entrypoint does).
"""
from contracts.education_events import SCHEMAS, SOURCE
from contracts.errors import ErrorCode
from services.common.domain_events import EventMap, event_types_by_name
from services.common.projected_scope import (  # noqa: F401 - the use cases' shared vocabulary
    line_of,
    organisation_tree,
    page,
    paged,
    scope_clause,
    sees_member_of,
    sees_organisation,
    visible_organisation,
    within,
)
from services.common.projected_scope import visible_member as _visible_member
from services.education.domain import events as domain_events
from services.education.models import members

# Each domain event is the contract event of the same name (TalkOpened is talk_opened).
EVENTS = EventMap(SOURCE, event_types_by_name(domain_events, SCHEMAS))


def visible_member(db, member_id, scope, error=ErrorCode.MEMBER_NOT_FOUND, field=None):
    """The projected member row, if the caller sees them (``projected_scope.visible_member``)."""
    return _visible_member(db, members, member_id, scope, error, field)
