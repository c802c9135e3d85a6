"""Fakes of the kernel for unit tests of a service's use cases: no broker, no
database. A service's own fake repositories go in ``repositories``."""
from datetime import date, datetime, timezone


class FakeUnitOfWork:
    """What use cases see of ``services.common.db.UnitOfWork``: repositories
    as attributes and ``add_event``. Events are turned into contract events and
    validated against the catalogue, as the real one does; ``events`` lists
    them. Nothing commits here: the entrypoint does that in the service."""

    def __init__(self, events=None, **repositories):
        self._events = events
        self.events = []
        for name, repository in repositories.items():
            setattr(self, name, repository)

    def add_event(self, event):
        if self._events is not None:
            event = self._events.contract_event(event)
        event.envelope()
        self.events.append(event)


class FakeRepository:
    """Objects with an ``id``, kept in a dict."""

    def __init__(self):
        self.rows = {}

    def add(self, obj):
        self.rows[obj.id] = obj

    def get(self, obj_id, for_update=False):
        return self.rows.get(str(obj_id))


class FixedClock:
    """1 March 2026, 08:00 UTC, unless told otherwise."""

    def __init__(self, now=datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc), today=date(2026, 3, 1)):
        self._now = now
        self._today = today

    def now(self):
        return self._now

    def today(self):
        return self._today
