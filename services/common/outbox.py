"""The outbox relay: publishes committed outbox rows with publisher confirms,
then marks them sent.

Delivery is at least once. A crash between the broker's confirm and the
``published_at`` update republishes the row on restart; consumers deduplicate
by ``event_id`` through their inbox. Nothing is ever marked sent that the
broker did not confirm.
"""
import logging
import sys
import threading
from datetime import datetime, timezone

from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange
from sqlalchemy import select, update

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0


class OutboxRelay:
    def __init__(self, engine, outbox, amqp_uri, poll_interval=1.0, batch_size=100, exchange_config=None):
        self.engine = engine
        self.outbox = outbox
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self._exchange_config = exchange_config or {}
        # Each publish waits for the broker's confirm; kombu's own retries are
        # kept short because the relay loop is the retry with back-off.
        self.publisher = Publisher(
            amqp_uri,
            use_confirms=True,
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0.5, "interval_step": 0.5, "interval_max": 1},
        )
        self._wake = threading.Event()
        self._stopped = threading.Event()

    def wake(self):
        """Called after a unit of work commits events: publish now, not at the next poll."""
        self._wake.set()

    def stop(self):
        """Ask the relay to stop; it never blocks. The loop notices at once when it is
        waiting (between sweeps or in a back-off) and after the row it is publishing
        otherwise; the owner kills it if that takes too long (``Database.stop``)."""
        self._stopped.set()
        self._wake.set()

    def run(self):
        failures = 0
        while not self._stopped.is_set():
            try:
                while self.relay_batch() == self.batch_size and not self._stopped.is_set():
                    pass
                failures = 0
                timeout = self.poll_interval
            except Exception:  # keep relaying through broker and database outages
                if self._stopped.is_set():
                    log.info("outbox relay stopped during a failing sweep: %s", sys.exc_info()[1])
                    break
                failures += 1
                timeout = min(MAX_BACKOFF_SECONDS, self.poll_interval * 2 ** failures)
                log.warning("outbox relay failed (attempt %d); retrying in %.1fs", failures, timeout, exc_info=True)
            self._wake.wait(timeout)
            self._wake.clear()

    def relay_batch(self):
        """Publish up to ``batch_size`` unsent rows in order; returns how many were read.

        On PostgreSQL the rows are locked with SKIP LOCKED so that several
        instances of a service relay disjoint rows.
        """
        outbox = self.outbox
        query = (
            select(outbox.c.id, outbox.c.event_id, outbox.c.source, outbox.c.event_type, outbox.c.version, outbox.c.envelope)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(self.batch_size)
        )
        failure = None
        with self.engine.connect() as connection:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                rows = connection.execute(query).all()
                published = []
                for row in rows:
                    if self._stopped.is_set():
                        break  # what was confirmed so far is marked sent below
                    try:
                        self._publish(row)
                    except Exception as exc:
                        failure = exc
                        connection.execute(
                            update(outbox)
                            .where(outbox.c.id == row.id)
                            .values(attempts=outbox.c.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000])
                        )
                        break
                    published.append(row.id)
                if published:
                    connection.execute(
                        update(outbox)
                        .where(outbox.c.id.in_(published))
                        .values(published_at=datetime.now(timezone.utc), attempts=outbox.c.attempts + 1)
                    )
        if failure is not None:
            raise failure
        if rows:
            log.debug("outbox relay published %d event(s)", len(rows))
        return len(rows)

    def _publish(self, row):
        exchange = get_event_exchange(row.source, self._exchange_config)
        self.publisher.publish(
            row.envelope,
            exchange=exchange,
            routing_key=row.event_type,
            declare=[exchange],
            message_id=row.event_id,
            extra_headers={"event_type": row.event_type, "event_version": row.version, "source": row.source},
        )
