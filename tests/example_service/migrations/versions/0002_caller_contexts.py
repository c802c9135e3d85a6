"""caller_contexts: the kernel's table of used caller contexts

Revision ID: 0002
Revises: 0001
"""
from alembic import op

from services.common.tables import create_kernel_tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_kernel_tables(op, only={"caller_contexts"})


def downgrade() -> None:
    op.drop_table("caller_contexts")
