"""The database dependency: one engine per service container, one unit of work
per worker, migrations at start, and the outbox relay alongside."""
import logging
from datetime import datetime, timezone

from nameko.extensions import DependencyProvider
from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import sessionmaker

from persistence.engine import make_engine
from persistence.migrations import PERSONAL_DATA_CIPHER, upgrade_to_head
from services.common.crypto import PersonalDataCipher
from services.common.outbox import OutboxRelay
from services.common.tables import bind_cipher

log = logging.getLogger(__name__)


class UnitOfWork:
    """One transaction: the state change, its outbox rows and its inbox claims
    commit together or not at all."""

    def __init__(self, session_factory, outbox, inbox, on_events_committed=lambda: None):
        self._session_factory = session_factory
        self._outbox = outbox
        self._inbox = inbox
        self._on_events_committed = on_events_committed
        self._session = None
        self._pending_events = []

    @property
    def session(self):
        if self._session is None:
            self._session = self._session_factory()
        return self._session

    def add_event(self, event):
        """Record an event (``contracts.events.Event``) to be written to the
        outbox at commit; its payload is validated against the catalogue now."""
        self._pending_events.append((event, event.envelope()))

    def first_delivery(self, event_id, handler, event_type):
        """Claim (event_id, handler) in the inbox within this transaction.

        False means this handler already took effect for this event and the
        caller should do nothing. Concurrent duplicates on PostgreSQL block on
        the primary key until the first commits, then see the conflict.
        """
        dialect = self.session.get_bind().dialect.name
        values = {
            "event_id": str(event_id),
            "handler": handler,
            "event_type": event_type,
            "received_at": datetime.now(timezone.utc),
        }
        if dialect == "postgresql":
            statement = postgresql.insert(self._inbox).values(**values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(self._inbox).values(**values).on_conflict_do_nothing()
        else:  # pragma: no cover - only the two dialects above are supported
            exists = self.session.execute(
                select(self._inbox.c.event_id).where(
                    self._inbox.c.event_id == values["event_id"], self._inbox.c.handler == handler
                )
            ).first()
            if exists:
                return False
            statement = insert(self._inbox).values(**values)
        return self.session.execute(statement).rowcount == 1

    def commit(self):
        had_events = bool(self._pending_events)
        if self._pending_events:
            now = datetime.now(timezone.utc)
            self.session.execute(
                insert(self._outbox),
                [
                    {
                        "event_id": str(event.event_id),
                        "source": event.source,
                        "event_type": event.event_type,
                        "version": event.version,
                        "envelope": envelope,
                        "created_at": now,
                    }
                    for event, envelope in self._pending_events
                ],
            )
        self.session.commit()
        self._pending_events = []
        if had_events:
            self._on_events_committed()

    def rollback(self):
        self._pending_events = []
        if self._session is not None:
            self._session.rollback()

    def close(self):
        self.rollback()
        if self._session is not None:
            self._session.close()
            self._session = None


class Database(DependencyProvider):
    """Injects a :class:`UnitOfWork` per worker.

    ``migrations`` is the Alembic script location run at start.
    Config keys: ``DATABASE_URL``, ``AMQP_URI``; ``OUTBOX_RELAY`` (``enabled``, ``poll_interval``
    seconds, ``batch_size``). The unit of work is rolled back and closed when the
    worker ends, so a worker that forgot to commit or failed halfway leaves nothing.

    With ``personal_data=True`` the service stores personal data: its cipher is
    built from ``PERSONAL_DATA_KEYS`` and ``PERSONAL_DATA_INDEX_KEY`` before
    anything else (a service without keys fails at start, saying what to set),
    bound to the engine for the ``EncryptedText`` columns, and handed to the
    migrations for those that encrypt existing rows.
    """

    def __init__(self, metadata, migrations=None, personal_data=False):
        self.metadata = metadata
        self.migrations = migrations
        self.personal_data = personal_data
        self.cipher = None
        self.engine = None
        self.relay = None
        self._units = {}

    def setup(self):
        config = self.container.config
        if self.personal_data:
            self.cipher = PersonalDataCipher.from_config(config)
        self.engine = make_engine(config["DATABASE_URL"])
        migration_attributes = {}
        if self.cipher is not None:
            bind_cipher(self.engine, self.cipher)
            migration_attributes[PERSONAL_DATA_CIPHER] = self.cipher
        if self.migrations:
            upgrade_to_head(self.engine, self.migrations, **migration_attributes)
        else:  # services under test and throwaway tools without a migration history
            self.metadata.create_all(self.engine)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        relay_config = config.get("OUTBOX_RELAY") or {}
        self.relay = OutboxRelay(
            engine=self.engine,
            outbox=self.metadata.tables["outbox"],
            amqp_uri=config["AMQP_URI"],
            poll_interval=float(relay_config.get("poll_interval", 1.0)),
            batch_size=int(relay_config.get("batch_size", 100)),
        )
        self.relay_enabled = _truthy(relay_config.get("enabled", True))

    def start(self):
        if self.relay_enabled:
            self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")
        else:
            log.warning("outbox relay disabled by configuration: events stay in the outbox")

    def stop(self):
        if self.relay is not None:
            self.relay.stop()
        if self.engine is not None:
            self.engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        unit = UnitOfWork(
            self.session_factory,
            self.metadata.tables["outbox"],
            self.metadata.tables["inbox"],
            on_events_committed=self.relay.wake,
        )
        self._units[worker_ctx] = unit
        return unit

    def worker_teardown(self, worker_ctx):
        unit = self._units.pop(worker_ctx, None)
        if unit is not None:
            unit.close()


def _truthy(value):
    if isinstance(value, str):
        return value.strip().lower() not in {"0", "false", "no", "off", ""}
    return bool(value)
