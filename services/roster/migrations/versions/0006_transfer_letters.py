"""transfer_letters: organisation-relationship transfer letters (组织关系转接, 介绍信)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "transfer_letters",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("member_name", sa.String(length=100), nullable=False),
        sa.Column("from_organisation_id", sa.String(length=36), nullable=False),
        sa.Column("to_organisation_id", sa.String(length=36), nullable=True),
        sa.Column("to_name", sa.String(length=200), nullable=False),
        sa.Column("to_place", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("pending_for_member_id", sa.String(length=36), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("dues_paid_until", sa.String(length=7), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=True),
        sa.Column("reissue_of", sa.String(length=36), nullable=True),
        sa.Column("reissued_as", sa.String(length=36), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_by", sa.String(length=100), nullable=True),
        sa.Column("expired_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["from_organisation_id"], ["organisations.id"],
                                name=op.f("fk_transfer_letters_from_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_transfer_letters_member_id_members")),
        sa.ForeignKeyConstraint(["pending_for_member_id"], ["members.id"],
                                name=op.f("fk_transfer_letters_pending_for_member_id_members")),
        sa.ForeignKeyConstraint(["reissue_of"], ["transfer_letters.id"],
                                name=op.f("fk_transfer_letters_reissue_of_transfer_letters")),
        sa.ForeignKeyConstraint(["to_organisation_id"], ["organisations.id"],
                                name=op.f("fk_transfer_letters_to_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_letters")),
        sa.UniqueConstraint("pending_for_member_id", name=op.f("uq_transfer_letters_pending_for_member_id")),
    )
    with op.batch_alter_table("transfer_letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_letters_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfer_letters_from_organisation_id"), ["from_organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfer_letters_to_organisation_id"), ["to_organisation_id"], unique=False)
        batch_op.create_index("ix_transfer_letters_state_valid_until", ["state", "valid_until"], unique=False)


def downgrade() -> None:
    op.drop_table("transfer_letters")
