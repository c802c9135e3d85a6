"""Use cases of the organisations' details, the online branch of each village, stations serving
branches and town–community pairings (issue 8), in the shape of ``services.roster.usecases``:
unit of work, clock and the caller's ``Scope`` as arguments; the entrypoint commits.

Who may do what (the permission is checked by the gateway: organisations:write to change,
organisations:read to read):
- an organisation's details are changed by whoever sees it; its history is read likewise;
- a station is linked to a branch by whoever sees both; the link is ended by whoever sees the
  station; a station's branches are read by whoever sees the station, a branch's stations by
  whoever sees the branch (the other side may lie outside the caller's scope: its name is shown);
- a pairing is recorded and ended by whoever sees the town; the community on the platform is
  found whatever the caller's scope (it is in a city, another organisation's tree); a pairing
  is seen by whoever sees its town or its community.
Anything the caller may not see is answered as if it did not exist.
"""
from contracts.errors import ErrorCode, RuleViolation, ServiceError
from services.common.clock import new_id
from services.roster.domain import organisation_links as links
from services.roster.domain.organisation import (
    OFFICERS,
    VILLAGE_ONLINE_BRANCH,
    Organisation,
)
from services.roster.usecases import _member, _visible_organisation

# Two requests that raced past the domain's checks: the database's unique indexes refuse the second.
# Keyed by column name, which both PostgreSQL's message and SQLite's name.
UNIQUE_VIOLATIONS = {
    "online_branch_of": RuleViolation(
        ErrorCode.ONLINE_BRANCH_EXISTS, "this village has its online branch already",
        {"parent_id": ["already holds the online branch"]}),
    "active_pair": RuleViolation(
        ErrorCode.ALREADY_SERVED, "the station serves this branch already", {"branch_id": ["served already"]}),
    "active_for_town_id": RuleViolation(
        ErrorCode.ALREADY_PAIRED, "the town is paired already", {"town_id": ["paired already"]}),
    "active_for_community_id": RuleViolation(
        ErrorCode.ALREADY_PAIRED, "the community is paired already", {"community_organisation_id": ["paired already"]}),
}


def details_from(command):
    """The contract's nested details (host, budget, officers, activity_day) as the domain's fields;
    only the groups present in ``command`` (a group given as None clears its fields)."""
    details = {}
    if "host" in command:
        host = command["host"] or {}
        details.update(host_name=host.get("name"), host_kind=host.get("kind"))
    if "budget" in command:
        budget = command["budget"] or {}
        details.update(budget_yuan=budget.get("yuan"), budget_year=budget.get("year"))
    for officer in OFFICERS:
        if officer in command:
            person = command[officer] or {}
            member_id = person.get("member_id")
            details.update({f"{officer}_name": person.get("name"),
                            f"{officer}_member_id": str(member_id) if member_id else None})
    if "activity_day" in command:
        details["activity_day"] = command["activity_day"]
    return details


def _check_officers(uow, scope, details):
    """An officer's member_id names a member the caller sees."""
    for officer in OFFICERS:
        member_id = details.get(f"{officer}_member_id")
        if member_id is None:
            continue
        try:
            _member(uow, scope, member_id)
        except ServiceError:
            raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, f"{officer}.member_id names no member",
                               {officer: {"member_id": ["no such member"]}}) from None


def create_organisation(uow, command, clock, scope):
    if command.get("parent_id"):
        parent = _visible_organisation(uow, scope, command["parent_id"], "parent_id")
    elif not scope.may_create_root:
        raise ServiceError(ErrorCode.FORBIDDEN, "only a platform-wide grant may create a root organisation",
                           {"parent_id": ["required: name an organisation in your scope"]})
    else:
        parent = None
    details = {name: value for name, value in details_from(command).items() if value is not None}
    online = None
    grandparent_kind = None
    if command["kind"] == VILLAGE_ONLINE_BRANCH and parent is not None:
        online = uow.organisation_details.online_branch_of(parent.id)
        grandparent = uow.organisations.get(parent.parent_id) if parent.parent_id else None
        grandparent_kind = grandparent.kind if grandparent is not None else None
    organisation = Organisation(
        id=new_id(), name=command["name"], kind=command["kind"], parent=parent,
        location=command.get("location"), created_at=clock.now(), created_by=scope.principal, details=details,
        existing_online_branch=online, grandparent_kind=grandparent_kind,
    )
    _check_officers(uow, scope, details)  # after the rules of the request itself
    uow.organisations.add(organisation)
    uow.add_event(organisation.created())
    return organisation


def update_organisation(uow, organisation_id, command, clock, scope):
    _visible_organisation(uow, scope, organisation_id)
    organisation = uow.organisation_details.locked(organisation_id)
    details = details_from(command)
    _check_officers(uow, scope, details)
    change, updated = organisation.update(details, change_id=new_id(), at=clock.now(), by=scope.principal,
                                          reason=command.get("reason"))
    if change is not None:
        uow.organisation_details.add_change(change)
        uow.add_event(updated)
    return organisation


def organisation_changes(uow, organisation_id, scope):
    return uow.organisation_details.changes(_visible_organisation(uow, scope, organisation_id).id)


# ---- stations serving branches ------------------------------------------------

def link_station(uow, station_id, command, clock, scope):
    station = _visible_organisation(uow, scope, station_id)
    branch = _visible_organisation(uow, scope, command["branch_id"], "branch_id")
    link, linked = links.link_station(
        link_id=new_id(), station=station, branch=branch, active_link=uow.station_links.active(station.id, branch.id),
        since=command.get("since") or clock.today(), at=clock.now(), by=scope.principal,
    )
    uow.station_links.add(link)
    uow.add_event(linked)
    return link


def end_station_link(uow, station_id, link_id, command, clock, scope):
    station = _visible_organisation(uow, scope, station_id)
    link = uow.station_links.get(link_id, for_update=True)
    if link is None or link.station_id != station.id:
        raise ServiceError(ErrorCode.STATION_LINK_NOT_FOUND, f"link {link_id} not found for station {station_id}")
    unlinked = link.end(ended_on=command.get("ended_on") or clock.today(), at=clock.now(), by=scope.principal,
                        reason=command.get("reason"))
    uow.add_event(unlinked)
    return link


def station_branches(uow, station_id, query, scope):
    """The branches an organisation serves (none for one that is not a station), with ended links."""
    return uow.station_links.of_station(_visible_organisation(uow, scope, station_id).id, query.get("state"))


def branch_stations(uow, branch_id, query, scope):
    return uow.station_links.of_branch(_visible_organisation(uow, scope, branch_id).id, query.get("state"))


# ---- town–community pairings (城乡结对) -----------------------------------------

def _sees_pairing(uow, scope, pairing):
    return scope.unrestricted or any(
        scope.sees_organisation(uow.organisations.get(organisation_id))
        for organisation_id in (pairing.town_id, pairing.community_organisation_id) if organisation_id)


def pair_town(uow, command, clock, scope):
    town = _visible_organisation(uow, scope, command["town_id"], "town_id")
    community = None
    if command.get("community_organisation_id"):
        community = uow.organisations.get(command["community_organisation_id"])
        if community is None:
            raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, "community_organisation_id names no organisation",
                               {"community_organisation_id": ["no such organisation"]})
    pairing, paired = links.pair(
        pairing_id=new_id(), town=town, community=community, community_name=command.get("community_name"),
        community_place=command.get("community_place"), town_pairing=uow.pairings.active_for_town(town.id),
        community_pairing=uow.pairings.active_for_community(community.id) if community else None,
        paired_on=command.get("paired_on") or clock.today(), at=clock.now(), by=scope.principal,
    )
    uow.pairings.add(pairing)
    uow.add_event(paired)
    return pairing


def get_pairing(uow, pairing_id, scope, for_update=False):
    pairing = uow.pairings.get(pairing_id, for_update=for_update)
    if pairing is None or not _sees_pairing(uow, scope, pairing):
        raise ServiceError(ErrorCode.PAIRING_NOT_FOUND, f"pairing {pairing_id} not found")
    return pairing


def end_pairing(uow, pairing_id, command, clock, scope):
    pairing = get_pairing(uow, pairing_id, scope, for_update=True)
    if not (scope.unrestricted or scope.sees_organisation(uow.organisations.get(pairing.town_id))):
        raise ServiceError(ErrorCode.FORBIDDEN, "the town records the end of its pairing",
                           {"pairing_id": ["the town is outside your scope"]})
    ended = pairing.end(ended_on=command.get("ended_on") or clock.today(), at=clock.now(), by=scope.principal,
                        reason=command.get("reason"))
    uow.add_event(ended)
    return pairing


def list_pairings(uow, query, scope):
    town = _visible_organisation(uow, scope, query["town_id"], "town_id") if query.get("town_id") else None
    page, per_page = query["page"], query["per_page"]
    return uow.pairings.list(scope=scope, town=town, state=query.get("state"),
                             offset=(page - 1) * per_page, limit=per_page)
