"""Alembic, run at service start, one migration history per service."""
import zlib

from alembic import command
from alembic.config import Config
from sqlalchemy import text


def upgrade_to_head(engine, script_location):
    """Bring the service's database to the newest revision.

    On PostgreSQL an advisory lock keyed by the script location serialises
    instances that start together, so scaling a service out never races its
    own migrations.
    """
    config = Config()
    config.set_main_option("script_location", script_location)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            lock_key = zlib.crc32(script_location.encode())
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def run_migrations(context, target_metadata):
    """The body of every service's ``migrations/env.py``.

    Migrations run on the connection ``upgrade_to_head`` hands over; offline
    (SQL script) mode is supported for operators who review DDL first.
    """
    connection = context.config.attributes.get("connection")
    if connection is None:
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
