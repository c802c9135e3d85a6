"""The roster's use cases. Each takes its unit of work and clock as arguments,
so unit tests run them on fakes; each commits the state change together with
its events."""
import dataclasses
import functools
import uuid
from datetime import date, datetime, timezone

from contracts import roster_events
from contracts.errors import ErrorCode, ServiceError
from contracts.events import Event
from services.roster.domain.errors import RosterRuleViolation
from services.roster.domain.events import MemberDeparted, MemberRegistered, MemberReturned
from services.roster.domain.member import DepartureReport, Member
from services.roster.domain.organisation import Organisation

SOURCE = "roster"
EVENT_TYPES = {
    MemberRegistered: roster_events.MEMBER_REGISTERED,
    MemberDeparted: roster_events.MEMBER_DEPARTED,
    MemberReturned: roster_events.MEMBER_RETURNED,
}


def new_id():
    return str(uuid.uuid4())


def _as_event(domain_event):
    return Event(source=SOURCE, event_type=EVENT_TYPES[type(domain_event)], data=dataclasses.asdict(domain_event))


def rules_as_service_errors(use_case):
    @functools.wraps(use_case)
    def wrapper(*args, **kwargs):
        try:
            return use_case(*args, **kwargs)
        except RosterRuleViolation as exc:
            raise ServiceError(exc.code, exc.message, exc.details) from None

    return wrapper


def _organisation(uow, organisation_id, field=None):
    organisation = uow.organisations.get(organisation_id)
    if organisation is None and field:
        raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, f"{field} names no organisation", {field: ["no such organisation"]})
    if organisation is None:
        raise ServiceError(ErrorCode.ORGANISATION_NOT_FOUND, f"organisation {organisation_id} not found")
    return organisation


def _member(uow, member_id, for_update=False):
    member = uow.members.get(member_id, for_update=for_update)
    if member is None:
        raise ServiceError(ErrorCode.MEMBER_NOT_FOUND, f"member {member_id} not found")
    return member


@rules_as_service_errors
def create_organisation(uow, command, clock):
    parent = _organisation(uow, command["parent_id"], "parent_id") if command.get("parent_id") else None
    organisation = Organisation(
        id=new_id(), name=command["name"], kind=command["kind"], parent=parent,
        location=command.get("location"), created_at=clock.now(),
    )
    uow.organisations.add(organisation)
    uow.commit()
    return organisation


def get_organisation(uow, organisation_id):
    return _organisation(uow, organisation_id)


def organisation_subtree(uow, organisation_id):
    return uow.organisations.subtree(_organisation(uow, organisation_id))


def list_organisations(uow, query):
    page, per_page = query["page"], query["per_page"]
    items, total = uow.organisations.list(
        kind=query.get("kind"), parent_id=query.get("parent_id"), offset=(page - 1) * per_page, limit=per_page
    )
    return items, total


@rules_as_service_errors
def register_member(uow, command, clock):
    organisation = _organisation(uow, command["organisation_id"], "organisation_id")
    if uow.members.id_number_taken(command["id_number"]):
        raise ServiceError(ErrorCode.DUPLICATE_ID_NUMBER, "a member with this ID number is already registered",
                           {"id_number": ["already registered"]})
    member = Member(
        id=new_id(), name=command["name"], gender=command["gender"], birth_date=command["birth_date"],
        id_number=command["id_number"], phone=command["phone"], joined_on=command["joined_on"],
        membership=command["membership"], organisation=organisation, registered_at=clock.now(),
    )
    uow.members.add(member)
    uow.add_event(_as_event(member.registered()))
    uow.commit()
    return member


def get_member(uow, member_id):
    return _member(uow, member_id)


def list_members(uow, query):
    organisation = _organisation(uow, query["organisation_id"], "organisation_id") if query.get("organisation_id") else None
    page, per_page = query["page"], query["per_page"]
    return uow.members.list(
        organisation=organisation, status=query.get("status"), membership=query.get("membership"),
        gender=query.get("gender"), name=query.get("name"), offset=(page - 1) * per_page, limit=per_page,
    )


@rules_as_service_errors
def report_departure(uow, member_id, command, clock):
    member = _member(uow, member_id, for_update=True)
    report = DepartureReport(
        departed_on=command.get("departed_on") or clock.today(),
        destination_province=command["destination_province"],
        destination_city=command["destination_city"],
        destination_address=command.get("destination_address"),
        work=command["work"],
        contact=command["contact"],
        expected_return_on=command.get("expected_return_on"),
    )
    departure, departed = member.report_departure(departure_id=new_id(), report=report, reported_at=clock.now())
    uow.add_event(_as_event(departed))
    uow.commit()
    return departure


@rules_as_service_errors
def report_return(uow, member_id, command, clock):
    member = _member(uow, member_id, for_update=True)
    departure, returned = member.report_return(
        departure_id=new_id(), returned_on=command.get("returned_on") or clock.today(), reported_at=clock.now()
    )
    uow.add_event(_as_event(returned))
    uow.commit()
    return departure


@dataclasses.dataclass(frozen=True)
class Clock:
    """Wall-clock time; ``today`` is the county's calendar date, not UTC's."""

    county_timezone: object

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return datetime.now(self.county_timezone).date()
