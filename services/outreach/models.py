"""Outreach's tables: its projections of roster (members, their homecomings) and of
scoring (grades; the organisation tree is the kernel's), and its own records.

Nothing personal is kept: a member is an id, a branch, a status and dates; a
candidate for membership is a file number. Records keep their history: a visit
is completed once, a help case's timeline is only added to, a review is decided
once. Whatever may arrive twice has a unique key: a contact is one per member,
channel and minute; a visit one per cause; a review one per return.
"""
from sqlalchemy import (
    JSON,
    Boolean,
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
BY = 100  # who recorded it: the caller's principal


def Yuan(name, **kwargs):
    return Column(name, Numeric(14, 2), **kwargs)


# ---- projections -------------------------------------------------------------------------
members = members_table(metadata)

# One row per return (roster's member_returned, by its departure): campaigns list the members home again.
homecomings = Table(
    "homecomings", metadata,
    Column("departure_id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("departed_on", Date, nullable=True),
    Column("returned_on", Date, nullable=False),
    Column("event_id", String(ID), nullable=False),
)

# scoring's member_graded: the latest grade is part of a returnee's record for a reserve review.
grades = Table(
    "grades", metadata,
    Column("member_id", String(ID), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("grade", String(20), nullable=False),
)

# ---- pairings (帮扶联系) ----------------------------------------------------------------------
pairings = Table(
    "pairings", metadata,
    Column("id", String(ID), primary_key=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("cadre_member_id", String(ID), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("period", String(10), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ended_on", Date, nullable=True),
    Column("end_reason", Text, nullable=True),
    Column("created_by", String(BY), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

paired_members = Table(
    "paired_members", metadata,
    Column("pairing_id", String(ID), primary_key=True),
    Column("member_id", String(ID), primary_key=True, index=True),
)

# ---- the contact log ----------------------------------------------------------------------------
contacts = Table(
    "contacts", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("four_one", String(20), nullable=True),
    # To the minute: a device syncing again, or a retried request, names the same minute.
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("contacted_by", String(100), nullable=False),
    Column("summary", Text, nullable=False),
    Column("follow_up_needed", Boolean, nullable=False),
    Column("follow_up", Text, nullable=True),
    Column("pairing_id", String(ID), nullable=True, index=True),
    Column("source", String(20), nullable=False),
    Column("source_id", String(ID), nullable=True),
    Column("recorded_by", String(BY), nullable=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    UniqueConstraint("member_id", "channel", "occurred_at"),
)

# ---- visits and campaigns (暖心工程) ------------------------------------------------------------
campaigns = Table(
    "campaigns", metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("occasion", String(20), nullable=False),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("groups", JSON, nullable=False),
    # listing: launched, its visits not yet scheduled; listed: they are.
    Column("state", String(10), nullable=False),
    Column("created_by", String(BY), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

visits = Table(
    "visits", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("cause", String(20), nullable=False),
    # What it is a visit for: the return's departure, the campaign, the grading run, or itself (manual).
    Column("cause_id", String(ID), nullable=False),
    Column("cause_event_id", String(ID), nullable=True),
    Column("campaign_id", String(ID), nullable=True, index=True),
    Column("group", String(20), nullable=True),
    Column("purpose", Text, nullable=False),
    Column("scheduled_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("state", String(20), nullable=False),
    Column("visited_on", Date, nullable=True),
    Column("visited_by", String(100), nullable=True),
    Column("summary", Text, nullable=True),
    Column("recorded_by", String(BY), nullable=True),
    UniqueConstraint("cause", "cause_id", "member_id"),
)

# ---- help cases ------------------------------------------------------------------------------------
help_cases = Table(
    "help_cases", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("care_service", String(40), nullable=True),
    Column("summary", Text, nullable=False),
    Column("owner", String(100), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("state", String(10), nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("outcome", String(20), nullable=True),
    Yuan("money_recovered", nullable=False),
    Column("jobs_found", Integer, nullable=False),
    Column("disputes_settled", Integer, nullable=False),
    Column("opened_by", String(BY), nullable=True),
)

help_case_entries = Table(
    "help_case_entries", metadata,
    Column("id", String(ID), primary_key=True),
    Column("help_case_id", String(ID), nullable=False, index=True),
    Column("sequence", Integer, nullable=False),
    Column("on", Date, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("note", Text, nullable=True),
    Column("due_on", Date, nullable=True),
    Column("recorded_by", String(BY), nullable=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    UniqueConstraint("help_case_id", "sequence"),
)

# ---- volunteering ------------------------------------------------------------------------------------
volunteer_activities = Table(
    "volunteer_activities", metadata,
    Column("id", String(ID), primary_key=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("description", Text, nullable=True),
    Column("created_by", String(BY), nullable=True),
)

volunteer_services = Table(
    "volunteer_services", metadata,
    Column("id", String(ID), primary_key=True),
    Column("activity_id", String(ID), nullable=False),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("served_on", Date, nullable=False),
    Column("hours", Numeric(4, 1), nullable=False),
    Column("national_record_ref", String(64), nullable=True),
    Column("recorded_by", String(BY), nullable=True),
    UniqueConstraint("activity_id", "member_id"),
)

# ---- return entrepreneurship (安家工程) ------------------------------------------------------------
projects = Table(
    "projects", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("industry", String(100), nullable=False),
    Column("registered_on", Date, nullable=False),
    Yuan("investment", nullable=False),
    Column("jobs_created", Integer, nullable=False),
    Column("support", Text, nullable=True),
    Column("created_by", String(BY), nullable=True),
)

hometown_events = Table(
    "hometown_events", metadata,
    Column("id", String(ID), primary_key=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("participants", Integer, nullable=False),
    Column("member_ids", JSON, nullable=False),
    Column("created_by", String(BY), nullable=True),
)

# ---- reserve (储备工程) and vanguard (先锋工程) -------------------------------------------------
reserve_reviews = Table(
    "reserve_reviews", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("opened_on", Date, nullable=False),
    Column("cause", String(20), nullable=False),
    # The return's departure: one review per return, however often its event arrives.
    Column("cause_id", String(ID), nullable=False, unique=True),
    Column("returned_on", Date, nullable=True),
    Column("months_away", Integer, nullable=True),
    Column("state", String(20), nullable=False),
    Column("decision", String(20), nullable=True),
    Column("decided_on", Date, nullable=True),
    Column("note", Text, nullable=True),
    Column("decided_by", String(BY), nullable=True),
)

vanguard = Table(
    "vanguard", metadata,
    Column("id", String(ID), primary_key=True),
    Column("member_id", String(ID), nullable=False, index=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("designated_on", Date, nullable=False),
    Column("created_by", String(BY), nullable=True),
)

# ---- cultivation (培养工程) ----------------------------------------------------------------------------
candidates = Table(
    "candidates", metadata,
    Column("id", String(ID), primary_key=True),
    Column("organisation_id", String(ID), nullable=False, index=True),
    Column("candidate_ref", String(64), nullable=False, unique=True),
    Column("host", String(200), nullable=False),
    Column("identified_on", Date, nullable=False),
    Column("state", String(20), nullable=False),
    Column("admitted_on", Date, nullable=True),
    Column("created_by", String(BY), nullable=True),
)

cultivation_steps = Table(
    "cultivation_steps", metadata,
    Column("candidate_id", String(ID), primary_key=True),
    Column("step", String(20), primary_key=True),
    Column("on", Date, nullable=False),
    Column("note", Text, nullable=True),
    Column("recorded_by", String(BY), nullable=True),
)

Index("ix_contacts_member_id_occurred_at", contacts.c.member_id, contacts.c.occurred_at)
