"""who changed what; personal data encrypted at rest, found through keyed hash indexes

- organisations.created_by, members.registered_by, departures.reported_by and
  departures.return_reported_by: the caller's principal (NULL for older rows);
- members.id_number, members.phone and departures.contact become Text holding
  Fernet tokens (``cipher.fernet_encrypt``; 0005 re-encrypts them bound to
  their row and column); members.id_number_index (unique) and members.phone_index hold
  the keyed hashes; the old unique constraint on the plaintext id_number goes;
- the rows already stored (in plaintext, by 0001) are encrypted and indexed, in
  batches, with the cipher the service hands over as
  ``config.attributes["personal_data_cipher"]`` (``services.common.migrations``).

Everything happens in the one transaction the service's migration runs in: on
PostgreSQL the upgrade is all or nothing. Offline (SQL script) mode cannot
encrypt rows and is refused.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 12:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import context, op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH_SIZE = 500
CIPHER_ATTRIBUTE = "personal_data_cipher"  # services.common.migrations.PERSONAL_DATA_CIPHER

members = sa.table(
    "members",
    sa.column("id", sa.String),
    sa.column("id_number", sa.Text),
    sa.column("phone", sa.Text),
    sa.column("id_number_index", sa.String),
    sa.column("phone_index", sa.String),
)
departures = sa.table("departures", sa.column("id", sa.String), sa.column("contact", sa.Text))


def _cipher():
    cipher = context.config.attributes.get(CIPHER_ATTRIBUTE)
    if cipher is None:
        raise RuntimeError(
            "migration 0002 must encrypt the personal data already stored, and was given no cipher: "
            "start the roster service with LIUDONG_PERSONAL_DATA_KEYS and LIUDONG_PERSONAL_DATA_INDEX_KEY set"
        )
    return cipher


def _batches(connection, table, *columns, where=None):
    """Rows of ``table`` in primary-key order, BATCH_SIZE at a time."""
    last_id = None
    while True:
        query = sa.select(table.c.id, *columns).order_by(table.c.id).limit(BATCH_SIZE)
        if where is not None:
            query = query.where(where)
        if last_id is not None:
            query = query.where(table.c.id > last_id)
        rows = connection.execute(query).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def _update_by_id(connection, table, rows):
    """``rows``: dicts of ``{"row_id": ..., <column>: <value>, ...}``, one UPDATE each."""
    if not rows:
        return
    columns = [name for name in rows[0] if name != "row_id"]
    statement = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"new_{name}") for name in columns})
    )
    connection.execute(statement, [{"row_id": row["row_id"], **{f"new_{n}": row[n] for n in columns}} for row in rows])


def _has_personal_rows(connection):
    return bool(
        connection.scalar(sa.select(sa.func.count()).select_from(members))
        or connection.scalar(sa.select(sa.func.count()).select_from(departures).where(departures.c.contact.isnot(None)))
    )


def _encrypt_existing_rows(connection):
    if not _has_personal_rows(connection):
        return  # a new database: nothing to encrypt, no cipher needed
    cipher = _cipher()
    for rows in _batches(connection, members, members.c.id_number, members.c.phone):
        _update_by_id(connection, members, [
            {
                "row_id": row.id,
                "id_number": cipher.fernet_encrypt(row.id_number),
                "phone": cipher.fernet_encrypt(row.phone),
                "id_number_index": cipher.index(row.id_number, "id_number"),
                "phone_index": cipher.index(row.phone, "phone"),
            }
            for row in rows
        ])
    for rows in _batches(connection, departures, departures.c.contact, where=departures.c.contact.isnot(None)):
        _update_by_id(connection, departures, [{"row_id": row.id, "contact": cipher.fernet_encrypt(row.contact)} for row in rows])


def _decrypt_existing_rows(connection):
    if not _has_personal_rows(connection):
        return
    cipher = _cipher()
    for rows in _batches(connection, members, members.c.id_number, members.c.phone):
        _update_by_id(connection, members, [
            {"row_id": row.id, "id_number": cipher.fernet_decrypt(row.id_number), "phone": cipher.fernet_decrypt(row.phone)}
            for row in rows
        ])
    for rows in _batches(connection, departures, departures.c.contact, where=departures.c.contact.isnot(None)):
        _update_by_id(connection, departures, [{"row_id": row.id, "contact": cipher.fernet_decrypt(row.contact)} for row in rows])


def upgrade() -> None:
    if context.is_offline_mode():
        raise RuntimeError("migration 0002 encrypts the rows already stored and cannot run in offline (SQL script) mode")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.String(length=100), nullable=True))

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_members_id_number"), type_="unique")
        batch_op.alter_column("id_number", existing_type=sa.String(length=18), type_=sa.Text(), existing_nullable=False)
        batch_op.alter_column("phone", existing_type=sa.String(length=20), type_=sa.Text(), existing_nullable=False)
        batch_op.add_column(sa.Column("id_number_index", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("phone_index", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("registered_by", sa.String(length=100), nullable=True))

    with op.batch_alter_table("departures", schema=None) as batch_op:
        batch_op.alter_column("contact", existing_type=sa.String(length=100), type_=sa.Text(), existing_nullable=True)
        batch_op.add_column(sa.Column("reported_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("return_reported_by", sa.String(length=100), nullable=True))

    _encrypt_existing_rows(op.get_bind())

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("id_number_index", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("phone_index", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f("ix_members_id_number_index"), ["id_number_index"], unique=True)
        batch_op.create_index(batch_op.f("ix_members_phone_index"), ["phone_index"], unique=False)


def downgrade() -> None:
    """Back to plaintext: needs the cipher, like the upgrade."""
    if context.is_offline_mode():
        raise RuntimeError("migration 0002 decrypts the rows stored and cannot run in offline (SQL script) mode")

    _decrypt_existing_rows(op.get_bind())

    with op.batch_alter_table("departures", schema=None) as batch_op:
        batch_op.drop_column("return_reported_by")
        batch_op.drop_column("reported_by")
        batch_op.alter_column("contact", existing_type=sa.Text(), type_=sa.String(length=100), existing_nullable=True)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_phone_index"))
        batch_op.drop_index(batch_op.f("ix_members_id_number_index"))
        batch_op.drop_column("registered_by")
        batch_op.drop_column("phone_index")
        batch_op.drop_column("id_number_index")
        batch_op.alter_column("phone", existing_type=sa.Text(), type_=sa.String(length=20), existing_nullable=False)
        batch_op.alter_column("id_number", existing_type=sa.Text(), type_=sa.String(length=18), existing_nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_members_id_number"), ["id_number"])

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("created_by")
