"""departures.destination_reach and destination_code: where a departure goes, seen from home

``destination_reach`` is in_county, in_province or out_of_province;
``destination_code`` the GB/T 2260 code of the most specific place matched
(services.roster.domain.places). Departures already stored are classified
here with the same rules, from the county in ``LIUDONG_COUNTY_CODE`` (the
service's ``HOME_COUNTY_CODE``, Gaotai 620724 by default); a row whose
province is not on the list, or an unreported departure (no destination),
stays NULL rather than stopping the upgrade.

Revision ID: 0008
Revises: 0007
"""
import os

import sqlalchemy as sa
from alembic import op

from contracts.errors import RuleViolation
from services.roster.domain import places

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

departures = sa.table(
    "departures", sa.column("id", sa.String), sa.column("destination_province", sa.String),
    sa.column("destination_city", sa.String), sa.column("destination_reach", sa.String),
    sa.column("destination_code", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("departures") as batch:
        batch.add_column(sa.Column("destination_reach", sa.String(20), nullable=True))
        batch.add_column(sa.Column("destination_code", sa.String(6), nullable=True))
        batch.create_index("ix_departures_destination_reach", ["destination_reach"])
    home = os.environ.get("LIUDONG_COUNTY_CODE") or places.DEFAULT_HOME_CODE
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(departures.c.id, departures.c.destination_province, departures.c.destination_city)
        .where(departures.c.destination_province.isnot(None))
    ).all()
    for row in rows:
        try:
            where = places.classify(row.destination_province, row.destination_city, home)
        except RuleViolation:
            continue
        connection.execute(
            departures.update().where(departures.c.id == row.id)
            .values(destination_reach=where.reach, destination_code=where.code)
        )


def downgrade() -> None:
    with op.batch_alter_table("departures") as batch:
        batch.drop_index("ix_departures_destination_reach")
        batch.drop_column("destination_code")
        batch.drop_column("destination_reach")
