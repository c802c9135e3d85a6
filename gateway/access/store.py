"""The access database: its engine, its migrations, and every query the gateway makes of it.

Functions take a SQLAlchemy connection, so that a change and the audit record
that describes it commit in one transaction (``with store.begin() as conn``).
Nothing here updates or deletes an audit row; grants and keys are revoked by
setting ``revoked_at``.
"""
import fcntl
import os
import uuid
import zlib
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, func, insert, or_, select, text, update
from sqlalchemy.engine import make_url

from gateway.access import audit_chain, models
from gateway.access.authorisation import KEY, USER, Grant
from persistence.engine import make_engine
from persistence.migrations import upgrade_to_head

MIGRATIONS = "gateway.access:migrations"
DEFAULT_URL = "sqlite:///var/gateway.db"
# last_used_at is a hint for people reviewing keys, not a per-request write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def now():
    return datetime.now(timezone.utc)


class AccessStore:
    """``url`` is the runtime connection; ``migration_url``, when given and
    different, the schema owner's, used only to migrate and to grant the
    runtime user what it needs (PostgreSQL; see ``grant_runtime_privileges``)."""

    def __init__(self, url=DEFAULT_URL, migration_url=None):
        self.url = url
        self.migration_url = migration_url if migration_url and migration_url != url else None
        self._sqlite_path = _sqlite_path(url)
        if self._sqlite_path:
            os.makedirs(os.path.dirname(os.path.abspath(self._sqlite_path)), exist_ok=True)
        self.engine = make_engine(url)

    def migrate(self):
        """Bring the schema to head; safe when several processes start at once.

        PostgreSQL: ``upgrade_to_head`` holds an advisory lock. SQLite: a file
        lock beside the database does the same for the workers of one machine.
        With a migration URL, the owner migrates and then grants the runtime
        user its privileges.
        """
        with self._sqlite_lock():
            if self.migration_url is None:
                upgrade_to_head(self.engine, MIGRATIONS)
                return
            owner = make_engine(self.migration_url)
            try:
                runtime_user = None
                if owner.dialect.name == "postgresql":
                    runtime_user = self._runtime_user_of_the_same_database(owner)
                upgrade_to_head(owner, MIGRATIONS)
                if runtime_user is not None:
                    grant_runtime_privileges(owner, runtime_user)
            finally:
                owner.dispose()

    def _runtime_user_of_the_same_database(self, owner):
        with self.engine.connect() as conn:
            runtime_user, database = conn.execute(text("SELECT current_user, current_database()")).one()
        with owner.connect() as conn:
            owners_database = conn.execute(text("SELECT current_database()")).scalar_one()
        if owners_database != database:
            raise RuntimeError(
                f"LIUDONG_GATEWAY_MIGRATION_DATABASE_URL names the database {owners_database} and "
                f"LIUDONG_GATEWAY_DATABASE_URL {database}: they must name the same database"
            )
        return runtime_user

    def begin(self):
        return self.engine.begin()

    def connect(self):
        return self.engine.connect()

    def dispose(self):
        self.engine.dispose()

    @contextmanager
    def _sqlite_lock(self):
        if not self._sqlite_path:
            yield
            return
        with open(f"{self._sqlite_path}.migrate-lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


# The audit tables take only reads and appends from the runtime user; the head
# row is updated by every append. Every other access table takes all four.
APPEND_ONLY_TABLES = ("audit_records", "audit_resources")
READ_WRITE = "SELECT, INSERT, UPDATE, DELETE"


def grant_runtime_privileges(owner_engine, runtime_user):
    """Give ``runtime_user`` exactly what the gateway needs on the access tables.

    Runs as the owner after every migration (idempotent: privileges are revoked
    and granted again in one transaction, under the migrations' advisory lock,
    since concurrent GRANTs on one object fail). Refuses to go on when the
    runtime user could undo the protection anyway: a superuser, or the owner of
    a table (an owner may disable its triggers).
    """
    with owner_engine.begin() as conn:
        owner = conn.execute(text("SELECT current_user")).scalar_one()
        if owner == runtime_user:
            return
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(MIGRATIONS.encode())})
        if conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :name"), {"name": runtime_user}).scalar():
            raise RuntimeError(
                f"the gateway's runtime database user {runtime_user} is a superuser: it could rewrite the audit "
                "record. Give LIUDONG_GATEWAY_DATABASE_URL an ordinary user."
            )
        quote = conn.dialect.identifier_preparer.quote
        tables = [table.name for table in models.metadata.sorted_tables]
        owned = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner = :name "
                 "AND tablename = ANY(:tables)"),
            {"name": runtime_user, "tables": tables},
        ).scalars().all()
        if owned:
            raise RuntimeError(
                f"the gateway's runtime database user {runtime_user} owns {', '.join(sorted(owned))}: it could "
                f"disable the audit triggers. As a superuser, run REASSIGN OWNED BY {runtime_user} TO {owner}."
            )
        user = quote(runtime_user)
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        conn.execute(text(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {user}"))
        conn.execute(text(f"GRANT SELECT ON alembic_version TO {user}"))
        for table in models.metadata.sorted_tables:
            name = quote(table.name)
            conn.execute(text(f"REVOKE ALL ON {name} FROM {user}"))
            if table.name in APPEND_ONLY_TABLES:
                conn.execute(text(f"GRANT SELECT, INSERT ON {name} TO {user}"))
            elif table.name == models.audit_chain_head.name:
                conn.execute(text(f"GRANT SELECT, UPDATE ON {name} TO {user}"))
            else:
                conn.execute(text(f"GRANT {READ_WRITE} ON {name} TO {user}"))
            for column in table.primary_key.columns:
                sequence = conn.execute(
                    text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column.name},
                ).scalar()
                if sequence:
                    # USAGE: nextval only; not setval, which could make ids collide.
                    conn.execute(text(f"REVOKE ALL ON SEQUENCE {sequence} FROM {user}"))
                    conn.execute(text(f"GRANT USAGE ON SEQUENCE {sequence} TO {user}"))


def _sqlite_path(url):
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def _page(conn, query, order_by, page, per_page):
    total = conn.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = conn.execute(query.order_by(*order_by).limit(per_page).offset((page - 1) * per_page)).mappings().all()
    return [dict(row) for row in rows], total


# ---- users ------------------------------------------------------------------

def insert_user(conn, *, username, display_name, password_hash, member_id, actor, activated=True):
    at = now()
    values = {
        "id": str(uuid.uuid4()), "username": username, "display_name": display_name,
        "password_hash": password_hash, "active": True, "member_id": member_id,
        "activated_at": at if activated else None,
        "created_at": at, "created_by": actor, "updated_at": at, "updated_by": actor,
    }
    conn.execute(insert(models.users).values(**values))
    return values


def get_user(conn, user_id):
    row = conn.execute(select(models.users).where(models.users.c.id == str(user_id))).mappings().first()
    return dict(row) if row else None


def get_user_by_username(conn, username):
    row = conn.execute(select(models.users).where(models.users.c.username == username)).mappings().first()
    return dict(row) if row else None


def get_user_by_member(conn, member_id):
    row = conn.execute(select(models.users).where(models.users.c.member_id == str(member_id))).mappings().first()
    return dict(row) if row else None


def update_user(conn, user_id, actor, keep_tokens=False, **values):
    """A new password or disabling ends the user's earlier tokens, unless
    ``keep_tokens`` (a password re-hashed with new parameters is no change)."""
    if not keep_tokens and ("password_hash" in values or values.get("active") is False):
        values["token_generation"] = models.users.c.token_generation + 1
    conn.execute(
        update(models.users).where(models.users.c.id == str(user_id))
        .values(**values, updated_at=now(), updated_by=actor)
    )
    return get_user(conn, user_id)


def end_tokens(conn, user_id):
    """Refuse every token issued to the user so far (``users.token_generation``)."""
    conn.execute(
        update(models.users).where(models.users.c.id == str(user_id))
        .values(token_generation=models.users.c.token_generation + 1)
    )


def list_users(conn, *, page, per_page, username=None, active=None, ids=None):
    query = select(models.users)
    if username is not None:
        query = query.where(models.users.c.username == username)
    if active is not None:
        query = query.where(models.users.c.active == active)
    if ids is not None:
        query = query.where(models.users.c.id.in_(list(ids)))
    return _page(conn, query, (models.users.c.username,), page, per_page)


# ---- activations --------------------------------------------------------------

def insert_activation(conn, *, user_id, code_hash, expires_at, actor):
    """A new code for ``user_id``; any earlier unused one stops working."""
    at = now()
    conn.execute(
        update(models.activations)
        .where(models.activations.c.user_id == str(user_id), models.activations.c.used_at.is_(None))
        .values(used_at=at)
    )
    values = {
        "id": str(uuid.uuid4()), "user_id": str(user_id), "code_hash": code_hash,
        "created_at": at, "created_by": actor, "expires_at": expires_at, "used_at": None,
    }
    conn.execute(insert(models.activations).values(**values))
    return values


def open_activations(conn, user_id):
    """The user's activation codes neither used nor expired (at most one, normally)."""
    activations = models.activations
    rows = conn.execute(
        select(activations).where(
            activations.c.user_id == str(user_id), activations.c.used_at.is_(None), activations.c.expires_at > now(),
        )
    ).mappings().all()
    return [dict(row) for row in rows]


def use_activation(conn, activation_id):
    """Mark the code used; False when another request used it first (single use under concurrency)."""
    result = conn.execute(
        update(models.activations)
        .where(models.activations.c.id == activation_id, models.activations.c.used_at.is_(None))
        .values(used_at=now())
    )
    return result.rowcount == 1


# ---- API keys ---------------------------------------------------------------

def insert_api_key(conn, *, key_id, name, owner, secret_hash, scopes, actor, rate_limit=None):
    values = {
        "id": key_id, "name": name, "owner": owner, "secret_hash": secret_hash, "scopes": sorted(scopes),
        "rate_limit": rate_limit,
        "created_at": now(), "created_by": actor, "last_used_at": None, "revoked_at": None, "revoked_by": None,
    }
    conn.execute(insert(models.api_keys).values(**values))
    return values


def get_api_key(conn, key_id):
    row = conn.execute(select(models.api_keys).where(models.api_keys.c.id == key_id)).mappings().first()
    return dict(row) if row else None


def list_api_keys(conn, *, page, per_page, include_revoked=False, ids=None):
    query = select(models.api_keys)
    if not include_revoked:
        query = query.where(models.api_keys.c.revoked_at.is_(None))
    if ids is not None:
        query = query.where(models.api_keys.c.id.in_(list(ids)))
    return _page(conn, query, (models.api_keys.c.created_at, models.api_keys.c.id), page, per_page)


def revoke_api_key(conn, key_id, actor):
    conn.execute(
        update(models.api_keys)
        .where(models.api_keys.c.id == key_id, models.api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now(), revoked_by=actor)
    )
    return get_api_key(conn, key_id)


def touch_api_key(conn, key):
    """Record that the key was used, at most once per ``LAST_USED_RESOLUTION``."""
    at = now()
    if key["last_used_at"] is None or at - key["last_used_at"] >= LAST_USED_RESOLUTION:
        conn.execute(update(models.api_keys).where(models.api_keys.c.id == key["id"]).values(last_used_at=at))


# ---- grants -----------------------------------------------------------------

def principal_of(grant_row):
    if grant_row["user_id"] is not None:
        return f"{USER}:{grant_row['user_id']}"
    return f"{KEY}:{grant_row['api_key_id']}"


def _principal_column(kind):
    return models.grants.c.user_id if kind == USER else models.grants.c.api_key_id


PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


def insert_grant(conn, *, kind, principal_id, role, organisation_id, actor, pending=False):
    at = now()
    values = {
        "id": str(uuid.uuid4()),
        "user_id": principal_id if kind == USER else None,
        "api_key_id": principal_id if kind == KEY else None,
        "role": role,
        "organisation_id": None if organisation_id is None else str(organisation_id),
        "granted_at": at, "granted_by": actor, "revoked_at": None, "revoked_by": None,
        # A grant that needs no second person is decided by whoever made it.
        "status": PENDING if pending else APPROVED,
        "decided_at": None if pending else at, "decided_by": None if pending else actor,
    }
    conn.execute(insert(models.grants).values(**values))
    return values


def _live():
    """Neither revoked nor rejected: approved, or waiting for approval."""
    return and_(models.grants.c.revoked_at.is_(None), models.grants.c.status != REJECTED)


def active_grants(conn, kind, principal_id):
    """The grants that count: approved and not revoked (a pending one does not, yet)."""
    return [grant for grant in live_grants(conn, kind, principal_id) if grant["status"] == APPROVED]


def live_grants(conn, kind, principal_id):
    """Approved or pending, not revoked: what a principal holds or is about to."""
    rows = conn.execute(
        select(models.grants)
        .where(_principal_column(kind) == principal_id, _live())
        .order_by(models.grants.c.granted_at, models.grants.c.id)
    ).mappings().all()
    return [dict(row) for row in rows]


def decide_grant(conn, grant_id, status, actor):
    """Approve or reject a pending grant; None when it was not pending (any more)."""
    result = conn.execute(
        update(models.grants)
        .where(models.grants.c.id == str(grant_id), models.grants.c.status == PENDING,
               models.grants.c.revoked_at.is_(None))
        .values(status=status, decided_at=now(), decided_by=actor)
    )
    return get_grant(conn, grant_id) if result.rowcount == 1 else None


def active_auditors(conn):
    """Ids of the active users holding an approved auditor grant that is not revoked (one not yet
    activated counts: the code can be issued again, the role would have to be asked for again)."""
    grants, users = models.grants, models.users
    return set(conn.execute(
        select(users.c.id).join(grants, grants.c.user_id == users.c.id).where(
            grants.c.role == "auditor", grants.c.status == APPROVED, grants.c.revoked_at.is_(None),
            users.c.active.is_(True),
        )
    ).scalars())


def as_grants(rows):
    return tuple(Grant(row["id"], row["role"], row["organisation_id"]) for row in rows)


def get_grant(conn, grant_id):
    row = conn.execute(select(models.grants).where(models.grants.c.id == str(grant_id))).mappings().first()
    return dict(row) if row else None


def list_grants(conn, *, page, per_page, kind=None, principal_id=None, role=None, organisation_id=None,
                include_revoked=False, organisation_ids=None, include_platform=True, status=None):
    """``organisation_ids``: only grants on these organisations (and, with
    ``include_platform``, the platform-wide ones); None: no such restriction."""
    grants = models.grants
    query = select(grants)
    if kind is not None:
        query = query.where(_principal_column(kind) == principal_id)
    if role is not None:
        query = query.where(grants.c.role == role)
    if organisation_id is not None:
        query = query.where(grants.c.organisation_id == str(organisation_id))
    if status is not None:
        query = query.where(grants.c.status == status)
    if not include_revoked:
        # Revoked and rejected grants are history: shown on asking for them.
        query = query.where(grants.c.revoked_at.is_(None) if status is not None else _live())
    if organisation_ids is not None:
        condition = grants.c.organisation_id.in_([str(i) for i in organisation_ids])
        if include_platform:
            condition = or_(condition, grants.c.organisation_id.is_(None))
        query = query.where(condition)
    return _page(conn, query, (grants.c.granted_at, grants.c.id), page, per_page)


def revoke_grant(conn, grant_id, actor):
    """Revoke the grant; a user's earlier tokens end with it, so that a token
    issued under a role does not outlive the role."""
    revoked = conn.execute(
        update(models.grants)
        .where(models.grants.c.id == str(grant_id), models.grants.c.revoked_at.is_(None))
        .values(revoked_at=now(), revoked_by=actor)
    ).rowcount
    grant = get_grant(conn, grant_id)
    if revoked and grant is not None and grant["user_id"] is not None:
        end_tokens(conn, grant["user_id"])
    return grant


def principals_with_grants_on(conn, organisation_ids):
    """(user ids, key ids) holding an active grant on one of these organisations."""
    rows = conn.execute(
        select(models.grants.c.user_id, models.grants.c.api_key_id).where(
            _live(),
            models.grants.c.organisation_id.in_([str(i) for i in organisation_ids]),
        )
    ).all()
    return {r.user_id for r in rows if r.user_id}, {r.api_key_id for r in rows if r.api_key_id}


def principals_without_grants(conn, kind):
    """Ids of users (or keys) that hold no active grant at all."""
    table = models.users if kind == USER else models.api_keys
    column = _principal_column(kind)
    held = select(column).where(column.is_not(None), _live())
    return set(conn.execute(select(table.c.id).where(table.c.id.not_in(held))).scalars())


# ---- audit ------------------------------------------------------------------

AUDIT_FIELDS = (
    "occurred_at", "principal", "action", "outcome", "status", "resource_type", "resource_ids",
    "endpoint", "request_id", "remote_addr", "details",
)


def insert_audit_record(conn, record):
    """Append one record (and its resource index rows) to the chain; the only write the audit tables ever get.

    The head row is locked first (an UPDATE: a row lock on PostgreSQL, the
    write lock on SQLite) and held to the end of ``conn``'s transaction, so
    appends from every worker and thread form one chain. Callers keep that
    transaction short: the record is the last thing an access change writes.
    """
    values = {name: record.get(name) for name in AUDIT_FIELDS}
    values["occurred_at"] = values["occurred_at"] or now()
    values["resource_ids"] = [str(i) for i in (values["resource_ids"] or [])]
    values["details"] = values["details"] or {}
    values = audit_chain.normalised(values)
    head = models.audit_chain_head
    locked = conn.execute(
        update(head).where(head.c.id == audit_chain.HEAD_ID)
        .values(record_hash=head.c.record_hash).returning(head.c.record_hash)
    ).first()
    if locked is None:
        raise RuntimeError("the audit chain has no head row: run the gateway's migrations")
    values["previous_hash"] = locked.record_hash
    values["record_hash"] = audit_chain.record_hash(values, locked.record_hash)
    record_id = conn.execute(insert(models.audit_records).values(**values)).inserted_primary_key[0]
    resource_ids = list(dict.fromkeys(values["resource_ids"]))
    if resource_ids:
        conn.execute(
            insert(models.audit_resources),
            [{"audit_record_id": record_id, "resource_id": resource_id} for resource_id in resource_ids],
        )
    conn.execute(
        update(head).where(head.c.id == audit_chain.HEAD_ID)
        .values(record_id=record_id, record_hash=values["record_hash"])
    )
    return {"id": record_id, **values}


def verify_audit_chain(conn):
    """Walk the audit chain: an ``audit_chain.Verdict``."""
    return audit_chain.verify(conn, models.audit_records, models.audit_resources, models.audit_chain_head)


def list_audit_records(conn, *, page, per_page, principal=None, action=None, outcome=None,
                       resource_id=None, since=None, until=None):
    records = models.audit_records
    query = select(records)
    conditions = []
    if principal is not None:
        conditions.append(records.c.principal == principal)
    if action is not None:
        conditions.append(records.c.action == action)
    if outcome is not None:
        conditions.append(records.c.outcome == outcome)
    if since is not None:
        conditions.append(records.c.occurred_at >= since)
    if until is not None:
        conditions.append(records.c.occurred_at < until)
    if resource_id is not None:
        conditions.append(records.c.id.in_(
            select(models.audit_resources.c.audit_record_id).where(models.audit_resources.c.resource_id == str(resource_id))
        ))
    if conditions:
        query = query.where(and_(*conditions))
    return _page(conn, query, (records.c.id.desc(),), page, per_page)
