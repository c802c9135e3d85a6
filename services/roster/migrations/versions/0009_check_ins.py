"""check_ins: 双报到, a member away checking in at a host, confirmed by host and home; mobile_member_cards (流动党员活动证)

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

from services.common.tables import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_ins",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("departure_id", sa.String(36), nullable=False),
        sa.Column("checked_in_on", sa.Date(), nullable=False),
        sa.Column("host_organisation_id", sa.String(36), nullable=True),
        sa.Column("host_name", sa.String(200), nullable=False),
        sa.Column("host_place", sa.String(200), nullable=True),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.Column("reported_by", sa.String(100), nullable=True),
        sa.Column("host_confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("host_confirmed_by", sa.String(100), nullable=True),
        sa.Column("home_confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("home_confirmed_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_check_ins_member_id_members")),
        sa.ForeignKeyConstraint(["departure_id"], ["departures.id"], name=op.f("fk_check_ins_departure_id_departures")),
        sa.ForeignKeyConstraint(["host_organisation_id"], ["organisations.id"],
                                name=op.f("fk_check_ins_host_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
    )
    for column in ("member_id", "departure_id", "host_organisation_id"):
        op.create_index(op.f(f"ix_check_ins_{column}"), "check_ins", [column])
    op.create_table(
        "mobile_member_cards",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("departure_id", sa.String(36), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("branch_id", sa.String(36), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("issued_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_mobile_member_cards_member_id_members")),
        sa.ForeignKeyConstraint(["departure_id"], ["departures.id"],
                                name=op.f("fk_mobile_member_cards_departure_id_departures")),
        sa.ForeignKeyConstraint(["branch_id"], ["organisations.id"],
                                name=op.f("fk_mobile_member_cards_branch_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobile_member_cards")),
        sa.UniqueConstraint("departure_id", name=op.f("uq_mobile_member_cards_departure_id")),
        sa.UniqueConstraint("number", name=op.f("uq_mobile_member_cards_number")),
    )
    op.create_index(op.f("ix_mobile_member_cards_member_id"), "mobile_member_cards", ["member_id"])


def downgrade() -> None:
    op.drop_table("mobile_member_cards")
    op.drop_table("check_ins")
