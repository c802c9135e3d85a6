"""caller_contexts: the signed caller contexts already used, until they expire

Revision ID: 0004
Revises: 0003
"""
from alembic import op

from services.common.tables import create_kernel_tables

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_kernel_tables(op, only={"caller_contexts"})


def downgrade() -> None:
    op.drop_table("caller_contexts")
