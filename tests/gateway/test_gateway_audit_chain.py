"""The audit record resists its own database credentials: the hash chain, ``verify-audit``, and a
runtime database role that may only INSERT and SELECT on the audit tables (PostgreSQL)."""
import io
import threading
import uuid
from datetime import datetime, timezone
from types import SimpleNamespace

import psycopg2
import pytest
from psycopg2 import errors as pg_errors
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from gateway.access import audit_chain, models, policy, store
from gateway.access.__main__ import main as cli
from gateway.access.store import AccessStore
from gateway.app import create_app
from persistence.engine import make_engine
from persistence.migrations import upgrade_to_head
from tests.support import POSTGRES_URL, create_database, drop_database, scalar

RECORD = {
    "occurred_at": datetime(2026, 12, 2, 13, 47, 12, 123456, tzinfo=timezone.utc),
    "principal": "user:6f1c", "action": "members.read", "outcome": "succeeded", "status": 200,
    "resource_type": "member", "resource_ids": ["m-2", "m-1", "m-2"], "endpoint": "GET /api/v1/members/<uuid:member_id>",
    "request_id": "req-1", "remote_addr": "127.0.0.1", "details": {"fields": ["id_number"], "姓名": None},
}


def append(access_store, count=1, **fields):
    """``count`` records, each in its own transaction as audit.record writes them."""
    written = []
    for number in range(count):
        with access_store.begin() as conn:
            written.append(store.insert_audit_record(conn, {
                "principal": "tests", "action": "tests.append", "outcome": "succeeded",
                "resource_ids": [f"r-{number}", "shared"], "details": {"n": number}, **fields,
            }))
    return written


def verify(monkeypatch, capsys, url, migration_url=None):
    """Run ``python -m gateway.access verify-audit``: (exit code, what it printed)."""
    monkeypatch.setenv("LIUDONG_GATEWAY_DATABASE_URL", url)
    if migration_url:
        monkeypatch.setenv("LIUDONG_GATEWAY_MIGRATION_DATABASE_URL", migration_url)
    out = io.StringIO()
    try:
        code = cli(["verify-audit"], out=out)
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue() + capsys.readouterr().err


# ---- the encoding -----------------------------------------------------------------------

def test_the_encoding_is_canonical_json_and_pinned():
    """The bytes and the digest are fixed: changing them would orphan every stored hash."""
    record = audit_chain.normalised(RECORD)

    encoded = audit_chain.encode(record, audit_chain.GENESIS)

    assert encoded == (
        b'{"action":"members.read","details":{"fields":["id_number"],"\\u59d3\\u540d":null},'
        b'"endpoint":"GET /api/v1/members/<uuid:member_id>","occurred_at":"2026-12-02T13:47:12.123456+00:00",'
        b'"outcome":"succeeded","previous_hash":"' + b"0" * 64 + b'","principal":"user:6f1c",'
        b'"remote_addr":"127.0.0.1","request_id":"req-1","resource_ids":["m-2","m-1","m-2"],'
        b'"resource_type":"member","status":200}'
    )
    assert audit_chain.record_hash(record, audit_chain.GENESIS) == PINNED_DIGEST


PINNED_DIGEST = "d0b52c8a2000efdd51f2360e938b650efd1a67f4962691144a711960541cbe71"  # sha256sum of the bytes above


def test_the_encoding_does_not_depend_on_the_time_zone_or_container_types():
    other = {**RECORD, "occurred_at": RECORD["occurred_at"].astimezone(timezone.utc).astimezone(
        datetime.now().astimezone().tzinfo), "resource_ids": tuple(RECORD["resource_ids"]), "status": "200"}
    assert audit_chain.record_hash(audit_chain.normalised(other), audit_chain.GENESIS) == PINNED_DIGEST


def test_every_audit_column_is_hashed_or_is_the_chain():
    """A column added to audit_records without a new encoding version would be unprotected."""
    columns = {column.name for column in models.audit_records.columns}
    assert columns == set(audit_chain.HASHED_FIELDS) | {"id", "previous_hash", "record_hash"}


# ---- the chain, on the embedded SQLite --------------------------------------------------

@pytest.fixture
def sqlite_store(tmp_path):
    access_store = AccessStore(f"sqlite:///{tmp_path}/chain.db")
    access_store.migrate()
    yield access_store
    access_store.dispose()


def test_each_record_carries_the_hash_of_the_one_before(sqlite_store):
    first, second, third = append(sqlite_store, 3)

    assert first["previous_hash"] == audit_chain.GENESIS
    assert second["previous_hash"] == first["record_hash"] and third["previous_hash"] == second["record_hash"]
    with sqlite_store.connect() as conn:
        stored = conn.execute(select(models.audit_records).order_by(models.audit_records.c.id)).mappings().all()
        head = conn.execute(select(models.audit_chain_head)).mappings().one()
    for row in stored:
        assert row["record_hash"] == audit_chain.record_hash(row, row["previous_hash"])
    assert (head["record_id"], head["record_hash"]) == (third["id"], third["record_hash"])


def test_a_request_is_audited_into_the_chain(app, access, fake_rpc, replies, monkeypatch, capsys):
    client, _ = access.user_client((policy.BRANCH_SECRETARY, str(uuid.uuid4())))
    fake_rpc.will_answer("get_member", replies.member())
    assert client.get(f"/api/v1/members/{uuid.uuid4()}").status_code == 200

    code, output = verify(monkeypatch, capsys, access.store.url)

    assert code == 0, output
    assert "audit chain intact: 1 records" in output


def test_verify_audit_passes_on_an_empty_and_on_an_intact_chain(sqlite_store, monkeypatch, capsys):
    assert verify(monkeypatch, capsys, sqlite_store.url) == (0, f"audit chain intact: 0 records, head {audit_chain.GENESIS}\n")
    written = append(sqlite_store, 3)

    code, output = verify(monkeypatch, capsys, sqlite_store.url)

    assert (code, output) == (0, f"audit chain intact: 3 records, head {written[-1]['record_hash']}\n")


def test_concurrent_appends_on_sqlite_keep_one_chain(tmp_path, sqlite_store, monkeypatch, capsys):
    stores = [sqlite_store, AccessStore(sqlite_store.url)]
    run_concurrently(lambda number: append(stores[number % 2], 10), threads=4)
    stores[1].dispose()

    code, output = verify(monkeypatch, capsys, sqlite_store.url)

    assert code == 0 and "intact: 40 records" in output, output


# ---- tampering, found by verify-audit (SQLite and PostgreSQL) -----------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def chained(request, tmp_path):
    """A store with five chained records, and ``tamper(sql)`` run past the triggers, as the owner could."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/tamper.db"
    else:
        url = create_database("liudong_gateway_chain")
    access_store = AccessStore(url)
    try:
        access_store.migrate()
        records = append(access_store, 5)
    except Exception:
        access_store.dispose()
        if request.param == "postgresql":
            drop_database(url)
        raise

    def tamper(*statements):
        with access_store.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))  # triggers off, superuser only
            else:
                for table in ("audit_records", "audit_resources"):
                    for operation in ("update", "delete"):
                        conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{operation}"))
            for statement in statements:
                conn.execute(text(statement))

    yield SimpleNamespace(url=url, store=access_store, records=records, tamper=tamper)
    access_store.dispose()
    if request.param == "postgresql":
        drop_database(url)


def test_verify_audit_names_a_deleted_record(chained, monkeypatch, capsys):
    third = chained.records[2]["id"]
    chained.tamper(f"DELETE FROM audit_resources WHERE audit_record_id = {third}",
                   f"DELETE FROM audit_records WHERE id = {third}")

    code, output = verify(monkeypatch, capsys, chained.url)

    assert code == 1
    assert f"broken at record {chained.records[3]['id']}: its previous_hash does not match" in output
    assert "2 records before it are intact" in output


def test_verify_audit_names_an_altered_record(chained, monkeypatch, capsys):
    second = chained.records[1]["id"]
    chained.tamper(f"UPDATE audit_records SET principal = 'someone-else' WHERE id = {second}")

    code, output = verify(monkeypatch, capsys, chained.url)

    assert code == 1
    assert f"broken at record {second}: its content does not match its record_hash" in output


def test_verify_audit_finds_an_altered_record_whose_hash_was_recomputed(chained, monkeypatch, capsys):
    second = chained.records[1]
    forged = audit_chain.record_hash({**second, "principal": "someone-else"}, second["previous_hash"])
    chained.tamper(f"UPDATE audit_records SET principal = 'someone-else', record_hash = '{forged}' WHERE id = {second['id']}")

    code, output = verify(monkeypatch, capsys, chained.url)

    assert code == 1 and f"broken at record {chained.records[2]['id']}: its previous_hash" in output


def test_verify_audit_finds_a_record_dropped_from_the_resource_index(chained, monkeypatch, capsys):
    fourth = chained.records[3]["id"]
    chained.tamper(f"DELETE FROM audit_resources WHERE audit_record_id = {fourth} AND resource_id = 'shared'")

    code, output = verify(monkeypatch, capsys, chained.url)

    assert code == 1 and f"broken at record {fourth}: its rows in audit_resources" in output


def test_verify_audit_finds_records_removed_from_the_end(chained, monkeypatch, capsys):
    last = chained.records[-1]["id"]
    chained.tamper(f"DELETE FROM audit_resources WHERE audit_record_id = {last}",
                   f"DELETE FROM audit_records WHERE id = {last}")

    code, output = verify(monkeypatch, capsys, chained.url)

    assert code == 1 and f"broken at the chain head: the head names record {last}" in output


def test_verify_audit_finds_a_record_inserted_out_of_chain(chained, monkeypatch, capsys):
    """Whoever may INSERT can add a row, but not one that fits the chain without the head."""
    with chained.store.begin() as conn:
        conn.execute(models.audit_records.insert().values(
            occurred_at=datetime.now(timezone.utc), principal="forger", action="members.read", outcome="succeeded",
            resource_ids=[], details={}, previous_hash="f" * 64, record_hash="e" * 64,
        ))
    append(chained.store, 1)  # a genuine record after it

    code, output = verify(monkeypatch, capsys, chained.url)

    assert code == 1 and "its previous_hash does not match" in output


def test_verify_audit_passes_on_the_untouched_chain(chained, monkeypatch, capsys):
    code, output = verify(monkeypatch, capsys, chained.url)
    assert code == 0 and "intact: 5 records" in output, output


# ---- the migration chains what was recorded before it ------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/before.db"
        return
    url = create_database("liudong_gateway_chain")
    yield url
    drop_database(url)


def test_the_migration_chains_existing_records_in_id_order(database_url, monkeypatch, capsys):
    engine = make_engine(database_url)
    upgrade_to_head(engine, store.MIGRATIONS, revision="0001")
    with engine.begin() as conn:
        for number in range(3):
            conn.execute(text(
                "INSERT INTO audit_records (occurred_at, principal, action, outcome, status, resource_ids, details) "
                "VALUES (:at, 'before', 'members.read', 'succeeded', 200, :ids, '{\"fields\": [\"phone\"]}')"
            ), {"at": datetime(2026, 11, 30, 8, number, tzinfo=timezone.utc), "ids": f'["m-{number}"]'})
            conn.execute(text("INSERT INTO audit_resources (audit_record_id, resource_id) "
                              "SELECT max(id), :resource FROM audit_records"), {"resource": f"m-{number}"})
    engine.dispose()
    access_store = AccessStore(database_url)
    access_store.migrate()
    append(access_store, 1)

    code, output = verify(monkeypatch, capsys, database_url)

    assert code == 0 and "intact: 4 records" in output, output
    with access_store.connect() as conn:
        first = conn.execute(select(models.audit_records).order_by(models.audit_records.c.id)).mappings().first()
    assert first["previous_hash"] == audit_chain.GENESIS
    # The append-only triggers are back after the migration lifted them.
    with pytest.raises(Exception, match="refused"):
        with access_store.begin() as conn:
            conn.execute(text("UPDATE audit_records SET principal = 'x'"))
    access_store.dispose()


# ---- concurrency on PostgreSQL ------------------------------------------------------------

def run_concurrently(work, threads):
    start, failures = threading.Barrier(threads), []

    def run(number):
        try:
            start.wait(timeout=30)
            work(number)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    workers = [threading.Thread(target=run, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers), "an appending thread never finished"
    assert failures == []


def test_concurrent_appends_from_several_connections_and_stores_keep_one_chain(monkeypatch, capsys):
    url = create_database("liudong_gateway_chain")
    stores = [AccessStore(url) for _ in range(3)]  # as three gunicorn workers would have
    try:
        stores[0].migrate()
        run_concurrently(lambda number: append(stores[number % 3], 15), threads=6)

        code, output = verify(monkeypatch, capsys, url)

        assert code == 0 and "intact: 90 records" in output, output
    finally:
        for access_store in stores:
            access_store.dispose()
        drop_database(url)


# ---- the runtime role on PostgreSQL -------------------------------------------------------

@pytest.fixture
def roles():
    """A database owned by a new owner role, and a new runtime role: both dropped after."""
    suffix = uuid.uuid4().hex[:10]
    owner, runtime, database = f"liudong_owner_{suffix}", f"liudong_runtime_{suffix}", f"liudong_roles_{suffix}"
    admin = psycopg2.connect(f"{POSTGRES_URL}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{owner}" LOGIN')
        cursor.execute(f'CREATE ROLE "{runtime}" LOGIN')
        cursor.execute(f'CREATE DATABASE "{database}" OWNER "{owner}"')

    def url(user):
        return make_url(POSTGRES_URL).set(username=user, database=database).render_as_string(hide_password=False)

    try:
        yield SimpleNamespace(owner=owner, runtime=runtime, owner_url=url(owner), runtime_url=url(runtime),
                              superuser_url=f"{POSTGRES_URL}/{database}")
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            cursor.execute(f'DROP ROLE IF EXISTS "{runtime}"')
            cursor.execute(f'DROP ROLE IF EXISTS "{owner}"')
        admin.close()


def test_the_gateway_runs_as_a_runtime_role_that_cannot_rewrite_the_audit(
        roles, access_for, fake_rpc, replies, monkeypatch, capsys):
    app = create_app({"LIUDONG_GATEWAY_DATABASE_URL": roles.runtime_url,
                      "LIUDONG_GATEWAY_MIGRATION_DATABASE_URL": roles.owner_url}, rpc=fake_rpc)
    access_store = app.extensions["liudong.access"].store
    try:
        # End to end as the runtime role: users, grants, a token, a read, its audit record.
        access = access_for(app)
        client, user = access.user_client((policy.BRANCH_SECRETARY, str(uuid.uuid4())))
        fake_rpc.will_answer("get_member", replies.member())
        assert client.get(f"/api/v1/members/{uuid.uuid4()}").status_code == 200
        auditor, _ = access.user_client(policy.AUDITOR)
        listed = auditor.get("/api/v1/audit-records")
        assert listed.status_code == 200 and "members.read" in [item["action"] for item in listed.json["items"]]
        with access_store.begin() as conn:  # the runtime role may change the other access tables
            store.update_user(conn, user["id"], "tests", display_name="renamed")

        runtime = psycopg2.connect(roles.runtime_url)
        runtime.autocommit = True
        try:
            with runtime.cursor() as cursor:
                cursor.execute("SELECT current_user, count(*) FROM audit_records")
                assert cursor.fetchone()[0] == roles.runtime
                for statement in (
                    "UPDATE audit_records SET principal = 'x'", "DELETE FROM audit_records",
                    "TRUNCATE audit_records CASCADE", "UPDATE audit_resources SET resource_id = 'x'",
                    "DELETE FROM audit_resources", "TRUNCATE audit_resources",
                ):
                    with pytest.raises(pg_errors.InsufficientPrivilege, match="permission denied"):
                        cursor.execute(statement)
                for statement in (
                    "ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only",
                    "ALTER TABLE audit_records DISABLE TRIGGER ALL",
                    "DROP TRIGGER audit_records_append_only ON audit_records",
                    "DROP TRIGGER audit_resources_no_truncate ON audit_resources",
                    "SET session_replication_role = replica",
                    "ALTER TABLE audit_records OWNER TO CURRENT_USER",
                ):
                    with pytest.raises(pg_errors.InsufficientPrivilege):
                        cursor.execute(statement)
        finally:
            runtime.close()

        # The runtime role can append through the chain, and the chain holds.
        append(access_store, 2)
        code, output = verify(monkeypatch, capsys, roles.runtime_url, roles.owner_url)
        assert code == 0 and "intact:" in output, output
    finally:
        access_store.dispose()


def test_a_gateway_with_only_the_runtime_url_starts_once_the_owner_has_migrated(roles, fake_rpc, monkeypatch):
    """The owner's credentials can stay with a deployment step (``python -m gateway.access migrate``)."""
    monkeypatch.setenv("LIUDONG_GATEWAY_DATABASE_URL", roles.runtime_url)
    monkeypatch.setenv("LIUDONG_GATEWAY_MIGRATION_DATABASE_URL", roles.owner_url)
    out = io.StringIO()
    assert cli(["migrate"], out=out) == 0 and "at head" in out.getvalue()
    monkeypatch.delenv("LIUDONG_GATEWAY_MIGRATION_DATABASE_URL")

    app = create_app({"LIUDONG_GATEWAY_DATABASE_URL": roles.runtime_url}, rpc=fake_rpc)

    access_store = app.extensions["liudong.access"].store
    append(access_store, 1)
    with access_store.connect() as conn:
        assert store.verify_audit_chain(conn).intact
    access_store.dispose()


def test_migrating_again_keeps_the_grants_exact(roles, fake_rpc):
    config = {"LIUDONG_GATEWAY_DATABASE_URL": roles.runtime_url, "LIUDONG_GATEWAY_MIGRATION_DATABASE_URL": roles.owner_url}
    for _ in range(2):
        create_app(config, rpc=fake_rpc).extensions["liudong.access"].store.dispose()
    admin = psycopg2.connect(roles.superuser_url)
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) "
                "FROM information_schema.role_table_grants WHERE grantee = %s GROUP BY table_name", (roles.runtime,))
            privileges = dict(cursor.fetchall())
            cursor.execute("SELECT has_sequence_privilege(%s, 'audit_records_id_seq', 'USAGE'), "
                           "has_sequence_privilege(%s, 'audit_records_id_seq', 'UPDATE')", (roles.runtime, roles.runtime))
            sequence = cursor.fetchone()
    finally:
        admin.close()
    assert privileges["audit_records"] == privileges["audit_resources"] == "INSERT,SELECT"
    assert privileges["audit_chain_head"] == "SELECT,UPDATE"
    assert privileges["users"] == privileges["grants"] == privileges["api_keys"] == "DELETE,INSERT,SELECT,UPDATE"
    assert privileges["alembic_version"] == "SELECT"
    assert sequence == (True, False)


def test_a_runtime_user_that_could_undo_the_protection_is_refused(roles, fake_rpc):
    with pytest.raises(RuntimeError, match="is a superuser"):
        create_app({"LIUDONG_GATEWAY_DATABASE_URL": roles.superuser_url,
                    "LIUDONG_GATEWAY_MIGRATION_DATABASE_URL": roles.owner_url}, rpc=fake_rpc)


@pytest.mark.e2e
def test_gunicorn_workers_migrate_as_the_owner_and_append_one_chain_as_the_runtime_role(
        roles, unused_port, dead_port, poll, tmp_path, monkeypatch, capsys):
    """Three workers start together (each migrates and grants, serialised), then audit in parallel."""
    import os
    import signal
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    import requests

    env = {
        **os.environ,
        "LIUDONG_GATEWAY_BIND": f"127.0.0.1:{unused_port}", "LIUDONG_GATEWAY_WORKERS": "3",
        "LIUDONG_GATEWAY_THREADS": "2", "LIUDONG_AMQP_URI": f"amqp://guest:guest@127.0.0.1:{dead_port}/",
        "LIUDONG_GATEWAY_DATABASE_URL": roles.runtime_url, "LIUDONG_GATEWAY_MIGRATION_DATABASE_URL": roles.owner_url,
    }
    log_path, base = tmp_path / "gunicorn.log", f"http://127.0.0.1:{unused_port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "gateway/gunicorn.conf.py", "gateway.app:create_app()"],
            cwd=Path(__file__).resolve().parents[2], env=env, stdout=log, stderr=subprocess.STDOUT,
        )

    def up():
        assert process.poll() is None, log_path.read_text()
        try:
            return requests.get(f"{base}/healthz", timeout=1).status_code == 200
        except (requests.ConnectionError, requests.Timeout):
            return False

    try:
        poll(up, 30, "gunicorn to serve /healthz")
        # A refused key is audited (authentication.failed): 30 of them, spread over the workers.
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(
                lambda n: requests.get(f"{base}/api/v1/members", headers={"X-API-Key": f"ld_{n:016d}_{'x' * 43}"},
                                       timeout=10).status_code,
                range(30),
            ))
        assert answers == [401] * 30
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    code, output = verify(monkeypatch, capsys, roles.runtime_url, roles.owner_url)
    assert code == 0 and "intact: 30 records" in output, output
    assert "Traceback" not in log_path.read_text()
    admin = psycopg2.connect(roles.superuser_url)
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_records WHERE action = 'authentication.failed'")
            assert cursor.fetchone()[0] == 30
            cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_records'")
            assert cursor.fetchone()[0] == roles.owner
    finally:
        admin.close()


def test_a_migration_url_for_another_database_is_refused_before_migrating(roles, fake_rpc):
    other = create_database("liudong_gateway_chain")
    try:
        with pytest.raises(RuntimeError, match="must name the same database"):
            create_app({"LIUDONG_GATEWAY_DATABASE_URL": roles.runtime_url,
                        "LIUDONG_GATEWAY_MIGRATION_DATABASE_URL": other}, rpc=fake_rpc)
        assert scalar(other, "SELECT count(*) FROM pg_tables WHERE tablename = 'alembic_version'") == 0
    finally:
        drop_database(other)
