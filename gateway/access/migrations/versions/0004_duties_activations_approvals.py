"""三员分立: users.activated_at, one-time activation codes, and grants that wait for a second person's approval

Revision ID: 0004
Revises: 0001
Create Date: 2026-12-02 14:00:00

Every user that exists already set (or was given) a password: they count as
activated. Every grant that exists already counts: it is ``approved``.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # add_column only: SQLite's batch mode would rebuild grants and drop its history trigger.
    op.add_column("users", sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET activated_at = created_at")
    op.add_column("grants", sa.Column("status", sa.String(20), nullable=False, server_default="approved"))
    op.add_column("grants", sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("grants", sa.Column("decided_by", sa.String(100), nullable=True))
    op.create_table(
        "activations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_activations_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activations")),
    )
    op.create_index(op.f("ix_activations_user_id"), "activations", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_activations_user_id"), table_name="activations")
    op.drop_table("activations")
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the grants' history trigger.
    for column in ("decided_by", "decided_at", "status"):
        op.drop_column("grants", column)
    op.drop_column("users", "activated_at")
