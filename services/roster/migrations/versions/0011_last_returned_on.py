"""members.last_returned_on: the latest return, so that no movement is dated before it

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite's batch mode would recreate members, which every movement table refers to.
    op.add_column("members", sa.Column("last_returned_on", sa.Date(), nullable=True))
    op.execute("UPDATE members SET last_returned_on = (SELECT max(d.returned_on) FROM departures d "
               "WHERE d.member_id = members.id)")


def downgrade() -> None:
    op.drop_column("members", "last_returned_on")
