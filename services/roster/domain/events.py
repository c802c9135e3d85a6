"""What happened, as the roster's rules see it; the service's ``EventMap``
(``services.roster.usecases.EVENTS``) names the contract event each one is."""
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class OrganisationCreated:
    organisation_id: str
    parent_id: str | None
    path: list
    name: str
    kind: str
    revision: int


@dataclass(frozen=True)
class MemberRegistered:
    member_id: str
    organisation_id: str
    membership: str
    joined_on: date | None = None


@dataclass(frozen=True)
class MemberDeparted:
    member_id: str
    departure_id: str
    organisation_id: str
    departed_on: date
    destination_province: str
    destination_city: str
    expected_return_on: date | None


@dataclass(frozen=True)
class MemberReturned:
    member_id: str
    departure_id: str
    organisation_id: str
    returned_on: date
    departed_on: date | None
    departure_reported: bool


# ---- organisation-relationship transfer (组织关系转接) ------------------------

@dataclass(frozen=True)
class MemberTransferStarted:
    transfer_id: str
    member_id: str
    from_organisation_id: str
    to_organisation_id: str | None
    to_name: str
    issued_on: date
    valid_until: date
    dues_paid_until: str
    reissue_of: str | None


@dataclass(frozen=True)
class MemberTransferred:
    transfer_id: str
    member_id: str
    from_organisation_id: str
    to_organisation_id: str | None
    transferred_out: bool
    received_on: date


@dataclass(frozen=True)
class MemberTransferExpired:
    transfer_id: str
    member_id: str
    from_organisation_id: str
    to_organisation_id: str | None
    valid_until: date
    expired_on: date


# ---- meetings: quorum records (issue 8) ----------------------------------

@dataclass(frozen=True)
class PartyProbationRecorded:
    probation_id: str
    member_id: str
    organisation_id: str
    starts_on: date
    ends_on: date
    decided_on: date


@dataclass(frozen=True)
class AttendanceExclusionApproved:
    exclusion_id: str
    member_id: str
    organisation_id: str
    ground: str
    approved_by_organisation_id: str
    approved_on: date
    agreed_on: date
    valid_from: date
    valid_until: date | None


@dataclass(frozen=True)
class AttendanceExclusionWithdrawn:
    withdrawal_id: str
    exclusion_id: str
    member_id: str
    organisation_id: str
    effective_from: date


# ---- issue 8: organisation details, stations, pairings ----

@dataclass(frozen=True)
class OrganisationUpdated:
    """The same place in the tree as ``OrganisationCreated`` (so a projection may apply it alike),
    at the next revision, with the names of the fields that changed."""
    organisation_id: str
    parent_id: str | None
    path: list
    name: str
    kind: str
    revision: int
    changed: list
