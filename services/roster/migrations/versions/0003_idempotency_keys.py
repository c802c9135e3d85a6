"""idempotency_keys: the first answer to each Idempotency-Key

Revision ID: 0003
Revises: 0002
"""
from alembic import op

from services.common.tables import create_kernel_tables

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_kernel_tables(op, only={"idempotency_keys"})


def downgrade() -> None:
    op.drop_table("idempotency_keys")
