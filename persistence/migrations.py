"""Alembic, run at service start, one migration history per service."""
import importlib.util
import zlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

PERSONAL_DATA_CIPHER = "personal_data_cipher"
# Used for a migrations folder without an env.py of its own: its ``versions/``
# run in this shared environment, against the metadata handed over.
SHARED_ENVIRONMENT = "persistence:alembic"


def _folder(script_location):
    """``package:folder`` (Alembic's notation) or a path, as a filesystem path."""
    package, _, folder = script_location.rpartition(":")
    if not package:
        return Path(script_location)
    spec = importlib.util.find_spec(package)
    return Path(next(iter(spec.submodule_search_locations))) / folder


def alembic_config(script_location, metadata=None):
    config = Config()
    if (_folder(script_location) / "env.py").exists():
        config.set_main_option("script_location", script_location)
    else:
        config.set_main_option("script_location", SHARED_ENVIRONMENT)
        config.set_main_option("version_locations", str(_folder(script_location) / "versions"))
    config.attributes["target_metadata"] = metadata
    return config


def upgrade_to_head(engine, script_location, revision="head", metadata=None, **attributes):
    """Bring the service's database to the newest revision (or to ``revision``).

    On PostgreSQL an advisory lock keyed by the script location serialises
    instances that start together, so scaling a service out never races its
    own migrations. ``attributes`` reach the migrations as
    ``context.config.attributes``: a service that stores personal data hands its
    cipher as ``personal_data_cipher``, for data migrations that encrypt.
    """
    config = alembic_config(script_location, metadata)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild a SQLite table by copy, drop and rename;
            # with foreign keys enforced, dropping a referenced table fails. The
            # pragma only takes effect outside a transaction; the references are
            # checked before the migration commits.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    lock_key = zlib.crc32(script_location.encode())
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
                config.attributes.update(attributes)
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError(f"migrating {script_location} broke a foreign key reference")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


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
