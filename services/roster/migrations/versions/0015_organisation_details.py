"""organisation details (host, budget, officers, activity day, revision), one online branch per
village (organisations.online_branch_of, unique), organisation_changes, station_links,
town_community_pairings

Organisations already stored: urban mobile branches get their activity day, the 6th (the county's
rule); each village's online branch is marked as its own (``online_branch_of`` = its parent), the
earliest one if a village somehow holds more (the others stay unmarked rather than stopping the
upgrade: they are listed by ``kind`` and can be dealt with by hand).

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

from services.common.tables import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

organisations = sa.table(
    "organisations", sa.column("id", sa.String), sa.column("parent_id", sa.String), sa.column("kind", sa.String),
    sa.column("created_at", UTCDateTime()), sa.column("activity_day", sa.Integer),
    sa.column("online_branch_of", sa.String),
)

DETAIL_COLUMNS = (
    ("host_name", sa.String(200)), ("host_kind", sa.String(20)), ("budget_yuan", sa.Integer()),
    ("budget_year", sa.Integer()), ("secretary_name", sa.String(100)), ("secretary_member_id", sa.String(36)),
    ("deputy_secretary_name", sa.String(100)), ("deputy_secretary_member_id", sa.String(36)),
    ("liaison_name", sa.String(100)), ("liaison_member_id", sa.String(36)), ("activity_day", sa.Integer()),
    ("online_branch_of", sa.String(36)),
)


def upgrade() -> None:
    for name, type_ in DETAIL_COLUMNS:
        op.add_column("organisations", sa.Column(name, type_, nullable=True))
    op.add_column("organisations", sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
    connection = op.get_bind()
    connection.execute(organisations.update().where(organisations.c.kind == "urban_mobile_branch")
                       .values(activity_day=6))
    marked = set()
    for row in connection.execute(
        sa.select(organisations.c.id, organisations.c.parent_id).where(organisations.c.kind == "village_online_branch")
        .order_by(organisations.c.created_at, organisations.c.id)
    ).all():
        if row.parent_id and row.parent_id not in marked:
            marked.add(row.parent_id)
            connection.execute(organisations.update().where(organisations.c.id == row.id)
                               .values(online_branch_of=row.parent_id))
    # An index, not a constraint: SQLite creates and drops it without rebuilding the table.
    op.create_index("uq_organisations_online_branch_of", "organisations", ["online_branch_of"], unique=True)

    op.create_table(
        "organisation_changes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("organisation_id", sa.String(36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_organisation_changes_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_changes")),
    )
    op.create_index(op.f("ix_organisation_changes_organisation_id"), "organisation_changes", ["organisation_id"])

    op.create_table(
        "station_links",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("station_id", sa.String(36), nullable=False),
        sa.Column("branch_id", sa.String(36), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(500), nullable=True),
        sa.Column("active_pair", sa.String(80), nullable=True),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.Column("linked_by", sa.String(100), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["station_id"], ["organisations.id"], name=op.f("fk_station_links_station_id_organisations")),
        sa.ForeignKeyConstraint(["branch_id"], ["organisations.id"], name=op.f("fk_station_links_branch_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_links")),
        sa.UniqueConstraint("active_pair", name=op.f("uq_station_links_active_pair")),
    )
    for column in ("station_id", "branch_id"):
        op.create_index(op.f(f"ix_station_links_{column}"), "station_links", [column])

    op.create_table(
        "town_community_pairings",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("town_id", sa.String(36), nullable=False),
        sa.Column("community_organisation_id", sa.String(36), nullable=True),
        sa.Column("community_name", sa.String(200), nullable=False),
        sa.Column("community_place", sa.String(200), nullable=True),
        sa.Column("paired_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(500), nullable=True),
        sa.Column("active_for_town_id", sa.String(36), nullable=True),
        sa.Column("active_for_community_id", sa.String(36), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["town_id"], ["organisations.id"],
                                name=op.f("fk_town_community_pairings_town_id_organisations")),
        sa.ForeignKeyConstraint(["community_organisation_id"], ["organisations.id"],
                                name=op.f("fk_town_community_pairings_community_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_town_community_pairings")),
        sa.UniqueConstraint("active_for_town_id", name=op.f("uq_town_community_pairings_active_for_town_id")),
        sa.UniqueConstraint("active_for_community_id", name=op.f("uq_town_community_pairings_active_for_community_id")),
    )
    for column in ("town_id", "community_organisation_id"):
        op.create_index(op.f(f"ix_town_community_pairings_{column}"), "town_community_pairings", [column])


def downgrade() -> None:
    op.drop_table("town_community_pairings")
    op.drop_table("station_links")
    op.drop_table("organisation_changes")
    op.drop_index("uq_organisations_online_branch_of", table_name="organisations")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later too): rebuilding organisations by
    # copy would drop a table every other one references.
    for name in ("revision", *(name for name, _type in reversed(DETAIL_COLUMNS))):
        op.drop_column("organisations", name)
