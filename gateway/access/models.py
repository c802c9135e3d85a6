"""The gateway's own tables: people, API keys, role grants and the audit record.

The gateway owns them because it is the component that authenticates; no
service reads them. History is kept: a user is disabled, a key or a grant is
revoked (``revoked_at``), never deleted. ``audit_records`` and
``audit_resources`` are append-only: the code only ever inserts into them, and
the migration adds triggers that refuse UPDATE and DELETE (on PostgreSQL also
TRUNCATE) so that a bug or a hand-typed statement cannot rewrite history. The
runtime database role holds only SELECT and INSERT on them (when migrations run
as a separate owner), and each record is chained to the one before it by hash.
"""
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from persistence.schema import BIG_ID, UTCDateTime, new_metadata

metadata = new_metadata()

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(255), nullable=False),  # argon2id, with its parameters and salt
    Column("active", Boolean, nullable=False),
    Column("member_id", String(36), nullable=True, unique=True),  # the member this person is, for the member role
    # Carried in every token as ``gen``; a token whose ``gen`` is not this is
    # refused. A password change, disabling, a revoked grant and log-out add
    # one, which ends every token issued before at once.
    Column("token_generation", Integer, nullable=False, server_default="0"),
    # When the owner set their first password with an activation code; until
    # then the account cannot sign in (its password_hash is of a secret nobody has).
    Column("activated_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(100), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    # The public part of the key (ld_<id>_<secret>), also its prefix when listed.
    Column("id", String(16), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("owner", String(100), nullable=False),
    # SHA-256 of the 256-bit random secret: a slow hash protects guessable
    # passwords; a secret of that entropy cannot be guessed from its digest.
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", JSON, nullable=False),  # permissions, a subset of system_integration's
    # The key's own request limit (flask-limiter's notation, "1200/minute");
    # None: the platform's LIUDONG_RATE_LIMIT. A town system syncing a wave
    # needs far more than a person.
    Column("rate_limit", String(100), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("last_used_at", UTCDateTime(), nullable=True),  # updated at most once a minute
    Column("revoked_at", UTCDateTime(), nullable=True),
    Column("revoked_by", String(100), nullable=True),
)

grants = Table(
    "grants",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=True, index=True),
    Column("api_key_id", String(16), ForeignKey("api_keys.id"), nullable=True, index=True),
    Column("role", String(40), nullable=False),
    Column("organisation_id", String(36), nullable=True, index=True),  # None: the whole platform
    Column("granted_at", UTCDateTime(), nullable=False),
    Column("granted_by", String(100), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Column("revoked_by", String(100), nullable=True),
    # pending until a second person approves it (policy.needs_approval); only
    # an approved grant, not revoked, counts when a caller is authenticated.
    Column("status", String(20), nullable=False, server_default="approved"),
    Column("decided_at", UTCDateTime(), nullable=True),
    Column("decided_by", String(100), nullable=True),
    CheckConstraint(
        "(user_id IS NULL) <> (api_key_id IS NULL)", name="one_principal",
    ),
)

# One-time activation codes: how a new account's owner sets their first
# password, so that the person who created the account never learns it.
activations = Table(
    "activations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False, index=True),
    # SHA-256 of a 160-bit random code: like an API key's secret, too strong to
    # guess from its digest, and single use.
    Column("code_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),  # also set when a newer code replaces it
)

audit_records = Table(
    "audit_records",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("occurred_at", UTCDateTime(), nullable=False, index=True),
    Column("principal", String(100), nullable=False, index=True),  # user:<id>, key:<id>, anonymous, cli:<os user>
    Column("action", String(60), nullable=False, index=True),
    Column("outcome", String(20), nullable=False),  # attempted, succeeded, failed, denied
    Column("status", Integer, nullable=True),  # the HTTP status answered, when there was one
    Column("resource_type", String(40), nullable=True),
    Column("resource_ids", JSON, nullable=False),
    Column("endpoint", String(200), nullable=True),  # method and route template, never a query string
    Column("request_id", String(64), nullable=True, index=True),
    Column("remote_addr", String(64), nullable=True),
    Column("details", JSON, nullable=False),  # fields revealed, filters, row counts, error codes; never a value
    # The hash chain (gateway.access.audit_chain): each record names the one
    # before it, once, so that the chain cannot fork.
    Column("previous_hash", String(64), nullable=False, unique=True),
    Column("record_hash", String(64), nullable=False),
)

# One row per resource an audit record names, so that "who read this member"
# is one indexed lookup.
audit_resources = Table(
    "audit_resources",
    metadata,
    Column("audit_record_id", BIG_ID, ForeignKey("audit_records.id"), primary_key=True),
    Column("resource_id", String(64), primary_key=True),
    Index("ix_audit_resources_resource_id", "resource_id"),
)

# One row (id 1): the last record of the chain. Appending locks it, which keeps
# the chain linear across workers, and it shows records removed from the end.
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("record_id", BIG_ID, nullable=True),  # None: no record yet
    Column("record_hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)
