"""The roster's tables, mapped imperatively onto the pure domain classes so
that ``domain/`` never imports SQLAlchemy.

Personal data (``members.id_number``, ``members.phone``, ``departures.contact``,
``departures.destination_address``) is stored only as ciphertext bound to its
row and column: the columns are ``EncryptedText`` and the classes are mapped
with ``map_personal_data``, which encrypts at flush and decrypts at load with
the cipher the ``Database`` dependency binds to the engine, so the domain
objects hold plain values and never see a key, and a token copied to another
row or column does not decrypt there.
Beside them, ``id_number_index`` (unique) and ``phone_index`` hold the keyed
hash of the value, filled in at flush by the listeners below; they are how a
member is found by ID number or phone, and how a duplicate ID number is refused
by the database itself. Ciphertext is never compared in SQL.
"""
from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, event
from sqlalchemy.orm import registry, relationship

from services.common.tables import EncryptedText, UTCDateTime, cipher_for, kernel_tables, map_personal_data, new_metadata
from services.roster.domain.member import Departure, Member
from services.roster.domain.organisation import Organisation

metadata = new_metadata()

organisations = Table(
    "organisations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("parent_id", String(36), ForeignKey("organisations.id"), nullable=True, index=True),
    # '/root-id/.../own-id/': a subtree is one indexed prefix match.
    Column("path", String(1000), nullable=False, index=True),
    Column("depth", Integer, nullable=False),
    Column("location", String(200), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(100), nullable=True),  # the caller's principal; None for rows from before 0002
    # issue 8: the details of its kind, the village of an online branch, the revision (see the end of this file).
    Column("host_name", String(200), nullable=True),
    Column("host_kind", String(20), nullable=True),
    Column("budget_yuan", Integer, nullable=True),
    Column("budget_year", Integer, nullable=True),
    Column("secretary_name", String(100), nullable=True),
    Column("secretary_member_id", String(36), nullable=True),
    Column("deputy_secretary_name", String(100), nullable=True),
    Column("deputy_secretary_member_id", String(36), nullable=True),
    Column("liaison_name", String(100), nullable=True),
    Column("liaison_member_id", String(36), nullable=True),
    Column("activity_day", Integer, nullable=True),
    Column("online_branch_of", String(36), nullable=True),
    Column("revision", Integer, nullable=False, server_default="1"),
)

members = Table(
    "members",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("gender", String(10), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("id_number", EncryptedText(), nullable=False),
    Column("id_number_index", String(64), nullable=False, unique=True, index=True),
    Column("phone", EncryptedText(), nullable=False),
    Column("phone_index", String(64), nullable=False, index=True),
    Column("joined_on", Date, nullable=False),
    Column("membership", String(20), nullable=False),
    Column("organisation_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("status", String(20), nullable=False, index=True),
    Column("registered_at", UTCDateTime(), nullable=False),
    Column("registered_by", String(100), nullable=True),
    Column("last_returned_on", Date, nullable=True),  # movements never overlap (domain.member)
)

departures = Table(
    "departures",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False, index=True),
    # Set while the departure is open, cleared on return; unique, so the
    # database itself refuses a second open departure for one member.
    Column("open_for_member_id", String(36), ForeignKey("members.id"), nullable=True, unique=True),
    Column("reported", Boolean, nullable=False),
    Column("reported_at", UTCDateTime(), nullable=False),
    Column("departed_on", Date, nullable=True),
    Column("destination_province", String(50), nullable=True),
    Column("destination_city", String(50), nullable=True),
    Column("destination_address", EncryptedText(), nullable=True),
    Column("work", String(200), nullable=True),
    Column("contact", EncryptedText(), nullable=True),
    Column("expected_return_on", Date, nullable=True),
    Column("returned_on", Date, nullable=True),
    Column("returned_reported_at", UTCDateTime(), nullable=True),
    Column("reported_by", String(100), nullable=True),
    Column("return_reported_by", String(100), nullable=True),
    # Where the departure goes, seen from home (services.roster.domain.places), set when it is reported.
    Column("destination_reach", String(20), nullable=True, index=True),
    Column("destination_code", String(6), nullable=True),
)
Index("ix_members_name", members.c.name)

# Roster owns the tree, so it keeps no projection of it.
KERNEL_TABLES = kernel_tables(metadata, organisation_tree=False)
outbox, inbox = KERNEL_TABLES["outbox"], KERNEL_TABLES["inbox"]

mapper_registry = registry(metadata=metadata)
mapper_registry.map_imperatively(Organisation, organisations)
map_personal_data(mapper_registry, Departure, departures, encrypted=("destination_address", "contact"))
map_personal_data(
    mapper_registry,
    Member,
    members,
    encrypted=("id_number", "phone"),
    properties={
        "current_departure": relationship(
            Departure, foreign_keys=[departures.c.open_for_member_id], uselist=False, lazy="joined"
        ),
        # Persistence only: the domain never reads or sets the indexes.
        "_id_number_index": members.c.id_number_index,
        "_phone_index": members.c.phone_index,
    },
)


@event.listens_for(Member, "before_insert")
@event.listens_for(Member, "before_update")
def _index_personal_data(_mapper, connection, member):
    cipher = cipher_for(connection)
    for attribute, purpose in (("_id_number_index", "id_number"), ("_phone_index", "phone")):
        value = cipher.index(getattr(member, purpose), purpose)
        if getattr(member, attribute, None) != value:
            setattr(member, attribute, value)


# ---- organisation-relationship transfer (组织关系转接) ------------------------
from services.roster.domain.transfer import TransferLetter

transfer_letters = Table(
    "transfer_letters",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False, index=True),
    Column("member_name", String(100), nullable=False),
    Column("from_organisation_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    # Null for an organisation outside the platform, known by to_name and to_place.
    Column("to_organisation_id", String(36), ForeignKey("organisations.id"), nullable=True, index=True),
    Column("to_name", String(200), nullable=False),
    Column("to_place", String(200), nullable=True),
    Column("state", String(20), nullable=False),
    # Set while pending, cleared on receipt or expiry; unique, so the database
    # itself refuses a second pending letter for one member.
    Column("pending_for_member_id", String(36), ForeignKey("members.id"), nullable=True, unique=True),
    Column("issued_on", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("dues_paid_until", String(7), nullable=False),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("issued_by", String(100), nullable=True),
    Column("reissue_of", String(36), ForeignKey("transfer_letters.id"), nullable=True),
    Column("reissued_as", String(36), nullable=True),
    Column("received_on", Date, nullable=True),
    Column("received_at", UTCDateTime(), nullable=True),
    Column("received_by", String(100), nullable=True),
    Column("expired_on", Date, nullable=True),
)
# The sweep's question: pending letters past their validity.
Index("ix_transfer_letters_state_valid_until", transfer_letters.c.state, transfer_letters.c.valid_until)
mapper_registry.map_imperatively(TransferLetter, transfer_letters)


# ---- meetings: 留党察看 and exclusions from "should attend" (issue 8) ----------
# Append-only: rows are inserted, never updated or deleted; a withdrawal or an
# early end is a new record (services.roster.domain.quorum).
from services.roster.domain.quorum import AttendanceExclusion, ExclusionWithdrawal, PartyProbation

party_probations = Table(
    "party_probations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False, index=True),
    Column("organisation_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("recorded_by", String(100), nullable=True),
)

attendance_exclusions = Table(
    "attendance_exclusions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False, index=True),
    Column("organisation_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("ground", String(60), nullable=False),
    # No foreign key (its name would pass PostgreSQL's 63 characters): the rule
    # that it is an organisation above the branch is checked when recorded, and
    # organisations are never deleted.
    Column("approved_by_organisation_id", String(36), nullable=False),
    Column("approved_on", Date, nullable=False),
    Column("agreed_on", Date, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True),
    Column("note", String(500), nullable=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("recorded_by", String(100), nullable=True),
)

exclusion_withdrawals = Table(
    "exclusion_withdrawals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("exclusion_id", String(36), ForeignKey("attendance_exclusions.id"), nullable=False, index=True),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False),
    Column("organisation_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("effective_from", Date, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("recorded_by", String(100), nullable=True),
)

mapper_registry.map_imperatively(PartyProbation, party_probations)
mapper_registry.map_imperatively(ExclusionWithdrawal, exclusion_withdrawals)
mapper_registry.map_imperatively(AttendanceExclusion, attendance_exclusions)


# ---- issue 8: check-in at the destination (双报到) ----
# Append-only: a row is written once, and only its side's empty confirmation
# columns are filled in later. No personal data: the host is an organisation.
from services.roster.domain.check_in import CheckIn  # noqa: E402

check_ins = Table(
    "check_ins",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False, index=True),
    Column("departure_id", String(36), ForeignKey("departures.id"), nullable=False, index=True),
    Column("checked_in_on", Date, nullable=False),
    Column("host_organisation_id", String(36), ForeignKey("organisations.id"), nullable=True, index=True),
    Column("host_name", String(200), nullable=False),
    Column("host_place", String(200), nullable=True),
    Column("reported_at", UTCDateTime(), nullable=False),
    Column("reported_by", String(100), nullable=True),
    Column("host_confirmed_at", UTCDateTime(), nullable=True),
    Column("host_confirmed_by", String(100), nullable=True),
    Column("home_confirmed_at", UTCDateTime(), nullable=True),
    Column("home_confirmed_by", String(100), nullable=True),
)
mapper_registry.map_imperatively(CheckIn, check_ins)

from services.roster.domain.check_in import MobileMemberCard  # noqa: E402

mobile_member_cards = Table(
    "mobile_member_cards",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False, index=True),
    # One card per departure, refused by the database too.
    Column("departure_id", String(36), ForeignKey("departures.id"), nullable=False, unique=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("branch_id", String(36), ForeignKey("organisations.id"), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("issued_by", String(100), nullable=True),
)
mapper_registry.map_imperatively(MobileMemberCard, mobile_member_cards)


# ---- issue 8: lost contact (失联), suspension (停止党籍) and removal (除名) ----
# History: a spell's restoration and a decision's reversal fill their empty
# columns once; rows are never deleted.
from sqlalchemy import JSON  # noqa: E402

from services.roster.domain.lost_contact import LostContact, MembershipDecision  # noqa: E402

lost_contacts = Table(
    "lost_contacts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False, index=True),
    # Set while the spell is open, cleared on restoration; unique, so the
    # database itself refuses a second open spell for one member.
    Column("open_for_member_id", String(36), ForeignKey("members.id"), nullable=True, unique=True),
    Column("organisation_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("lost_since", Date, nullable=False),
    Column("reported_on", Date, nullable=False),
    Column("search_efforts", JSON, nullable=False),
    Column("note", String(500), nullable=True),
    Column("reported_at", UTCDateTime(), nullable=False),
    Column("reported_by", String(100), nullable=True),
    Column("restored_on", Date, nullable=True),
    Column("restored_at", UTCDateTime(), nullable=True),
    Column("restored_by", String(100), nullable=True),
    Column("restoration_note", String(500), nullable=True),
)

membership_decisions = Table(
    "membership_decisions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False, index=True),
    Column("lost_contact_id", String(36), ForeignKey("lost_contacts.id"), nullable=False, index=True),
    Column("organisation_id", String(36), ForeignKey("organisations.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("proposed_from", Date, nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("note", String(500), nullable=True),
    Column("decided_at", UTCDateTime(), nullable=False),
    Column("decided_by", String(100), nullable=True),
    Column("reversed_on", Date, nullable=True),
    Column("reversed_at", UTCDateTime(), nullable=True),
    Column("reversed_by", String(100), nullable=True),
)
mapper_registry.map_imperatively(LostContact, lost_contacts)
mapper_registry.map_imperatively(MembershipDecision, membership_decisions)

# ---- issue 8: member field changes (the member timeline) ----
# Append-only: one row per field changed, never updated or deleted. The old and
# new values are personal data for some fields (phone), so every value is
# stored as ciphertext bound to its row and column, whatever the field.
from services.roster.domain.member_changes import MemberFieldChange  # noqa: E402

member_field_changes = Table(
    "member_field_changes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False, index=True),
    # The member's branch when the change was made.
    Column("organisation_id", String(36), ForeignKey("organisations.id"), nullable=False),
    Column("field", String(40), nullable=False),
    Column("old_value", EncryptedText(), nullable=True),
    Column("new_value", EncryptedText(), nullable=True),
    Column("effective_on", Date, nullable=True),
    Column("reason", String(500), nullable=True),
    Column("changed_at", UTCDateTime(), nullable=False),
    Column("changed_by", String(100), nullable=True),
)
map_personal_data(mapper_registry, MemberFieldChange, member_field_changes, encrypted=("old_value", "new_value"))

# ---- issue 8: computed member status, its history ----
# Append-only: a row per change of the computed status (services.roster.status); members.status is
# the last one, kept for filtering and for telling a change.
from services.roster.domain.status import MemberStatusChange  # noqa: E402

member_status_changes = Table(
    "member_status_changes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False, index=True),
    Column("organisation_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("previous_status", String(20), nullable=True),
    Column("effective_on", Date, nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
    Column("changed_by", String(100), nullable=True),  # the caller's principal; None for the clock
    Column("cause", String(60), nullable=False),  # the event type that caused it, or "clock"
)
mapper_registry.map_imperatively(MemberStatusChange, member_status_changes)
# ---- issue 8: pocket members (口袋党员) ----
# pocket_members: the candidates to work through (services.roster.domain.pocket_member).
# pocket_member_placements: append-only, a row per placement (the movement it made, who, when);
# its unique pocket_member_id makes the database refuse a second placement too.
from services.roster.domain.pocket_member import PocketMember, PocketMemberPlacement  # noqa: E402

pocket_members = Table(
    "pocket_members",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("source", String(30), nullable=False, index=True),
    # The organisation the candidate belongs to: the sending branch of the letter, or who recorded the sighting.
    Column("organisation_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=True, index=True),
    # Set while a letter candidate is open; unique: one open candidate per member.
    Column("open_for_member_id", String(36), ForeignKey("members.id"), nullable=True, unique=True),
    Column("transfer_id", String(36), ForeignKey("transfer_letters.id"), nullable=True),
    # A sighting's ID number: ciphertext, and its keyed hash (unique: one candidate per number).
    Column("id_number", EncryptedText(), nullable=True),
    Column("id_number_index", String(64), nullable=True, unique=True),
    Column("place", String(200), nullable=True),
    Column("note", String(500), nullable=True),
    Column("sightings", Integer, nullable=False),
    Column("found_on", Date, nullable=False),
    Column("last_seen_on", Date, nullable=False),
    Column("found_at", UTCDateTime(), nullable=False),
    Column("found_by", String(100), nullable=True),
    Column("state", String(20), nullable=False, index=True),
    Column("closed_on", Date, nullable=True),
    Column("placed_branch_id", String(36), ForeignKey("organisations.id"), nullable=True),
    Column("placed_member_id", String(36), ForeignKey("members.id"), nullable=True),
)

pocket_member_placements = Table(
    "pocket_member_placements",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("pocket_member_id", String(36), ForeignKey("pocket_members.id"), nullable=False, unique=True),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False, index=True),
    Column("from_organisation_id", String(36), ForeignKey("organisations.id"), nullable=True),
    Column("branch_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("placed_on", Date, nullable=False),
    Column("registered", Boolean, nullable=False),
    Column("note", String(500), nullable=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("recorded_by", String(100), nullable=True),
)

map_personal_data(mapper_registry, PocketMember, pocket_members, encrypted=("id_number",),
                  properties={"_id_number_index": pocket_members.c.id_number_index})
mapper_registry.map_imperatively(PocketMemberPlacement, pocket_member_placements)


@event.listens_for(PocketMember, "before_insert")
@event.listens_for(PocketMember, "before_update")
def _index_pocket_member_id_number(_mapper, connection, candidate):
    value = (cipher_for(connection).index(candidate.id_number, "id_number")
             if candidate.id_number is not None else None)
    if getattr(candidate, "_id_number_index", None) != value:
        candidate._id_number_index = value

# ---- issue 8: organisation details, online branches, stations, pairings ----
# The details live on ``organisations`` itself (see services.roster.domain.organisation):
# one column each, null where not set or not for the kind. ``online_branch_of`` is the
# village (the parent) of a village online branch, null for every other kind; unique,
# so the database itself refuses a village's second online branch.
from sqlalchemy import JSON  # noqa: E402

# A unique index rather than a constraint: SQLite adds and drops it without rebuilding the
# organisations table, which every other table references.
Index("uq_organisations_online_branch_of", organisations.c.online_branch_of, unique=True)

from services.roster.domain.organisation import OrganisationChange  # noqa: E402
from services.roster.domain.organisation_links import StationLink, TownCommunityPairing  # noqa: E402


# Append-only: one row per change of an organisation's details.
organisation_changes = Table(
    "organisation_changes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("organisation_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("changes", JSON, nullable=False),
    Column("reason", String(500), nullable=True),
    Column("changed_at", UTCDateTime(), nullable=False),
    Column("changed_by", String(100), nullable=True),
)
mapper_registry.map_imperatively(OrganisationChange, organisation_changes)

# A link is written once and ended once (ended_on and who), never deleted. ``active_pair``
# ('station:branch' while active, null once ended) is unique: one active link per pair.
station_links = Table(
    "station_links",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("station_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("branch_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("since", Date, nullable=False),
    Column("ended_on", Date, nullable=True),
    Column("end_reason", String(500), nullable=True),
    Column("active_pair", String(80), nullable=True, unique=True),
    Column("linked_at", UTCDateTime(), nullable=False),
    Column("linked_by", String(100), nullable=True),
    Column("ended_at", UTCDateTime(), nullable=True),
    Column("ended_by", String(100), nullable=True),
)
mapper_registry.map_imperatively(StationLink, station_links)

# 城乡结对: one active pairing per town and per community on the platform (the two
# ``active_for_*`` columns, set while active, are unique).
town_community_pairings = Table(
    "town_community_pairings",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("town_id", String(36), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("community_organisation_id", String(36), ForeignKey("organisations.id"), nullable=True, index=True),
    Column("community_name", String(200), nullable=False),
    Column("community_place", String(200), nullable=True),
    Column("paired_on", Date, nullable=False),
    Column("ended_on", Date, nullable=True),
    Column("end_reason", String(500), nullable=True),
    Column("active_for_town_id", String(36), nullable=True, unique=True),
    Column("active_for_community_id", String(36), nullable=True, unique=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("recorded_by", String(100), nullable=True),
    Column("ended_at", UTCDateTime(), nullable=True),
    Column("ended_by", String(100), nullable=True),
)
mapper_registry.map_imperatively(TownCommunityPairing, town_community_pairings)
