"""personal data bound to its place: AES-GCM tokens with the row and column as associated data; destination_address encrypted

- members.id_number, members.phone and departures.contact held Fernet tokens,
  which decrypt wherever they are copied; each is re-encrypted into the
  ``pd1.`` AES-256-GCM format whose associated data is its place
  (``members.id_number:<member id>``, see ``services.common.crypto``), so a
  token moved to another row or column no longer decrypts;
- departures.destination_address becomes personal data: Text holding a bound
  token; the plaintext values already stored are encrypted.

The rows are rewritten in batches, with the cipher the service hands over as
``config.attributes["personal_data_cipher"]``, inside the one transaction the
service's migration runs in: on PostgreSQL the upgrade is all or nothing; a
value that does not decrypt (altered, or its key gone) stops it. Offline (SQL script)
mode cannot encrypt rows and is refused. The downgrade puts the Fernet tokens
and the plaintext destination_address back (it needs the cipher too).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import context, op

from services.common.crypto import place

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH_SIZE = 500
CIPHER_ATTRIBUTE = "personal_data_cipher"  # persistence.migrations.PERSONAL_DATA_CIPHER

members = sa.table("members", sa.column("id", sa.String), sa.column("id_number", sa.Text), sa.column("phone", sa.Text))
departures = sa.table("departures", sa.column("id", sa.String), sa.column("contact", sa.Text),
                      sa.column("destination_address", sa.Text))

# table -> columns that held Fernet tokens before 0005
FERNET_COLUMNS = ((members, ("id_number", "phone")), (departures, ("contact",)))
PLAINTEXT_COLUMNS = ((departures, ("destination_address",)),)


def _cipher():
    cipher = context.config.attributes.get(CIPHER_ATTRIBUTE)
    if cipher is None:
        raise RuntimeError(
            "migration 0005 must re-encrypt the personal data already stored, and was given no cipher: "
            "start the roster service with LIUDONG_PERSONAL_DATA_KEYS and LIUDONG_PERSONAL_DATA_INDEX_KEY set"
        )
    return cipher


def _batches(connection, table, columns):
    """Rows of ``table`` with a value in any of ``columns``, in primary-key order, BATCH_SIZE at a time."""
    last_id = None
    any_value = sa.or_(*[table.c[name].isnot(None) for name in columns])
    while True:
        query = (sa.select(table.c.id, *[table.c[name] for name in columns])
                 .where(any_value).order_by(table.c.id).limit(BATCH_SIZE))
        if last_id is not None:
            query = query.where(table.c.id > last_id)
        rows = connection.execute(query).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def _rewrite(connection, table, columns, convert):
    """Replace each value ``v`` of ``columns`` by ``convert(cipher, v, place)``: one
    executemany per column and batch."""
    cipher = None
    for rows in _batches(connection, table, columns):
        cipher = cipher or _cipher()  # an empty table needs no keys
        for name in columns:
            statement = (table.update().where(table.c.id == sa.bindparam("row_id"))
                         .values({name: sa.bindparam("new_value")}))
            updates = [{"row_id": row.id, "new_value": convert(cipher, getattr(row, name), place(table.name, name, row.id))}
                       for row in rows if getattr(row, name) is not None]
            if updates:
                connection.execute(statement, updates)


def _bind_fernet(cipher, token, where):
    return cipher.encrypt(cipher.fernet_decrypt(token), where)


def _bind_plaintext(cipher, value, where):
    return cipher.encrypt(value, where)


def _unbind_to_fernet(cipher, token, where):
    return cipher.fernet_encrypt(cipher.decrypt(token, where))


def _unbind_to_plaintext(cipher, token, where):
    return cipher.decrypt(token, where)


def upgrade() -> None:
    if context.is_offline_mode():
        raise RuntimeError("migration 0005 re-encrypts the rows already stored and cannot run in offline (SQL script) mode")
    with op.batch_alter_table("departures", schema=None) as batch_op:
        batch_op.alter_column("destination_address", existing_type=sa.String(length=200), type_=sa.Text(),
                              existing_nullable=True)
    connection = op.get_bind()
    for table, columns in FERNET_COLUMNS:
        _rewrite(connection, table, columns, _bind_fernet)
    for table, columns in PLAINTEXT_COLUMNS:
        _rewrite(connection, table, columns, _bind_plaintext)


def downgrade() -> None:
    """Back to unbound Fernet tokens and a plaintext destination_address: needs the cipher, like the upgrade."""
    if context.is_offline_mode():
        raise RuntimeError("migration 0005 decrypts the rows stored and cannot run in offline (SQL script) mode")
    connection = op.get_bind()
    for table, columns in FERNET_COLUMNS:
        _rewrite(connection, table, columns, _unbind_to_fernet)
    for table, columns in PLAINTEXT_COLUMNS:
        _rewrite(connection, table, columns, _unbind_to_plaintext)
    with op.batch_alter_table("departures", schema=None) as batch_op:
        batch_op.alter_column("destination_address", existing_type=sa.Text(), type_=sa.String(length=200),
                              existing_nullable=True)
