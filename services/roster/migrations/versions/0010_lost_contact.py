"""lost_contacts and membership_decisions: 失联 with its search efforts; 停止党籍 and 除名 confirmed

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

from services.common.tables import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lost_contacts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("open_for_member_id", sa.String(36), nullable=True),
        sa.Column("organisation_id", sa.String(36), nullable=False),
        sa.Column("lost_since", sa.Date(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("search_efforts", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.Column("reported_by", sa.String(100), nullable=True),
        sa.Column("restored_on", sa.Date(), nullable=True),
        sa.Column("restored_at", UTCDateTime(), nullable=True),
        sa.Column("restored_by", sa.String(100), nullable=True),
        sa.Column("restoration_note", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_lost_contacts_member_id_members")),
        sa.ForeignKeyConstraint(["open_for_member_id"], ["members.id"],
                                name=op.f("fk_lost_contacts_open_for_member_id_members")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_lost_contacts_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lost_contacts")),
        sa.UniqueConstraint("open_for_member_id", name=op.f("uq_lost_contacts_open_for_member_id")),
    )
    for column in ("member_id", "organisation_id"):
        op.create_index(op.f(f"ix_lost_contacts_{column}"), "lost_contacts", [column])
    op.create_table(
        "membership_decisions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("lost_contact_id", sa.String(36), nullable=False),
        sa.Column("organisation_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("proposed_from", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("reversed_on", sa.Date(), nullable=True),
        sa.Column("reversed_at", UTCDateTime(), nullable=True),
        sa.Column("reversed_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_membership_decisions_member_id_members")),
        sa.ForeignKeyConstraint(["lost_contact_id"], ["lost_contacts.id"],
                                name=op.f("fk_membership_decisions_lost_contact_id_lost_contacts")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_membership_decisions_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_decisions")),
    )
    for column in ("member_id", "lost_contact_id"):
        op.create_index(op.f(f"ix_membership_decisions_{column}"), "membership_decisions", [column])


def downgrade() -> None:
    op.drop_table("membership_decisions")
    op.drop_table("lost_contacts")
