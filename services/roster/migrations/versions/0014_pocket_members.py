"""pocket_members: 口袋党员 candidates (expired transfer letters, ID numbers matching no one);
pocket_member_placements: the append-only record of placing one in a branch

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

from services.common.tables import EncryptedText, UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pocket_members",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("organisation_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=True),
        sa.Column("open_for_member_id", sa.String(36), nullable=True),
        sa.Column("transfer_id", sa.String(36), nullable=True),
        sa.Column("id_number", EncryptedText(), nullable=True),
        sa.Column("id_number_index", sa.String(64), nullable=True),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("sightings", sa.Integer(), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("last_seen_on", sa.Date(), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.Column("found_by", sa.String(100), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("placed_branch_id", sa.String(36), nullable=True),
        sa.Column("placed_member_id", sa.String(36), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_pocket_members_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_pocket_members_member_id_members")),
        sa.ForeignKeyConstraint(["open_for_member_id"], ["members.id"],
                                name=op.f("fk_pocket_members_open_for_member_id_members")),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfer_letters.id"],
                                name=op.f("fk_pocket_members_transfer_id_transfer_letters")),
        sa.ForeignKeyConstraint(["placed_branch_id"], ["organisations.id"],
                                name=op.f("fk_pocket_members_placed_branch_id_organisations")),
        sa.ForeignKeyConstraint(["placed_member_id"], ["members.id"],
                                name=op.f("fk_pocket_members_placed_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pocket_members")),
        sa.UniqueConstraint("open_for_member_id", name=op.f("uq_pocket_members_open_for_member_id")),
        sa.UniqueConstraint("id_number_index", name=op.f("uq_pocket_members_id_number_index")),
    )
    for column in ("source", "organisation_id", "member_id", "state"):
        op.create_index(op.f(f"ix_pocket_members_{column}"), "pocket_members", [column])
    op.create_table(
        "pocket_member_placements",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("pocket_member_id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("from_organisation_id", sa.String(36), nullable=True),
        sa.Column("branch_id", sa.String(36), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["pocket_member_id"], ["pocket_members.id"],
                                name=op.f("fk_pocket_member_placements_pocket_member_id_pocket_members")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_pocket_member_placements_member_id_members")),
        sa.ForeignKeyConstraint(["from_organisation_id"], ["organisations.id"],
                                name=op.f("fk_pocket_member_placements_from_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["branch_id"], ["organisations.id"],
                                name=op.f("fk_pocket_member_placements_branch_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pocket_member_placements")),
        sa.UniqueConstraint("pocket_member_id", name=op.f("uq_pocket_member_placements_pocket_member_id")),
    )
    for column in ("member_id", "branch_id"):
        op.create_index(op.f(f"ix_pocket_member_placements_{column}"), "pocket_member_placements", [column])


def downgrade() -> None:
    op.drop_table("pocket_member_placements")
    op.drop_table("pocket_members")
