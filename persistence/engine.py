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
