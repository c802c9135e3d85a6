"""quorum records: 留党察看 (party_probations) and approved exclusions from "should attend" (attendance_exclusions)

Both are append-only histories: rows are inserted, never updated or deleted.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "party_probations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_party_probations_member_id_members")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_party_probations_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_probations")),
    )
    with op.batch_alter_table("party_probations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_probations_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_party_probations_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "attendance_exclusions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("ground", sa.String(length=60), nullable=False),
        sa.Column("approved_by_organisation_id", sa.String(length=36), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_attendance_exclusions_member_id_members")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_attendance_exclusions_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_exclusions")),
    )
    with op.batch_alter_table("attendance_exclusions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_exclusions_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attendance_exclusions_organisation_id"), ["organisation_id"], unique=False)


def downgrade() -> None:
    op.drop_table("attendance_exclusions")
    op.drop_table("party_probations")
