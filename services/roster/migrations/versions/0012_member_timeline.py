"""member_field_changes: a member's fields changed after registration, one append-only row per field, values encrypted

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

from services.common.tables import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_field_changes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("organisation_id", sa.String(36), nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),  # a token bound to its row and column
        sa.Column("new_value", sa.Text(), nullable=True),  # a token bound to its row and column
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_field_changes_member_id_members")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_member_field_changes_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_field_changes")),
    )
    op.create_index(op.f("ix_member_field_changes_member_id"), "member_field_changes", ["member_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_member_field_changes_member_id"), table_name="member_field_changes")
    op.drop_table("member_field_changes")
