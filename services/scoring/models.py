"""Scoring's tables: its projection of roster's members and absences (the
organisation tree is the kernel's), the rule-set versions, the append-only
ledger, manual entries, grading runs, grades and follow-ups.

Nothing personal is kept: a member is an id, a branch, a status and dates.
The ledger is only ever inserted into; a correction is a new line. One line
per (source event, rule): a redelivered event that slipped past the inbox
still cannot credit twice.
"""
from sqlalchemy import (
    JSON,
    Column,
    Date,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from services.common.member_projection import members_table
from services.common.tables import UTCDateTime, kernel_tables, new_metadata

metadata = new_metadata()
kernel_tables(metadata)

ID = 36  # a UUID as text, as every service keys its rows


def Points(name, **kwargs):
    # One decimal place: 59.9 is warned, 60 is not unqualified.
    return Column(name, Numeric(7, 1), **kwargs)


# ---- projections of roster's events --------------------------------------------
# registered_on: graded for the years from then on.
members = members_table(metadata)

# One row per departure, whichever of its events arrives first: a check-in is in time
# when it comes within 15 days of leaving, which needs both.
absences = Table(
    "absences", metadata,
    Column("departure_id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("departed_on", Date, nullable=True),
    Column("check_in_event_id", String(ID), nullable=True),
    Column("checked_in_on", Date, nullable=True),
    Column("check_in_organisation_id", String(ID), nullable=True),
)

# ---- the rule set, one row per version ---------------------------------------------
rule_sets = Table(
    "rule_sets", metadata,
    Column("id", String(ID), primary_key=True),
    Column("effective_from", Date, nullable=False, unique=True),
    Column("document", JSON, nullable=False),
    Column("note", Text, nullable=True),
    Column("published_by", String(100), nullable=True),
    Column("published_at", UTCDateTime(), nullable=True),
)

# ---- the ledger -----------------------------------------------------------------------
ledger_lines = Table(
    "ledger_lines", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("category", String(30), nullable=False),
    Column("rule", String(50), nullable=False),
    Points("points", nullable=False),
    Points("rule_points", nullable=False),
    Column("capped_by", String(20), nullable=True),
    Column("source", String(20), nullable=False),
    Column("source_event_id", String(ID), nullable=False),
    Column("source_event_type", String(50), nullable=False),
    Column("rule_set_id", String(ID), nullable=False),
    Column("reason", Text, nullable=True),
    Column("credited_at", UTCDateTime(), nullable=False),
    UniqueConstraint("source_event_id", "rule"),
)
# A member's year (standing, caps) and a year's grading both read by (year, member).
Index("ix_ledger_lines_year_member_id", ledger_lines.c.year, ledger_lines.c.member_id)

score_entries = Table(
    "score_entries", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("category", String(30), nullable=False),
    Points("points", nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("corrects_line_id", String(ID), nullable=True),
    Column("state", String(20), nullable=False),
    Column("submitted_by", String(100), nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=False),
    Column("decided_by", String(100), nullable=True),
    Column("decided_at", UTCDateTime(), nullable=True),
    Column("decision_note", Text, nullable=True),
    Column("line_id", String(ID), nullable=True),
)

# ---- year end ----------------------------------------------------------------------------
grading_runs = Table(
    "grading_runs", metadata,
    Column("id", String(ID), primary_key=True),
    # One run per year, ever: grading closes the year.
    Column("year", Integer, nullable=False, unique=True),
    Column("state", String(20), nullable=False),
    Column("requested_by", String(100), nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("completed_at", UTCDateTime(), nullable=True),
    Column("rule_set_id", String(ID), nullable=True),
    Column("graded", Integer, nullable=True),
    Column("excellent", Integer, nullable=True),
    Column("qualified", Integer, nullable=True),
    Column("warned", Integer, nullable=True),
    Column("unqualified", Integer, nullable=True),
)

grades = Table(
    "grades", metadata,
    Column("year", Integer, primary_key=True),
    Column("member_id", String(ID), primary_key=True),
    Column("run_id", String(ID), nullable=False),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Points("score", nullable=False),
    Column("grade", String(20), nullable=False),
)

follow_ups = Table(
    "follow_ups", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("grade", String(20), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("state", String(20), nullable=False),
    Column("outcome", String(30), nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("decided_by", String(100), nullable=True),
    Column("rectify_by", Date, nullable=True),
    Column("note", Text, nullable=True),
    Column("recorded_by", String(100), nullable=True),
    UniqueConstraint("year", "member_id", "kind"),
)
