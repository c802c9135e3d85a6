"""The kernel's tables (the outbox, inbox, idempotency keys and caller
contexts every service carries) and the
encryption of personal data columns, bound to their place; naming and common
column types come from ``persistence.schema``.

Personal data
-------------

A personal value is encrypted for its *place* (table, column, row id; see
services.common.crypto), so the code that encrypts must know the row. A column
type cannot: SQLAlchemy hands a TypeDecorator the value and the dialect only.
So the work is split:

- The mapping (``map_personal_data``) maps each encrypted column to a private
  attribute (``_sealed_<column>``) that holds the token, and leaves the domain
  attribute of the same name as a plain Python attribute holding the
  plaintext: domain objects stay pure and never see a token or a key.
- Mapper and session events move values between the two: ``load`` and
  ``refresh`` decrypt each token with the loaded row's place; ``before_flush``
  encrypts each new or changed plaintext of the session's new and dirty
  objects with the object's place. The plaintext attribute is a descriptor
  (``_Plaintext``) that flags the token's attribute modified when it is set to
  a new value, so a change to it alone makes the object dirty: it is written at
  the next flush and never lost, and the seal never has to look at the clean
  objects the session has loaded.
- The column type (``EncryptedText``) stores only what has the form of a
  bound token and refuses anything else, so a Core insert or update through
  the mapped table cannot write plaintext by mistake. The Core paths that
  rewrite tokens on purpose (``rotate_keys``, the migrations) work on raw
  columns and call the cipher with ``crypto.place`` themselves.

Alternatives weighed: a TypeDecorator that reads the row id from a context
variable set around each flush (implicit, easy to bypass, wrong for
executemany); encryption in the repository (a write path that forgets it
stores plaintext); tokens in the domain objects (the domain would hold
ciphertext and need the key to read its own data).
"""
from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table, Text, event, inspect, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.types import TypeDecorator

from persistence.schema import BIG_ID, UTCDateTime, new_metadata  # noqa: F401 (UTCDateTime re-exported for services)
from services.common.crypto import is_token, place


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
_SEALED_PREFIX = "_sealed_"
_OPENED = "liudong_personal_data"  # InstanceState.info key: {column: plaintext as last encrypted or decrypted}
_ENCRYPTING = {}  # mapped class -> _Encryption


class _Plaintext:
    """The plain attribute of an encrypted column, on the mapped class.

    The plaintext is not a mapped attribute, so SQLAlchemy cannot see it change:
    setting it flags the token's attribute modified instead. The object is then
    dirty, which the session's identity map holds strongly and flushes, and the
    seal before the flush looks at the new and dirty objects only, never at
    every object the session has loaded (a batch of 500 departures loads
    thousands).
    """

    def __init__(self, column):
        self.column = column
        self.sealed = sealed_attribute(column)

    def __get__(self, instance, owner):
        if instance is None:
            return self
        try:
            return instance.__dict__[self.column]
        except KeyError:
            raise AttributeError(self.column) from None

    def __set__(self, instance, value):
        state = inspect(instance)
        if state.key is not None and self.sealed not in state.dict:
            # Load the token first (deferred, expired): the load opens it into the
            # plaintext, which must not then overwrite the value set here.
            getattr(instance, self.sealed)
        instance.__dict__[self.column] = value
        opened = state.info.get(_OPENED, {})
        if state.key is not None and (self.column not in opened or opened[self.column] != value):
            flag_modified(instance, self.sealed)


def bind_cipher(engine, cipher):
    """Make ``cipher`` the one every encrypted column uses on ``engine``.

    The cipher hangs on the engine's dialect because that is what every hook
    can reach (a column type's hooks are handed nothing else); one dialect object
    belongs to one engine, so two engines (two services, or a rotation tool
    beside a service) can hold different keys in one process.
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
    """A personal value's column: only a token bound to its place (Text) is ever stored.

    Map the table with :func:`map_personal_data`, which encrypts and decrypts.
    The type itself refuses to write anything that is not a token (plaintext,
    a Fernet token from before migration 0005), whatever path writes it. The
    tokens are randomised, so the column can never be compared in SQL: look
    rows up by the keyed hash index beside it (``PersonalDataCipher.index``).
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or is_token(value):
            return value
        raise ValueError("an encrypted column stores only a token bound to its place "
                         "(services.common.tables.map_personal_data), never a plain value")

    def process_literal_param(self, value, dialect):
        # A literal would put ciphertext (or worse, plaintext) in SQL text: refuse.
        raise NotImplementedError("personal data is never rendered into SQL text")


def sealed_attribute(column_name):
    """The private attribute that holds the token of ``column_name``."""
    return _SEALED_PREFIX + column_name


class _Encryption:
    def __init__(self, mapper, table, columns):
        self.mapper = mapper
        self.table = table.name
        self.columns = tuple(columns)
        (key_column,) = mapper.primary_key  # the place names one row by one key
        self.key = mapper.get_property_by_column(key_column).key

    def place(self, instance, column):
        return place(self.table, column, getattr(instance, self.key))

    def on_load(self, instance, context):
        self.open(instance, self.cipher(context.session), self.columns)

    def on_refresh(self, instance, context, attributes):
        columns = [column for column in self.columns if attributes is None or sealed_attribute(column) in attributes]
        if columns:
            self.open(instance, self.cipher(context.session), columns)

    def on_write(self, _mapper, connection, instance):
        self.seal(instance, cipher_for(connection))

    def cipher(self, session):
        return cipher_for(session.get_bind(mapper=self.mapper))

    def open(self, instance, cipher, columns):
        """Decrypt the tokens just loaded into ``instance``'s plaintext attributes."""
        state = inspect(instance)
        opened = state.info.setdefault(_OPENED, {})
        for column in columns:
            attribute = sealed_attribute(column)
            if attribute not in state.dict:
                continue  # not loaded (load_only, deferred): nothing to show
            token = state.dict[attribute]
            value = None if token is None else cipher.decrypt(token, self.place(instance, column))
            instance.__dict__[column] = value
            opened[column] = value

    def seal(self, instance, cipher):
        """Encrypt every plaintext of ``instance`` that is new or changed since it was last sealed or opened."""
        state = inspect(instance)
        opened = state.info.setdefault(_OPENED, {})
        for column in self.columns:
            value = getattr(instance, column, None)
            if column in opened and opened[column] == value:
                continue
            token = None if value is None else cipher.encrypt(value, self.place(instance, column))
            setattr(instance, sealed_attribute(column), token)
            opened[column] = value


def map_personal_data(mapper_registry, cls, table, encrypted, properties=None, **kwargs):
    """``mapper_registry.map_imperatively(cls, table, ...)`` with the ``encrypted``
    columns (each an :class:`EncryptedText`) stored as tokens bound to their place.

    ``cls`` keeps plain values in attributes named like the columns; the tokens
    live in private attributes (:func:`sealed_attribute`). The table must have a
    single-column primary key, set before the object is first flushed. The
    engine needs a cipher (:func:`bind_cipher`).
    """
    properties = dict(properties or {})
    for column in encrypted:
        if not isinstance(table.c[column].type, EncryptedText):
            raise TypeError(f"{table.name}.{column} must be an EncryptedText column to be encrypted")
        properties[sealed_attribute(column)] = table.c[column]
    mapper = mapper_registry.map_imperatively(cls, table, properties=properties, **kwargs)
    for column in encrypted:
        setattr(cls, column, _Plaintext(column))
    encryption = _ENCRYPTING[cls] = _Encryption(mapper, table, encrypted)
    event.listen(mapper, "load", encryption.on_load)
    event.listen(mapper, "refresh", encryption.on_refresh)
    # Belt and braces: an object that reached the flush without passing
    # before_flush (cascaded in during it) is sealed as its row is written.
    event.listen(mapper, "before_insert", encryption.on_write)
    event.listen(mapper, "before_update", encryption.on_write)
    return mapper


@event.listens_for(Session, "before_flush")
def _seal_before_flush(session, _flush_context, _instances):
    _seal(session)


def _seal(session):
    if not _ENCRYPTING:
        return
    deleted = {id(instance) for instance in session.deleted}  # by identity: domain classes may define __eq__
    for instance in list(session.new) + list(session.dirty):
        encryption = _ENCRYPTING.get(type(instance))
        if encryption is None or id(instance) in deleted:
            continue
        encryption.seal(instance, encryption.cipher(session))
