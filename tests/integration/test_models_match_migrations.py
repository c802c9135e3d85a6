"""Every service's migrations build exactly the tables its models declare, on
PostgreSQL and on SQLite: a column added to a model without a migration (or the
other way round) fails here, not at a county's first start."""
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from contracts.platform import SERVICES
from persistence.engine import make_engine
from persistence.migrations import PERSONAL_DATA_CIPHER, upgrade_to_head
from services.common.crypto import PersonalDataCipher, generate_keys
from services.common.db import Database
from services.common.tables import bind_cipher
from tests.support import create_database, drop_database

MODULES = [spec.module for spec in SERVICES] + ["tests.example_service.service"]


def database_of(module_name):
    """The ``Database`` dependency of the nameko service class in ``module_name``."""
    module = importlib.import_module(module_name)
    for value in vars(module).values():
        if isinstance(value, type) and isinstance(getattr(value, "db", None), Database):
            return value.db
    raise LookupError(f"{module_name} has no service class with a Database named db")


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'drift.db'}"
        return
    url = create_database("liudong_test_drift")
    yield url
    drop_database(url)


@pytest.mark.parametrize("module_name", MODULES)
def test_the_migrations_build_exactly_the_models(module_name, database_url):
    database = database_of(module_name)
    assert database.migrations, f"{module_name} has no migrations"
    engine = make_engine(database_url)
    attributes = {}
    if database.personal_data:
        keys = generate_keys()
        cipher = PersonalDataCipher.from_config({"PERSONAL_DATA_KEYS": keys["LIUDONG_PERSONAL_DATA_KEYS"],
                                                 "PERSONAL_DATA_INDEX_KEY": keys["LIUDONG_PERSONAL_DATA_INDEX_KEY"]})
        bind_cipher(engine, cipher)
        attributes[PERSONAL_DATA_CIPHER] = cipher
    try:
        upgrade_to_head(engine, database.migrations, metadata=database.metadata, **attributes)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": False})
            differences = compare_metadata(context, database.metadata)
    finally:
        engine.dispose()
    assert differences == [], f"{module_name}: models and migrations differ"


def test_a_column_without_a_migration_is_caught(tmp_path):
    """The check itself can fail: the example's models with one column more."""
    from sqlalchemy import Column, MetaData, String

    database = database_of("tests.example_service.service")
    engine = make_engine(f"sqlite:///{tmp_path / 'drift.db'}")
    upgrade_to_head(engine, database.migrations, metadata=database.metadata)
    grown = MetaData(naming_convention=database.metadata.naming_convention)
    for table in database.metadata.tables.values():
        table.to_metadata(grown)
    grown.tables["welcomes"].append_column(Column("greeting", String(100)))
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), grown)
    engine.dispose()
    assert [difference[0] for difference in differences] == ["add_column"]


def test_the_gateway_access_migrations_build_exactly_its_models(database_url):
    """The gateway's own access database (users, keys, grants, audit) is held to the same rule."""
    from gateway.access import models
    from gateway.access.store import MIGRATIONS

    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine, MIGRATIONS)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": False})
            differences = compare_metadata(context, models.metadata)
    finally:
        engine.dispose()
    assert differences == [], "gateway.access: models and migrations differ"
