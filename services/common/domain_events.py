"""From what happened in a service's domain to the events its contract publishes.

Domain events are plain dataclasses recorded by the domain objects; a service
declares once which contract event each one is, and the unit of work turns them
into outbox rows (validated against the catalogue) at ``add_event``.
"""
import dataclasses

from contracts.events import Event


class EventMap:
    """``EventMap("roster", {MemberReturned: "member_returned", ...})``."""

    def __init__(self, source, event_types, versions=None):
        self.source = source
        self.event_types = dict(event_types)
        self.versions = dict(versions or {})

    def contract_event(self, domain_event) -> Event:
        if isinstance(domain_event, Event):
            return domain_event
        try:
            event_type = self.event_types[type(domain_event)]
        except KeyError:
            raise LookupError(
                f"{type(domain_event).__name__} is not mapped to an event of {self.source}; add it to the EventMap"
            ) from None
        return Event(source=self.source, event_type=event_type, data=dataclasses.asdict(domain_event),
                     version=self.versions.get(type(domain_event), 1))


def event_types_by_name(domain_events_module, schemas):
    """``{DomainEventClass: event_type}`` for a contract whose events are named like the domain's
    classes (``TalkOpened`` is ``talk_opened``): every event in ``schemas`` must have its class."""
    def class_name(event_type):
        return "".join(part.capitalize() for part in event_type.split("_"))

    return {getattr(domain_events_module, class_name(event_type)): event_type for event_type, _ in schemas}
