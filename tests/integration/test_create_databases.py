"""deploy/postgres/create-databases.sh on the real PostgreSQL: each database gets its
own roles, the first one owning it, and nobody else can connect to it."""
import os
import secrets
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest

from tests.support import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]
SERVER = urlsplit(POSTGRES_URL)

pytestmark = pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")


@pytest.fixture
def names():
    tag = secrets.token_hex(4)
    names = {"service": f"t{tag}_roster", "gateway": f"t{tag}_gateway", "owner": f"t{tag}_gateway_owner"}
    yield names
    admin = psycopg2.connect(f"{POSTGRES_URL}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        for database in (names["service"], names["gateway"]):
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in names.values():
            cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
    admin.close()


def connect(role, password, database):
    return psycopg2.connect(host=SERVER.hostname, port=SERVER.port or 5432, user=role, password=password,
                            dbname=database, connect_timeout=5)


def test_each_database_has_its_own_roles(names):
    passwords = {role: secrets.token_urlsafe(16) + "'\"" for role in names.values()}
    env = {
        **os.environ,
        "PGHOST": SERVER.hostname, "PGPORT": str(SERVER.port or 5432),
        "POSTGRES_USER": SERVER.username or "postgres", "POSTGRES_DB": "postgres",
        "LIUDONG_DATABASES": f"{names['service']} {names['gateway']}",
        "LIUDONG_DATABASE_ROLES": f"{names['service']}@{names['service']} {names['owner']}@{names['gateway']} "
                                  f"{names['gateway']}@{names['gateway']}",
        **{f"LIUDONG_{role.upper()}_DATABASE_PASSWORD": password for role, password in passwords.items()},
    }
    result = subprocess.run(["sh", str(ROOT / "deploy/postgres/create-databases.sh")], env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr

    with connect(names["owner"], passwords[names["owner"]], names["gateway"]) as owner, owner.cursor() as cursor:
        cursor.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
        assert cursor.fetchone()[0] == names["owner"]
        cursor.execute("CREATE TABLE owned (id int)")  # the owner runs the migrations
    with connect(names["service"], passwords[names["service"]], names["service"]) as service, service.cursor() as cursor:
        cursor.execute("CREATE TABLE members (id int)")
    # The runtime role connects, and has nothing it was not granted.
    with connect(names["gateway"], passwords[names["gateway"]], names["gateway"]) as runtime, runtime.cursor() as cursor, \
            pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cursor.execute("SELECT * FROM owned")
    # A service cannot even connect to another's database.
    with pytest.raises(psycopg2.OperationalError, match="permission denied"):
        connect(names["service"], passwords[names["service"]], names["gateway"])
    with pytest.raises(psycopg2.OperationalError, match="permission denied"):
        connect(names["gateway"], passwords[names["gateway"]], names["service"])
