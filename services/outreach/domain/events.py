"""What happened, as outreach's rules see it; ``services.outreach.usecases.EVENTS``
names the contract event each one is (``contracts.outreach_events``)."""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class PairingFormed:
    pairing_id: str
    organisation_id: str
    cadre_member_id: str
    member_ids: tuple
    period: str
    starts_on: date


@dataclass(frozen=True)
class PairingEnded:
    pairing_id: str
    organisation_id: str
    ended_on: date


@dataclass(frozen=True)
class ContactLogged:
    contact_id: str
    member_id: str
    organisation_id: str
    channel: str
    occurred_at: datetime
    follow_up_needed: bool
    source: str
    four_one: str | None = None
    pairing_id: str | None = None


@dataclass(frozen=True)
class CampaignLaunched:
    campaign_id: str
    organisation_id: str
    occasion: str
    starts_on: date
    ends_on: date
    groups: tuple


@dataclass(frozen=True)
class CampaignListed:
    campaign_id: str
    organisation_id: str
    visits: int


@dataclass(frozen=True)
class VisitScheduled:
    visit_id: str
    member_id: str
    organisation_id: str
    cause: str
    due_on: date
    cause_event_id: str | None = None
    campaign_id: str | None = None


@dataclass(frozen=True)
class VisitCompleted:
    visit_id: str
    member_id: str
    organisation_id: str
    cause: str
    visited_on: date
    overdue: bool


@dataclass(frozen=True)
class HelpCaseOpened:
    help_case_id: str
    member_id: str
    organisation_id: str
    kind: str
    opened_on: date
    due_on: date
    care_service: str | None = None


@dataclass(frozen=True)
class HelpCaseNoted:
    help_case_id: str
    member_id: str
    organisation_id: str
    noted_on: date
    due_on: date | None = None


@dataclass(frozen=True)
class HelpCaseClosed:
    help_case_id: str
    member_id: str
    organisation_id: str
    kind: str
    outcome: str
    closed_on: date
    overdue: bool
    money_recovered: Decimal
    jobs_found: int
    disputes_settled: int


@dataclass(frozen=True)
class VolunteerActivityHeld:
    activity_id: str
    organisation_id: str
    held_on: date


@dataclass(frozen=True)
class VolunteerServiceLogged:
    service_id: str
    activity_id: str
    member_id: str
    organisation_id: str
    served_on: date
    hours: Decimal
    national_record_ref: str | None = None


@dataclass(frozen=True)
class ProjectRegistered:
    project_id: str
    member_id: str
    organisation_id: str
    registered_on: date
    investment: Decimal
    jobs_created: int


@dataclass(frozen=True)
class HometownEventHeld:
    hometown_event_id: str
    organisation_id: str
    kind: str
    held_on: date
    participants: int


@dataclass(frozen=True)
class ReserveReviewOpened:
    review_id: str
    member_id: str
    organisation_id: str
    opened_on: date
    cause_event_id: str | None = None


@dataclass(frozen=True)
class ReserveCadreNominated:
    review_id: str
    member_id: str
    organisation_id: str
    role: str
    decided_on: date


@dataclass(frozen=True)
class ReserveReviewDeclined:
    review_id: str
    member_id: str
    organisation_id: str
    decided_on: date


@dataclass(frozen=True)
class VanguardDesignated:
    designation_id: str
    member_id: str
    organisation_id: str
    kind: str
    designated_on: date


@dataclass(frozen=True)
class CandidateIdentified:
    candidate_id: str
    organisation_id: str
    identified_on: date


@dataclass(frozen=True)
class CultivationStepRecorded:
    candidate_id: str
    organisation_id: str
    step: str
    on: date
