"""Engines for every database of the platform (services and the gateway alike)."""
from sqlalchemy import create_engine, event


def make_engine(url, **kwargs):
    # Statement parameters stay out of error messages and logs: they may be personal.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        # Greenthreads share one OS thread but differ in ident; SQLite's own
        # thread check would refuse a pooled connection reused by another one.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    if url.startswith("postgresql"):
        _make_psycopg_green()
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **kwargs)
    return create_engine(url, **kwargs)


def _make_psycopg_green():
    """Under eventlet, psycopg2 must yield while waiting on the socket, or one
    slow query blocks every worker of the service."""
    try:
        import eventlet.patcher
    except ImportError:  # pragma: no cover - eventlet is a hard dependency
        return
    if eventlet.patcher.is_monkey_patched("socket"):
        from psycogreen.eventlet import patch_psycopg

        patch_psycopg()


SQLITE_WRITER_WAIT = 30.0  # seconds a transaction waits for the one before it, as SQLite's own busy timeout


def serialise_sqlite_transactions(engine, wait=SQLITE_WRITER_WAIT):
    """One transaction at a time on an embedded SQLite database, waited for cooperatively.

    SQLite lets one writer in; a second one waits in SQLite's busy handler, which
    sleeps in C and so blocks every greenthread of the process. If the first
    transaction is itself waiting on the network (an RPC to another service, the
    broker), nothing can wake it: both wait out the busy timeout and the call fails
    with "database is locked". Taking a green semaphore at each transaction's
    begin (and giving it back at commit or rollback) makes the second one wait in
    the event loop instead, so the first completes. Only for SQLite, the embedded
    development default; PostgreSQL has row locks and a green driver.
    """
    import threading  # patched by eventlet in a service process: a green semaphore

    if engine.dialect.name != "sqlite":
        return
    turn = threading.Semaphore(1)

    @event.listens_for(engine, "begin")
    def _take_turn(connection):
        if not turn.acquire(timeout=wait):
            raise TimeoutError(f"another transaction held the SQLite database for over {wait:g} s")
        connection.info["sqlite_turn"] = True

    def _give_turn(connection):
        if connection.info.pop("sqlite_turn", False):
            turn.release()

    event.listen(engine, "commit", _give_turn)
    event.listen(engine, "rollback", _give_turn)

    @event.listens_for(engine, "reset")
    def _given_back_unended(_dbapi_connection, record, *_state):
        # A connection returned to the pool with its transaction never ended (the pool rolls it back):
        # Connection.info is the pool record's, so the turn is found and given back here.
        if record.info.pop("sqlite_turn", False):
            turn.release()
