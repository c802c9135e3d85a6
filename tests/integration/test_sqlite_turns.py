"""The embedded SQLite database under eventlet (persistence.engine.serialise_sqlite_transactions):
a transaction that waits on the network while it holds SQLite's write lock (an RPC to another
service) must not leave a second one stuck in SQLite's busy handler, which sleeps in C and
would stop the first from ever being woken. Run under ``nameko test`` (eventlet patched)."""
import eventlet
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.exc import OperationalError

from persistence.engine import serialise_sqlite_transactions

metadata = MetaData()
rows = Table("rows", metadata, Column("n", Integer, primary_key=True))


def engine_at(path, serialised):
    # A one-second busy timeout, so that a stuck wait shows as "database is locked" quickly.
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 1})
    metadata.create_all(engine)
    if serialised:
        serialise_sqlite_transactions(engine)
    return engine


def writer_waiting_on_the_network(engine, n):
    with engine.begin() as connection:
        connection.execute(insert(rows).values(n=n))
        eventlet.sleep(1.5)  # the RPC's reply, which only the event loop can deliver


def writer(engine, n):
    with engine.begin() as connection:
        connection.execute(insert(rows).values(n=n))


def run_both(engine):
    first = eventlet.spawn(writer_waiting_on_the_network, engine, 1)
    eventlet.sleep(0.1)  # the first holds the write lock
    second = eventlet.spawn(writer, engine, 2)
    outcomes = []
    for thread in (first, second):
        try:
            thread.wait()
            outcomes.append("committed")
        except (OperationalError, TimeoutError) as exc:  # what SQLite answers a stuck writer
            outcomes.append(type(exc).__name__)
    return outcomes


def test_a_second_transaction_waits_its_turn_in_the_event_loop(tmp_path):
    engine = engine_at(tmp_path / "turns.db", serialised=True)
    assert run_both(engine) == ["committed", "committed"]
    with engine.connect() as connection:
        assert sorted(connection.execute(select(rows.c.n)).scalars()) == [1, 2]


def test_without_turns_the_second_is_stuck_in_the_busy_handler_and_fails(tmp_path):
    """What the turns prevent, shown on the same database without them."""
    engine = engine_at(tmp_path / "stuck.db", serialised=False)
    assert "OperationalError" in run_both(engine)
