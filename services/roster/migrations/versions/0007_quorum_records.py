"""quorum records: 留党察看 (party_probations), approved exclusions from "should attend" (attendance_exclusions) and their withdrawals (exclusion_withdrawals)

Both are append-only histories: rows are inserted, never updated or deleted.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
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

    op.create_table(
        "exclusion_withdrawals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("exclusion_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["exclusion_id"], ["attendance_exclusions.id"],
                                name=op.f("fk_exclusion_withdrawals_exclusion_id_attendance_exclusions")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_exclusion_withdrawals_member_id_members")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_exclusion_withdrawals_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exclusion_withdrawals")),
    )
    with op.batch_alter_table("exclusion_withdrawals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exclusion_withdrawals_exclusion_id"), ["exclusion_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exclusion_withdrawals_organisation_id"), ["organisation_id"], unique=False)


def downgrade() -> None:
    op.drop_table("exclusion_withdrawals")
    op.drop_table("attendance_exclusions")
    op.drop_table("party_probations")
