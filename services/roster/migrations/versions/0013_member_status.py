"""member status computed: at_home becomes normal; member_status_changes, the append-only history

members.status is from now on the last computed status (services.roster.status), a cache for filtering
and for telling a change. Each member on the roll gets a first history row with the status they have,
caused by "migration"; the roster's status sweep moves those the clock has changed since (an away member
past the check-in due day or six months) on its first run, each with member_status_changed.

Revision ID: 0013
Revises: 0012
"""
import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from services.common.tables import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "member_status_changes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("organisation_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("previous_status", sa.String(20), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=True),
        sa.Column("cause", sa.String(60), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_status_changes_member_id_members")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_member_status_changes_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_status_changes")),
    )
    op.create_index(op.f("ix_member_status_changes_member_id"), "member_status_changes", ["member_id"])
    op.create_index(op.f("ix_member_status_changes_organisation_id"), "member_status_changes", ["organisation_id"])
    op.execute("UPDATE members SET status = 'normal' WHERE status = 'at_home'")

    connection = op.get_bind()
    members = sa.table("members", sa.column("id"), sa.column("organisation_id"), sa.column("status"),
                       sa.column("registered_at", UTCDateTime()))
    changes = sa.table("member_status_changes", *(sa.column(name) for name in (
        "id", "member_id", "organisation_id", "status", "previous_status", "effective_on", "changed_by", "cause")),
        sa.column("changed_at", UTCDateTime()))
    now = datetime.now(timezone.utc)
    rows = connection.execute(sa.select(members.c.id, members.c.organisation_id, members.c.status,
                                        members.c.registered_at).order_by(members.c.id)).all()
    for start in range(0, len(rows), BATCH):
        connection.execute(changes.insert(), [
            {"id": str(uuid.uuid4()), "member_id": row.id, "organisation_id": row.organisation_id,
             "status": row.status, "previous_status": None, "effective_on": now.date(), "changed_at": now,
             "changed_by": None, "cause": "migration"}
            for row in rows[start:start + BATCH]
        ])


def downgrade() -> None:
    op.drop_index(op.f("ix_member_status_changes_organisation_id"), table_name="member_status_changes")
    op.drop_index(op.f("ix_member_status_changes_member_id"), table_name="member_status_changes")
    op.drop_table("member_status_changes")
    # Every computed status folds back into the three stored before.
    op.execute("UPDATE members SET status = 'at_home' WHERE status IN ('normal', 'lost_contact', 'suspended', 'removed')")
    op.execute("UPDATE members SET status = 'away' WHERE status IN ('awaiting_check_in', 'should_transfer')")
    op.execute("UPDATE members SET status = CASE WHEN EXISTS (SELECT 1 FROM departures d WHERE d.open_for_member_id = "
               "members.id) THEN 'away' ELSE 'at_home' END WHERE status = 'transfer_pending'")
