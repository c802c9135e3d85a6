"""The kernel's tables (the outbox, inbox, idempotency keys and caller
contexts every service carries) and the
encrypted column type for personal data; naming and common column types come
from ``persistence.schema``."""
from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table, Text, text
from sqlalchemy.types import TypeDecorator

from persistence.schema import BIG_ID, UTCDateTime, new_metadata  # noqa: F401 (UTCDateTime re-exported for services)


def outbox_table(metadata: MetaData) -> Table:
    table = Table(
        "outbox",
        metadata,
        Column("id", BIG_ID, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("source", String(50), nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("version", Integer, nullable=False),
        Column("envelope", JSON, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("published_at", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text, nullable=True),
    )
    # The relay only ever looks for what is still unpublished.
    Index(
        "ix_outbox_unpublished",
        table.c.id,
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    )
    return table


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("handler", String(200), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("received_at", UTCDateTime(), nullable=False),
    )


def idempotency_table(metadata: MetaData) -> Table:
    """The first answer to each (principal, Idempotency-Key), written in the
    same transaction as the write it answers: a retry gets that answer back
    and has no second effect."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("principal", String(100), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("fingerprint", String(64), nullable=False),  # sha256 of the method and its arguments
        Column("answer", JSON, nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
    )


def caller_contexts_table(metadata: MetaData) -> Table:
    """The id of every signed caller context a call was made with, until it
    expires (``services.common.rpc``): written in the call's transaction, so a
    context replayed, even concurrently, is refused by the primary key."""
    return Table(
        "caller_contexts",
        metadata,
        Column("jti", String(64), primary_key=True),
        Column("issuer", String(100), nullable=False),
        # When the row may go: past this, the context is refused as expired anyway.
        Column("expires_at", UTCDateTime(), nullable=False, index=True),
    )


def organisation_tree_table(metadata: MetaData) -> Table:
    """A service's projection of roster's organisation tree, kept from
    ``organisation_created`` events (``services.common.tree``): how it checks a
    caller's scope without asking roster."""
    return Table(
        "organisation_tree",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("parent_id", String(36), nullable=True),
        # '/root-id/.../own-id/', as roster keeps it: a subtree is one indexed prefix match.
        Column("path", String(1000), nullable=False, index=True),
        Column("depth", Integer, nullable=False),
        Column("kind", String(40), nullable=False),
        Column("name", String(200), nullable=False),
        Column("revision", Integer, nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    )


def kernel_tables(metadata: MetaData, organisation_tree=True) -> dict:
    """Every table the kernel needs in a service's database, added to its metadata."""
    tables = {
        "outbox": outbox_table(metadata),
        "inbox": inbox_table(metadata),
        "idempotency_keys": idempotency_table(metadata),
        "caller_contexts": caller_contexts_table(metadata),
    }
    if organisation_tree:
        tables["organisation_tree"] = organisation_tree_table(metadata)
    return tables


def create_kernel_tables(op, organisation_tree=True, only=None):
    """Create the kernel's tables in a service's migration (``op`` is Alembic's),
    exactly as :func:`kernel_tables` declares them, constraint names included::

        def upgrade():
            create_kernel_tables(op)

    ``only`` names a subset, for a service that already has some of them. The
    DDL comes from the declarations themselves rather than a copy in every
    service's first migration; the price is that such a revision cannot be
    rendered as an offline SQL script.
    """
    metadata = new_metadata()
    tables = kernel_tables(metadata, organisation_tree=organisation_tree)
    chosen = [table for name, table in tables.items() if only is None or name in only]
    metadata.create_all(op.get_bind(), tables=chosen)


# ---- personal data ----------------------------------------------------------

_CIPHER_ATTRIBUTE = "liudong_personal_data_cipher"


def bind_cipher(engine, cipher):
    """Make ``cipher`` the one every :class:`EncryptedText` column uses on ``engine``.

    The cipher hangs on the engine's dialect because a column type's hooks are
    handed nothing but the dialect; one dialect object belongs to one engine, so
    two engines (two services, or a rotation tool beside a service) can hold
    different keys in one process.
    """
    setattr(engine.dialect, _CIPHER_ATTRIBUTE, cipher)


def cipher_for(bind):
    """The cipher bound to an engine, connection or dialect."""
    dialect = getattr(bind, "dialect", bind)
    cipher = getattr(dialect, _CIPHER_ATTRIBUTE, None)
    if cipher is None:
        raise RuntimeError("no personal-data cipher is bound to this engine (services.common.tables.bind_cipher)")
    return cipher


class EncryptedText(TypeDecorator):
    """A personal value stored only as a Fernet token (Text), written and read in plaintext.

    Encryption sits here, at the persistence boundary, rather than in the
    repository or the domain: the domain objects keep plain values and stay
    pure; every path that writes the column (ORM flush, Core insert or update)
    goes through the cipher, so no code path can forget it; and reads decrypt
    and authenticate, so a tampered row fails loudly. The tokens are randomised,
    so the column can never be compared in SQL: look rows up by the keyed hash
    index beside it (``PersonalDataCipher.index``).
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else cipher_for(dialect).encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else cipher_for(dialect).decrypt(value)

    def process_literal_param(self, value, dialect):
        # A literal would put ciphertext (or worse, plaintext) in SQL text: refuse.
        raise NotImplementedError("personal data is never rendered into SQL text")
