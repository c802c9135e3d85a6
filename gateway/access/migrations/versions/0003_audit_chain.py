"""the audit hash chain: audit_records.previous_hash and record_hash, audit_chain_head

Records written before this revision are chained here, in id order, with the
encoding of ``gateway.access.audit_chain`` (version 1, which never changes in
place).

Revision ID: 0003
Revises: 0004
Create Date: 2026-12-02 14:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from gateway.access import audit_chain
from persistence.schema import UTCDateTime

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CHUNK = 1000

records = sa.table(
    "audit_records",
    sa.column("id", BIG_ID),
    sa.column("occurred_at", UTCDateTime()),
    *(sa.column(name, sa.String()) for name in
      ("principal", "action", "outcome", "resource_type", "endpoint", "request_id", "remote_addr")),
    sa.column("status", sa.Integer()),
    sa.column("resource_ids", sa.JSON()),
    sa.column("details", sa.JSON()),
    sa.column("previous_hash", sa.String()),
    sa.column("record_hash", sa.String()),
)


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("record_id", BIG_ID, nullable=True),
        sa.Column("record_hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    with _history_writable():
        with op.batch_alter_table("audit_records", schema=None) as batch_op:
            batch_op.add_column(sa.Column("previous_hash", sa.String(64), nullable=True))
            batch_op.add_column(sa.Column("record_hash", sa.String(64), nullable=True))
        last_id, head_hash = _chain_existing_records()
        with op.batch_alter_table("audit_records", schema=None) as batch_op:
            batch_op.alter_column("previous_hash", existing_type=sa.String(64), nullable=False)
            batch_op.alter_column("record_hash", existing_type=sa.String(64), nullable=False)
            batch_op.create_unique_constraint(batch_op.f("uq_audit_records_previous_hash"), ["previous_hash"])
    op.bulk_insert(
        sa.table("audit_chain_head", sa.column("id", sa.Integer()), sa.column("record_id", BIG_ID),
                 sa.column("record_hash", sa.String())),
        [{"id": audit_chain.HEAD_ID, "record_id": last_id, "record_hash": head_hash}],
    )


def _chain_existing_records():
    connection = op.get_bind()
    previous, last_id = audit_chain.GENESIS, None
    while True:
        query = sa.select(records).order_by(records.c.id).limit(CHUNK)
        if last_id is not None:
            query = query.where(records.c.id > last_id)
        rows = [dict(row) for row in connection.execute(query).mappings()]
        if not rows:
            return last_id, previous
        changes = []
        for row in rows:
            digest = audit_chain.record_hash(audit_chain.normalised(row), previous)
            changes.append({"record_id": row["id"], "previous": previous, "digest": digest})
            previous, last_id = digest, row["id"]
        connection.execute(
            sa.update(records).where(records.c.id == sa.bindparam("record_id"))
            .values(previous_hash=sa.bindparam("previous"), record_hash=sa.bindparam("digest")),
            changes,
        )


class _history_writable:
    """Lift the append-only triggers of audit_records while this migration
    writes the hashes; on SQLite the batch rebuild drops them anyway, so they
    are made again after it, as 0001 made them."""

    def __enter__(self):
        dialect = op.get_bind().dialect.name
        if dialect == "postgresql":
            op.execute("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only")
        elif dialect == "sqlite":
            for operation in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS audit_records_no_{operation}")

    def __exit__(self, *exc):
        dialect = op.get_bind().dialect.name
        if dialect == "postgresql":
            op.execute("ALTER TABLE audit_records ENABLE TRIGGER audit_records_append_only")
        elif dialect == "sqlite":
            for operation in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER audit_records_no_{operation.lower()} BEFORE {operation} ON audit_records "
                    f"BEGIN SELECT RAISE(ABORT, '{operation} on audit_records is refused: the table is append-only'); END"
                )
        return False


def downgrade() -> None:
    with _history_writable():
        with op.batch_alter_table("audit_records", schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f("uq_audit_records_previous_hash"), type_="unique")
            batch_op.drop_column("record_hash")
            batch_op.drop_column("previous_hash")
    op.drop_table("audit_chain_head")
