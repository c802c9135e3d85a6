"""the kernel's tables and welcomes

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from services.common.tables import create_kernel_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_kernel_tables(op)
    op.create_table(
        "welcomes",
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("organisation_id", sa.String(36), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=False),
        sa.Column("welcomed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_welcomes")),
    )
    op.create_index(op.f("ix_welcomes_organisation_id"), "welcomes", ["organisation_id"])


def downgrade() -> None:
    op.drop_table("welcomes")
