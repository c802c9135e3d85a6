"""The kernel's tables (the outbox and inbox every service carries) and the
encrypted column type for personal data; naming and common column types come
from ``persistence.schema``."""
from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table, Text, text
from sqlalchemy.types import TypeDecorator

from persistence.schema import BIG_ID, NAMING_CONVENTION, UTCDateTime, new_metadata  # noqa: F401 (re-exported for services)


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
