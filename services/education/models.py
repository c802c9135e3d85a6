"""Education's tables: its projections of roster (members, their absences and
placements; the organisation tree is the kernel's) and its own records.

The projections hold no personal data: a member is an id, a branch, a status and
dates. Records are append-only where history matters: a talk is completed once,
a delivery keeps its status, attendance is one row per member and session.
"""
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
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

# ---- projections of roster's events --------------------------------------------
# registered_on: sessions held before the member was on the roll are not theirs to have missed.
members = members_table(metadata)

# Where a member belonged from which day: registration, then each transfer received.
placements = Table(
    "placements", metadata,
    Column("event_id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False),
    Column("from_date", Date, nullable=False),
)

# One absence per departure, whichever of its events arrives first: a return that
# arrives before its departure fills returned_on, and the departure its own fields later.
absences = Table(
    "absences", metadata,
    Column("departure_id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False),
    Column("departed_on", Date, nullable=True),
    Column("reported_on", Date, nullable=True),
    Column("returned_on", Date, nullable=True),
    # The host at the destination (member_checked_in): where an away member studies too.
    Column("host_organisation_id", String(ID), nullable=True),
    Column("checked_in_on", Date, nullable=True),
)

# ---- before leaving: 行前提醒谈话 ------------------------------------------------
talks = Table(
    "talks", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("departure_id", String(ID), nullable=False, unique=True),
    Column("departed_on", Date, nullable=False),
    Column("reported_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("late_report", Boolean, nullable=False),
    Column("state", String(20), nullable=False),
    Column("held_on", Date, nullable=True),
    Column("held_by", String(100), nullable=True),
    Column("method", String(30), nullable=True),
    Column("study_plan", Text, nullable=True),
    Column("reporting_rhythm", String(20), nullable=True),
    Column("notes", Text, nullable=True),
    Column("recorded_by", String(100), nullable=True),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("completed_at", UTCDateTime(), nullable=True),
)

# ---- while away: materials, pushes, deliveries, study ---------------------------
materials = Table(
    "materials", metadata,
    Column("id", String(ID), primary_key=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("summary", Text, nullable=True),
    Column("url", String(500), nullable=True),
    Column("published_on", Date, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

pushes = Table(
    "pushes", metadata,
    Column("id", String(ID), primary_key=True),
    Column("material_id", String(ID), ForeignKey("materials.id"), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("audience", String(20), nullable=False),
    Column("message", Text, nullable=False),
    Column("pushed_on", Date, nullable=False),
    Column("recipients", Integer, nullable=False),
    Column("pushed_by", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

deliveries = Table(
    "deliveries", metadata,
    Column("id", String(ID), primary_key=True),
    Column("push_id", String(ID), ForeignKey("pushes.id"), nullable=False, index=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", String(200), nullable=True),
    Column("sent_at", UTCDateTime(), nullable=False),
    UniqueConstraint("push_id", "member_id"),
)

# What the default channel adapters "send": the county reads it (a real SMS
# provider's adapter writes its own receipts instead). No phone number is kept.
channel_log = Table(
    "channel_log", metadata,
    Column("id", String(ID), primary_key=True),
    Column("delivery_id", String(ID), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("member_id", String(ID), nullable=False),
    # Where it went, masked (139****1234 for a phone channel; the group or app otherwise).
    Column("address", String(100), nullable=False),
    Column("message", Text, nullable=False),
    Column("logged_at", UTCDateTime(), nullable=False),
)

study_records = Table(
    "study_records", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("studied_on", Date, nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("minutes", Integer, nullable=True),
    Column("material_id", String(ID), nullable=True),
    Column("attested_by", String(100), nullable=True),
    Column("recorded_by", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# The monthly fixed activity day and 三会一课, online or offline, with attendance.
study_sessions = Table(
    "study_sessions", metadata,
    Column("id", String(ID), primary_key=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("held_on", Date, nullable=False, index=True),
    Column("mode", String(10), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

session_attendance = Table(
    "session_attendance", metadata,
    Column("session_id", String(ID), ForeignKey("study_sessions.id"), primary_key=True),
    Column("member_id", String(ID), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("mode", String(10), nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)
Index("ix_session_attendance_member_id", session_attendance.c.member_id)

# ---- on return: trainings ---------------------------------------------------------
trainings = Table(
    "trainings", metadata,
    Column("id", String(ID), primary_key=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

enrolments = Table(
    "enrolments", metadata,
    Column("id", String(ID), primary_key=True),
    Column("training_id", String(ID), ForeignKey("trainings.id"), nullable=False, index=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False),
    Column("cause", String(30), nullable=False),
    Column("departure_id", String(ID), nullable=True),
    Column("enrolled_at", UTCDateTime(), nullable=False),
    UniqueConstraint("training_id", "member_id"),
)

# Members home with no training open for them: enrolled when one opens.
enrolment_waits = Table(
    "enrolment_waits", metadata,
    Column("departure_id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False),
    Column("returned_on", Date, nullable=False),
    Column("enrolment_id", String(ID), nullable=True),
)

training_sessions = Table(
    "training_sessions", metadata,
    Column("id", String(ID), primary_key=True),
    Column("training_id", String(ID), ForeignKey("trainings.id"), nullable=False, index=True),
    Column("held_on", Date, nullable=False),
    Column("topic", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

training_attendance = Table(
    "training_attendance", metadata,
    Column("training_session_id", String(ID), ForeignKey("training_sessions.id"), primary_key=True),
    Column("member_id", String(ID), primary_key=True),
    Column("training_id", String(ID), nullable=False, index=True),
    Column("status", String(10), nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)

skills = Table(
    "skills", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("training_id", String(ID), nullable=True),
    Column("skill", String(100), nullable=False),
    Column("acquired_on", Date, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

technical_leaders = Table(
    "technical_leaders", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("field", String(100), nullable=False),
    Column("recognised_on", Date, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("member_id", "field"),
)
