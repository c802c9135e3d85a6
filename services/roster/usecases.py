"""The roster's use cases. Each takes its unit of work, clock and the caller's
``Scope`` as arguments, so unit tests run them on fakes (services.common.fakes);
the entrypoint commits what they change, with their events, in one
transaction. Whatever the caller may not see is answered exactly as if it did
not exist."""
from contracts import roster_events
from contracts.access import AUDIT_ONLY_DETAILS
from contracts.errors import ErrorCode, ServiceError
from contracts.roster import MAX_EXPORT_ROWS
from services.common.clock import new_id
from services.common.crypto import normalise_id_number
from services.common.domain_events import EventMap
from services.roster.domain.events import MemberDeparted, MemberRegistered, MemberReturned, OrganisationCreated
from services.roster.domain.member import DepartureReport, Member
from services.roster.domain import places
from services.roster.status import DEFAULT_DUE_DAYS, refresh_status

MAX_TREE_PAGE = 1000
WHEREABOUTS_FILTERS = ("destination_province", "destination_reach", "departed_from", "departed_to")

EVENTS = EventMap(roster_events.SOURCE, {
    OrganisationCreated: roster_events.ORGANISATION_CREATED,
    MemberRegistered: roster_events.MEMBER_REGISTERED,
    MemberDeparted: roster_events.MEMBER_DEPARTED,
    MemberReturned: roster_events.MEMBER_RETURNED,
})


def _visible_organisation(uow, scope, organisation_id, field=None):
    """The organisation, if it exists and the caller may see it; otherwise the
    same error as for one that does not exist (``field`` names the body or
    filter field that referred to it)."""
    organisation = uow.organisations.get(organisation_id)
    if organisation is not None and scope.sees_organisation(organisation):
        return organisation
    if field:
        raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, f"{field} names no organisation", {field: ["no such organisation"]})
    raise ServiceError(ErrorCode.ORGANISATION_NOT_FOUND, f"organisation {organisation_id} not found")


def _sees(uow, scope, member):
    return member is not None and scope.sees_member(member, uow.organisations.get(member.organisation_id))


def _member(uow, scope, member_id, for_update=False):
    member = uow.members.get(member_id, for_update=for_update)
    if not _sees(uow, scope, member):
        raise ServiceError(ErrorCode.MEMBER_NOT_FOUND, f"member {member_id} not found")
    return member


# ---- organisations -------------------------------------------------------

def create_organisation(uow, command, clock, scope):
    # issue 8: with the details of its kind and the one-online-branch-per-village rule.
    from services.roster import organisations

    return organisations.create_organisation(uow, command, clock, scope)


def get_organisation(uow, organisation_id, scope):
    return _visible_organisation(uow, scope, organisation_id)


def organisation_subtree(uow, organisation_id, scope):
    # Everything under a visible organisation is visible too.
    return uow.organisations.subtree(_visible_organisation(uow, scope, organisation_id))


def organisation_tree_page(uow, after_id, limit, scope):
    """The organisations the caller sees, ``limit`` at a time (1 to
    ``MAX_TREE_PAGE``) in id order after ``after_id``: how another service
    copies the tree into its projection."""
    limit = min(max(limit, 1), MAX_TREE_PAGE)
    items = uow.organisations.page_after(scope=scope, after_id=after_id, limit=limit + 1)
    return items[:limit], len(items) > limit


def list_organisations(uow, query, scope):
    if query.get("parent_id"):
        _visible_organisation(uow, scope, query["parent_id"], "parent_id")
    page, per_page = query["page"], query["per_page"]
    return uow.organisations.list(
        scope=scope, kind=query.get("kind"), parent_id=query.get("parent_id"),
        offset=(page - 1) * per_page, limit=per_page,
    )


# ---- members -------------------------------------------------------------

def register_member(uow, command, clock, scope, due_days=DEFAULT_DUE_DAYS):
    organisation = _visible_organisation(uow, scope, command["organisation_id"], "organisation_id")
    id_number = normalise_id_number(command["id_number"])
    # Every rule about the request itself is checked before uniqueness, so that
    # whether an ID number is on the roll elsewhere is never the only thing that
    # changes the answer (a membership oracle across subtrees).
    member = Member(
        id=new_id(), name=command["name"], gender=command["gender"], birth_date=command["birth_date"],
        id_number=id_number, phone=command["phone"].strip(), joined_on=command["joined_on"],
        membership=command["membership"], organisation=organisation, registered_at=clock.now(),
        registered_by=scope.principal,
    )
    # ID numbers are unique platform-wide, so a duplicate is refused even when
    # the member holding it is outside the caller's scope. The gateway audits
    # the attempt by the number's hash-index value (never the number) and
    # keeps that value from the client.
    if uow.members.find_by_id_number(id_number) is not None:
        raise ServiceError(ErrorCode.DUPLICATE_ID_NUMBER, "a member with this ID number is already registered", {
            "id_number": ["already registered"],
            AUDIT_ONLY_DETAILS: {"id_number_index": uow.members.id_number_index(id_number)},
        })
    uow.members.add(member)
    uow.add_event(member.registered())
    # The first status, in the history; member_registered announces it (no member_status_changed).
    refresh_status(uow, member, clock, roster_events.MEMBER_REGISTERED, scope.principal, due_days,
                   effective_on=clock.today(), first=True)
    return member


DELIVERING = ("removed", "transferred_out")  # no number is handed out for members off the roll


def contacts_for_delivery(uow, member_ids, scope):
    """The phone number of each member, for a service sending them study material at this moment."""
    if not (scope.principal or "").startswith("service:") or not scope.reveals("phone"):
        raise ServiceError(ErrorCode.FORBIDDEN, "phone numbers are handed to a delivering service only")
    items = []
    for member_id in member_ids:
        member = uow.members.get(member_id)
        on_roll = member is not None and member.status not in DELIVERING
        items.append({"member_id": member_id, "phone": member.phone if on_roll else None})
    return {"items": items}


def get_member(uow, member_id, scope):
    return _member(uow, scope, member_id)


def find_member_by_id_number(uow, id_number, scope):
    member = uow.members.find_by_id_number(normalise_id_number(id_number))
    if _sees(uow, scope, member):
        return member
    # Never the number itself: error messages end up in logs.
    raise ServiceError(ErrorCode.MEMBER_NOT_FOUND, "no member with this ID number")


def _member_filters(uow, query, scope):
    organisation = (
        _visible_organisation(uow, scope, query["organisation_id"], "organisation_id")
        if query.get("organisation_id") else None
    )
    return dict(organisation=organisation, status=query.get("status"), membership=query.get("membership"),
                gender=query.get("gender"), **{name: query.get(name) for name in WHEREABOUTS_FILTERS})


def list_members(uow, query, scope):
    page, per_page = query["page"], query["per_page"]
    return uow.members.list(
        scope=scope, name=query.get("name"), offset=(page - 1) * per_page, limit=per_page,
        **_member_filters(uow, query, scope),
    )


def export_members(uow, query, scope):
    """Every member matching ``query`` that the caller may see, all at once, up
    to ``MAX_EXPORT_ROWS``; more is refused rather than cut short."""
    items, total = uow.members.export(scope=scope, max_rows=MAX_EXPORT_ROWS,
                                      **_member_filters(uow, query, scope))
    if items is None:
        raise ServiceError(
            ErrorCode.EXPORT_TOO_LARGE,
            f"{total} members match; an export holds at most {MAX_EXPORT_ROWS}: narrow the filters",
            {"total": total, "max_rows": MAX_EXPORT_ROWS},
        )
    return items, total


# ---- movements -----------------------------------------------------------

def report_departure(uow, member_id, command, clock, scope, home_code=places.DEFAULT_HOME_CODE,
                     due_days=DEFAULT_DUE_DAYS):
    member = _member(uow, scope, member_id, for_update=True)
    # Classified first: a destination that is no place refuses the report before anything changes.
    destination = places.classify(command["destination_province"], command["destination_city"], home_code)
    report = DepartureReport(
        departed_on=command.get("departed_on") or clock.today(),
        destination_province=command["destination_province"],
        destination_city=command["destination_city"],
        destination_address=command.get("destination_address"),
        work=command["work"],
        contact=command["contact"],
        expected_return_on=command.get("expected_return_on"),
    )
    departure, departed = member.report_departure(
        departure_id=new_id(), report=report, reported_at=clock.now(), reported_by=scope.principal
    )
    departure.destination_reach, departure.destination_code = destination.reach, destination.code
    uow.add_event(departed)
    refresh_status(uow, member, clock, roster_events.MEMBER_DEPARTED, scope.principal, due_days,
                   effective_on=report.departed_on)
    return departure


def report_return(uow, member_id, command, clock, scope, due_days=DEFAULT_DUE_DAYS):
    member = _member(uow, scope, member_id, for_update=True)
    departure, returned = member.report_return(
        departure_id=new_id(), returned_on=command.get("returned_on") or clock.today(), reported_at=clock.now(),
        reported_by=scope.principal, today=clock.today(),
    )
    uow.add_event(returned)
    refresh_status(uow, member, clock, roster_events.MEMBER_RETURNED, scope.principal, due_days,
                   effective_on=departure.returned_on)
    return departure


# ---- organisation-relationship transfer (组织关系转接): use cases in services/roster/transfers.py ----
from services.roster.domain.events import MemberTransferExpired, MemberTransferred, MemberTransferStarted

EVENTS.event_types.update({
    MemberTransferStarted: roster_events.MEMBER_TRANSFER_STARTED,
    MemberTransferred: roster_events.MEMBER_TRANSFERRED,
    MemberTransferExpired: roster_events.MEMBER_TRANSFER_EXPIRED,
})


# ---- county statistics (issue 8) ----

def county_statistics(uow, query, clock, scope):
    """The county's figures for the subtree of ``organisation_id`` (or all the
    caller sees) on ``date`` (or today), as ``contracts.roster.StatisticsSchema``."""
    from contracts.roster import DESTINATION_REACHES, NOT_YET_TRACKED, ORGANISATION_KINDS
    from services.roster.domain.statistics import percent, year_ends

    root = (
        _visible_organisation(uow, scope, query["organisation_id"]) if query.get("organisation_id") else None
    )
    day = query.get("date") or clock.today()
    rows = uow.statistics.by_organisation(scope, root, day)
    members = sum(row[3] for row in rows)
    away = uow.statistics.away_count(scope, root, day)
    by_reach = uow.statistics.away_by_reach(scope, root, day)
    reaches = [*DESTINATION_REACHES, *sorted(set(by_reach) - set(DESTINATION_REACHES))]
    organisations_by_kind = uow.statistics.organisations_by_kind(scope, root)
    members_by_kind = {}
    for row in rows:
        members_by_kind[row[2]] = members_by_kind.get(row[2], 0) + row[3]
    first_year = uow.statistics.first_departure_year(scope, root, day)
    return {
        "organisation_id": root.id if root else None,
        "date": day,
        "members": members,
        "away": away,
        "away_share_percent": percent(away, members),
        "away_by_reach": [
            {"reach": reach, "away": by_reach.get(reach, 0), "share_percent": percent(by_reach.get(reach, 0), away)}
            for reach in reaches
        ],
        "away_by_year": [
            {"year": year, "as_of": as_of, "away": uow.statistics.away_count(scope, root, as_of)}
            for year, as_of in (year_ends(first_year, day) if first_year else [])
        ],
        "members_by_kind": [
            {"kind": kind, "kind_label": label, "organisations": organisations_by_kind.get(kind, 0),
             "members": members_by_kind.get(kind, 0)}
            for kind, label in ORGANISATION_KINDS.items() if kind in organisations_by_kind
        ],
        "members_by_organisation": [
            {"organisation_id": row[0], "name": row[1], "kind": row[2], "members": row[3], "away": row[4]}
            for row in rows
        ],
        "transfers_in_year": uow.statistics.transfers_received(scope, root, day.replace(month=1, day=1), day),
        "lost_contact": uow.statistics.lost_contact_count(scope, root, day),
        "pocket_members": uow.statistics.pocket_members_open(scope, root, day),
        **{name: None for name in NOT_YET_TRACKED},
        "not_yet_tracked": list(NOT_YET_TRACKED),
    }


# ---- meetings: quorum records (issue 8; the use cases are in services.roster.meetings) ----
from services.roster.domain.events import (
    AttendanceExclusionApproved,
    AttendanceExclusionWithdrawn,
    PartyProbationRecorded,
)

EVENTS.event_types.update({
    PartyProbationRecorded: roster_events.PARTY_PROBATION_RECORDED,
    AttendanceExclusionApproved: roster_events.ATTENDANCE_EXCLUSION_APPROVED,
    AttendanceExclusionWithdrawn: roster_events.ATTENDANCE_EXCLUSION_WITHDRAWN,
})


# ---- issue 8: check-in at the destination (双报到), awaiting check-in, should transfer ----
from services.roster.domain import check_in as check_ins  # noqa: E402

EVENTS.event_types[check_ins.MemberCheckedIn] = roster_events.MEMBER_CHECKED_IN
EVENTS.event_types[check_ins.CheckInConfirmed] = roster_events.MEMBER_CHECK_IN_CONFIRMED
EVENTS.event_types[check_ins.MobileMemberCardIssued] = roster_events.MOBILE_MEMBER_CARD_ISSUED


def report_check_in(uow, member_id, command, clock, scope, due_days=DEFAULT_DUE_DAYS):
    """The member (their own scope) or someone who sees their branch reports
    the check-in, as for a departure. A host on the platform is found whatever
    the caller's scope: a member at the destination checks in at a branch of
    another town, which they cannot otherwise see."""
    member = _member(uow, scope, member_id, for_update=True)
    host = None
    if command.get("host_organisation_id"):
        host = uow.organisations.get(command["host_organisation_id"])
        if host is None:
            raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, "host_organisation_id names no organisation",
                               {"host_organisation_id": ["no such organisation"]})
    departure = member.current_departure
    record, checked_in = check_ins.check_in(
        member, check_in_id=new_id(),
        open_check_in=uow.check_ins.for_departure(departure.id) if departure is not None else None,
        checked_in_on=command.get("checked_in_on") or clock.today(), host=host,
        host_name=command.get("host_name"), host_place=command.get("host_place"),
        reported_at=clock.now(), reported_by=scope.principal,
    )
    uow.check_ins.add(record)
    uow.add_event(checked_in)
    refresh_status(uow, member, clock, roster_events.MEMBER_CHECKED_IN, scope.principal, due_days,
                   effective_on=record.checked_in_on)
    return record


def _check_in(uow, scope, member_id, check_in_id, for_update=False):
    """The check-in and its member, seen from the member's home side or from
    the host's: a destination branch sees the members who checked in with it
    (to confirm them), and nothing else of them. Anything else is not found."""
    member = uow.members.get(member_id, for_update=for_update)
    record = uow.check_ins.get(check_in_id, for_update=for_update)
    if member is None or record is None or record.member_id != member.id:
        record = None
    elif not _sees(uow, scope, member):
        host = uow.organisations.get(record.host_organisation_id) if record.host_organisation_id else None
        if not scope.sees_organisation(host):
            record = None
    if record is None:
        raise ServiceError(ErrorCode.CHECK_IN_NOT_FOUND, f"check-in {check_in_id} not found for member {member_id}")
    return member, record


def list_check_ins(uow, member_id, scope):
    member = _member(uow, scope, member_id)
    return uow.check_ins.for_member(member.id)


def confirm_check_in(uow, member_id, check_in_id, command, clock, scope):
    """The host and the home town confirm, each for its own side: the caller's
    organisations must cover the host (or, for one outside the platform, the
    home branch) or the member's home branch. A member's own scope covers
    neither, so nobody confirms their own check-in."""
    member, record = _check_in(uow, scope, member_id, check_in_id, for_update=True)
    host = uow.organisations.get(record.host_organisation_id) if record.host_organisation_id else None
    confirmed = record.confirm(
        side=command["side"], member=member, at=clock.now(), by=scope.principal,
        sees_host=scope.sees_organisation(host), sees_home=scope.sees_organisation(
            uow.organisations.get(member.organisation_id)),
    )
    uow.add_event(confirmed)
    return record


def _away_page(uow, query, scope, departed_on_or_before, without_check_in):
    organisation = (
        _visible_organisation(uow, scope, query["organisation_id"], "organisation_id")
        if query.get("organisation_id") else None
    )
    page, per_page = query["page"], query["per_page"]
    return uow.check_ins.away_members(
        scope=scope, organisation=organisation, departed_on_or_before=departed_on_or_before,
        without_check_in=without_check_in, offset=(page - 1) * per_page, limit=per_page,
    )


def members_awaiting_check_in(uow, query, clock, scope, due_days):
    """待报到: away ``due_days`` days or more (the day itself included) without a check-in."""
    return _away_page(uow, query, scope, check_ins.latest_departure_awaiting(clock.today(), due_days), True)


def members_to_transfer(uow, query, clock, scope):
    """应转接: away at one place six calendar months or more (see domain.check_in)."""
    return _away_page(uow, query, scope, check_ins.latest_departure_to_transfer(clock.today()), False)


# ---- 流动党员活动证: the mobile-member card ----

def issue_mobile_member_card(uow, member_id, command, clock, scope):
    """Issued by whoever records the member's movements (their branch, or the
    member themself); the destination branch is found whatever the caller's
    scope, as a host is for a check-in."""
    member = _member(uow, scope, member_id, for_update=True)
    branch = uow.organisations.get(command["branch_id"])
    if branch is None:
        raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, "branch_id names no organisation",
                           {"branch_id": ["no such organisation"]})
    departure = member.current_departure
    card = check_ins.issue_card(
        member, card_id=new_id(),
        existing_card=uow.mobile_member_cards.for_departure(departure.id) if departure is not None else None,
        branch=branch, issued_on=command.get("issued_on") or clock.today(), valid_until=command.get("valid_until"),
        issued_at=clock.now(), issued_by=scope.principal,
    )
    uow.mobile_member_cards.add(card)
    uow.add_event(card.issued(member.organisation_id))
    return card


def list_mobile_member_cards(uow, member_id, scope):
    return uow.mobile_member_cards.for_member(_member(uow, scope, member_id).id)


# ---- issue 8: lost contact (失联), suspension and removal (use cases in services.roster.lost_contacts) ----
from services.roster.domain import lost_contact as _lost_contact  # noqa: E402

EVENTS.event_types.update({
    _lost_contact.MemberLostContact: roster_events.MEMBER_LOST_CONTACT,
    _lost_contact.MemberContactRestored: roster_events.MEMBER_CONTACT_RESTORED,
    _lost_contact.MemberSuspended: roster_events.MEMBER_SUSPENDED,
    _lost_contact.MemberRemoved: roster_events.MEMBER_REMOVED,
})

# ---- issue 8: member field changes (services.roster.member_changes) and the timeline (services.roster.timeline) ----
from services.roster.domain.member_changes import MemberUpdated  # noqa: E402

EVENTS.event_types[MemberUpdated] = roster_events.MEMBER_UPDATED

# ---- issue 8: computed member status (services.roster.status) ----
from services.roster.domain.status import MemberStatusChanged  # noqa: E402

EVENTS.event_types[MemberStatusChanged] = roster_events.MEMBER_STATUS_CHANGED

# ---- issue 8: pocket members (口袋党员; the use cases are in services.roster.pocket_members) ----
from services.roster.domain import pocket_member as _pocket  # noqa: E402

EVENTS.event_types[_pocket.PocketMemberFound] = roster_events.POCKET_MEMBER_FOUND
EVENTS.event_types[_pocket.PocketMemberPlaced] = roster_events.POCKET_MEMBER_PLACED

# ---- issue 8: organisation details, stations, pairings (use cases in services/roster/organisations.py) ----
from services.roster.domain import organisation_links as _links  # noqa: E402
from services.roster.domain.events import OrganisationUpdated  # noqa: E402

EVENTS.event_types.update({
    OrganisationUpdated: roster_events.ORGANISATION_UPDATED,
    _links.StationLinked: roster_events.STATION_LINKED,
    _links.StationUnlinked: roster_events.STATION_UNLINKED,
    _links.TownCommunityPaired: roster_events.TOWN_COMMUNITY_PAIRED,
    _links.TownCommunityPairingEnded: roster_events.TOWN_COMMUNITY_PAIRING_ENDED,
})
