"""The database dependency: one engine per service container, one unit of work
per worker, migrations at start, and the outbox relay alongside."""
import dataclasses
import logging
import uuid
from collections import namedtuple
from datetime import date, datetime, timezone
from decimal import Decimal

import eventlet
from nameko.extensions import DependencyProvider
from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from contracts.errors import ServiceError
from persistence.engine import make_engine, serialise_sqlite_transactions
from persistence.migrations import PERSONAL_DATA_CIPHER, upgrade_to_head
from services.common.crypto import PersonalDataCipher
from services.common.outbox import OutboxRelay
from services.common.tables import bind_cipher

log = logging.getLogger(__name__)

# An event added in bulk: what the outbox row needs beside its envelope.
_BulkEvent = namedtuple("_BulkEvent", "event_id source event_type version")

RELAY_STOP_TIMEOUT = 2.0  # seconds the relay gets at stop to finish the batch it is publishing
DISPOSE_TIMEOUT = 2.0  # seconds closing the engine's pooled connections may take


class UnitOfWork:
    """One transaction per entrypoint call: the state change, its outbox rows,
    its inbox claim and its idempotency record commit together or not at all.

    Use cases read and change state through the repositories (``uow.members``
    and the like, built on first use from the service's ``repositories``) and
    record events with :meth:`add_event`; they never commit. The kernel's
    entrypoints (``services.common.rpc.rpc`` / ``scoped_rpc``,
    ``services.common.messaging.idempotent``) own the commit: they call
    :meth:`commit` once the call has succeeded, and the worker's teardown rolls
    back whatever was not committed.
    """

    def __init__(self, session_factory, tables, repositories=None, events=None, unique_violations=None,
                 on_events_committed=lambda: None):
        self._session_factory = session_factory
        self._tables = tables
        self._repository_factories = dict(repositories or {})
        self._events = events
        self._unique_violations = dict(unique_violations or {})
        self._on_events_committed = on_events_committed
        self._session = None
        self._repositories = {}
        self._pending_events = []
        # The nameko entrypoint this unit serves (None outside a worker): the
        # kernel's scoped_rpc finds its service's CallerTrust there.
        self.entrypoint = None

    @property
    def session(self):
        if self._session is None:
            self._session = self._session_factory()
        return self._session

    def __getattr__(self, name):
        factories = self.__dict__.get("_repository_factories", {})
        if name not in factories:
            raise AttributeError(name)
        if name not in self._repositories:
            self._repositories[name] = factories[name](self.session)
        return self._repositories[name]

    def table(self, name):
        return self._tables[name]

    def add_event(self, event):
        """Record an event (a domain event of the service's ``EventMap``, or a
        ``contracts.events.Event``) to be written to the outbox at commit; its
        payload is validated against the catalogue now."""
        if self._events is not None:
            event = self._events.contract_event(event)
        self._pending_events.append((event, event.envelope()))

    def add_events_in_bulk(self, domain_events, checked_every=1000):
        """Record many domain events of one class at once (a year's grades, one per member).

        ``add_event`` runs the contract's schema over every event (about 0.1 ms each: 10 s for a county of
        100,000). Here the contract checks the first event of every ``checked_every``, and every event's
        data must come out of the same plain conversion (ids and numbers as text, dates in ISO form) that
        gave the checked one exactly what the contract gives: events of one class made from rows of the
        same columns differ in their values only, never in their shape. Ids must be canonical UUIDs.
        """
        occurred_at = datetime.now(timezone.utc).isoformat()
        domain_events = list(domain_events)
        kind = type(domain_events[0]) if domain_events else None
        for number, domain_event in enumerate(domain_events):
            if type(domain_event) is not kind:
                raise TypeError(f"events in bulk are of one class: {kind.__name__}, not {type(domain_event).__name__}")
            data = {name: _plain(value) for name, value in dataclasses.asdict(domain_event).items()}
            if number % checked_every == 0:
                event = self._events.contract_event(domain_event)
                if event.envelope()["data"] != data:
                    raise ValueError(f"{event.event_type}: the contract makes {event.envelope()['data']} of what "
                                     f"the bulk path makes {data}")
            event_id = str(uuid.uuid4())
            self._pending_events.append((
                _BulkEvent(event_id, event.source, event.event_type, event.version),
                {"event_id": event_id, "event_type": event.event_type, "version": event.version,
                 "occurred_at": occurred_at, "source": event.source, "data": data}))

    def first_delivery(self, event_id, handler, event_type):
        """Claim (event_id, handler) in the inbox within this transaction.

        False means this handler already took effect for this event and the
        caller should do nothing. Concurrent duplicates on PostgreSQL block on
        the primary key until the first commits, then see the conflict.
        """
        return self._insert_unless_present(self._tables["inbox"], {
            "event_id": str(event_id),
            "handler": handler,
            "event_type": event_type,
            "received_at": datetime.now(timezone.utc),
        }, key=("event_id", "handler"))

    def recorded_answer(self, principal, key):
        """The row of an earlier write under (principal, Idempotency-Key), or None."""
        table = self._tables["idempotency_keys"]
        return self.session.execute(
            select(table.c.fingerprint, table.c.answer).where(table.c.principal == principal, table.c.key == key)
        ).first()

    def claim_idempotency_key(self, principal, key, fingerprint):
        """Take (principal, Idempotency-Key) for this transaction's write; False
        when a committed write already holds it (read its answer instead)."""
        return self._insert_unless_present(self._tables["idempotency_keys"], {
            "principal": principal, "key": key, "fingerprint": fingerprint, "answer": None,
            "created_at": datetime.now(timezone.utc),
        }, key=("principal", "key"))

    def claim_caller_context(self, jti, issuer, expires_at):
        """Record a signed caller context's id as used, in this transaction;
        False when a committed call already used it (a replay)."""
        return self._insert_unless_present(self._tables["caller_contexts"], {
            "jti": jti, "issuer": issuer, "expires_at": expires_at,
        }, key=("jti",))

    def record_answer(self, principal, key, answer):
        """Keep the answer of the write that claimed the key, in its transaction."""
        table = self._tables["idempotency_keys"]
        self.session.execute(
            update(table).where(table.c.principal == principal, table.c.key == key).values(answer=answer)
        )

    def insert_unless_present(self, table, values, key):
        """INSERT unless a unique key holds such a row already (a concurrent writer's included): True when
        this wrote it. ``key``: the columns to look at where the dialect has no ON CONFLICT."""
        return self._insert_unless_present(table, values, key)

    def _insert_unless_present(self, table, values, key):
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            statement = postgresql.insert(table).values(**values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
        else:  # pragma: no cover - only the two dialects above are supported
            match = [table.c[column] == values[column] for column in key]
            if self.session.execute(select(*[table.c[column] for column in key]).where(*match)).first():
                return False
            statement = insert(table).values(**values)
        return self.session.execute(statement).rowcount == 1

    def commit(self):
        """Write the pending events to the outbox and commit. A unique index the
        service declared in ``unique_violations`` becomes its ``ServiceError``;
        the relay is woken when events were committed."""
        had_events = bool(self._pending_events)
        if self._session is None and not had_events:
            return  # nothing was read or written (``ping``): no connection needed
        try:
            if self._pending_events:
                self._write_outbox(datetime.now(timezone.utc))
            self.session.commit()
        except IntegrityError as exc:
            self.rollback()
            for index_name, error in self._unique_violations.items():
                # The message names the index (and holds hashes, never personal values).
                if index_name in str(exc.orig):
                    raise ServiceError(error.code, error.message, error.details) from None
            raise
        self._pending_events = []
        if had_events:
            self._on_events_committed()

    def _write_outbox(self, now):
        # One INSERT of many rows (SQLAlchemy's insertmanyvalues). COPY would be about 3x quicker on
        # PostgreSQL, but psycopg2 refuses it under eventlet's wait callback, which nameko's workers need.
        self.session.execute(insert(self._tables["outbox"]), [
            {"event_id": str(event.event_id), "source": event.source, "event_type": event.event_type,
             "version": event.version, "envelope": envelope, "created_at": now}
            for event, envelope in self._pending_events])

    def rollback(self):
        self._pending_events = []
        if self._session is not None:
            self._session.rollback()

    def close(self):
        """Roll back whatever was not committed and give the connection back.

        Never raises: it runs in every worker's teardown, where an error (the
        database gone, the connection broken) would kill the whole container
        instead of failing one call. The pool discards a connection it could
        not reset.
        """
        self._pending_events = []
        self._repositories = {}
        session, self._session = self._session, None
        if session is None:
            return
        try:
            session.rollback()
        except Exception as exc:
            log.warning("could not roll back a unit of work: %s", exc)
        try:
            session.close()
        except Exception as exc:
            log.warning("could not close a unit of work: %s", exc)


class Database(DependencyProvider):
    """Injects a :class:`UnitOfWork` per worker.

    ``migrations`` is the Alembic script location run at start.
    Config keys: ``DATABASE_URL``, ``AMQP_URI``; ``OUTBOX_RELAY`` (``enabled``, ``poll_interval``
    seconds, ``batch_size``). The unit of work is rolled back and closed when the
    worker ends, so a worker that forgot to commit or failed halfway leaves nothing.

    With ``personal_data=True`` the service stores personal data: its cipher is
    built from ``PERSONAL_DATA_KEYS`` and ``PERSONAL_DATA_INDEX_KEY`` before
    anything else (a service without keys fails at start, saying what to set),
    bound to the engine for the columns mapped with ``map_personal_data``
    (``services.common.tables``: each value encrypted for its row and column),
    and handed to the migrations for those that encrypt existing rows.
    """

    def __init__(self, metadata, migrations=None, personal_data=False, repositories=None, events=None,
                 unique_violations=None):
        self.metadata = metadata
        self.migrations = migrations
        self.personal_data = personal_data
        self.repositories = repositories or {}
        self.events = events
        self.unique_violations = unique_violations or {}
        self.cipher = None
        self.engine = None
        self.relay = None
        self._relay_thread = None
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
            upgrade_to_head(self.engine, self.migrations, metadata=self.metadata, **migration_attributes)
        else:  # services under test and throwaway tools without a migration history
            self.metadata.create_all(self.engine)
        # After the migrations, which open connections of their own: from here on, one transaction at a time.
        serialise_sqlite_transactions(self.engine)
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
            self._relay_thread = self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")
        else:
            log.warning("outbox relay disabled by configuration: events stay in the outbox")

    def stop(self):
        """Bounded and never raising, whatever state the broker or the database is in:
        the relay gets ``RELAY_STOP_TIMEOUT`` seconds to finish its batch, then is
        killed (its transaction rolls back: unmarked rows are published again later),
        and the engine's connections get ``DISPOSE_TIMEOUT`` to close."""
        self._stop_relay(RELAY_STOP_TIMEOUT)
        self._dispose_engine(DISPOSE_TIMEOUT)

    def kill(self):
        self._stop_relay(None)
        self._dispose_engine(DISPOSE_TIMEOUT)

    def _stop_relay(self, timeout):
        """Ask the relay to stop, wait up to ``timeout`` seconds (None: not at all), then kill it."""
        if self.relay is None:
            return
        self.relay.stop()
        thread, self._relay_thread = self._relay_thread, None
        if thread is None or thread.dead:
            return
        if timeout is not None:
            try:
                with eventlet.Timeout(timeout):
                    thread.wait()
                return
            except eventlet.Timeout:
                log.warning("the outbox relay did not stop within %.1fs; killing it (rows it had not marked sent "
                            "are published again later)", timeout)
            except BaseException:
                if not thread.dead:
                    raise  # not the relay's: this greenlet itself is being killed
                return  # the relay ended with an error of its own, which the container handles
        try:
            thread.kill()
        except Exception:  # pragma: no cover - killing a greenlet does not fail
            log.exception("could not kill the outbox relay")

    def _dispose_engine(self, timeout):
        if self.engine is None:
            return
        try:
            with eventlet.Timeout(timeout):
                self.engine.dispose()
            return
        except eventlet.Timeout:
            log.warning("closing the database connections took over %.1fs; leaving them to the process exit", timeout)
        except Exception as exc:
            log.warning("could not close the database connections: %s", exc)
        try:
            self.engine.dispose(close=False)  # a fresh pool, no I/O
        except Exception:  # pragma: no cover
            pass

    def get_dependency(self, worker_ctx):
        unit = self.unit_of_work()
        unit.entrypoint = worker_ctx.entrypoint
        self._units[worker_ctx] = unit
        return unit

    def unit_of_work(self):
        """A fresh unit of work outside any worker (catch-up threads, tools)."""
        return UnitOfWork(
            self.session_factory, self.metadata.tables, repositories=self.repositories, events=self.events,
            unique_violations=self.unique_violations, on_events_committed=self.relay.wake,
        )

    def worker_teardown(self, worker_ctx):
        unit = self._units.pop(worker_ctx, None)
        if unit is not None:
            unit.close()


def _truthy(value):
    if isinstance(value, str):
        return value.strip().lower() not in {"0", "false", "no", "off", ""}
    return bool(value)


def _plain(value):
    """A domain event's value as the contracts write it: text for ids and numbers, ISO form for dates."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value

