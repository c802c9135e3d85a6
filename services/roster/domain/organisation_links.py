"""Links between organisations, kept as history (issue 8): a link is added, and later ended
(``ended_on``), never deleted or overwritten.

- Service stations (服务站), service points (服务点) and red stations (红色驿站) serve branches:
  ``StationLink`` (station, branch). Only those three kinds serve, and only branch kinds are
  served. A station serves a branch once at a time: a second active link of the same pair is
  refused (by the database too: ``active_pair`` is unique while the link is active).
- Town–community pairing (城乡结对共管, "1+1", DOMAIN.md 4.2): a town party committee with an
  urban community organisation, on the platform (an organisation) or outside it (by name).
  A town is a party committee that is not a root (the county's own committee is the root; a
  town committee hangs under it). The community on the platform is a party committee, general
  branch or branch outside the town's subtree. "1+1" is one to one: a town has one active
  pairing, and a community on the platform one (both refused by the database too). Ending a
  pairing frees both sides for a new one.
"""
from dataclasses import dataclass
from datetime import date

from contracts.errors import ErrorCode, RuleViolation
from services.roster.domain.organisation import (
    BRANCH,
    BRANCH_KINDS,
    GENERAL_BRANCH,
    PARTY_COMMITTEE,
    RED_STATION,
    SERVICE_POINT,
    SERVICE_STATION,
)

STATION_KINDS = frozenset({SERVICE_STATION, SERVICE_POINT, RED_STATION})
COMMUNITY_KINDS = frozenset({PARTY_COMMITTEE, GENERAL_BRANCH, BRANCH})


def _ending_on(since, ended_on, field="ended_on"):
    if ended_on < since:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, f"{field} is before the link began",
                            {field: [f"on or after {since.isoformat()}"]})
    return ended_on


# ---- stations serving branches ------------------------------------------------

@dataclass(frozen=True)
class StationLinked:
    link_id: str
    station_id: str
    branch_id: str
    since: date


@dataclass(frozen=True)
class StationUnlinked:
    link_id: str
    station_id: str
    branch_id: str
    since: date
    ended_on: date


class StationLink:
    def __init__(self, *, id, station_id, branch_id, since, linked_at, linked_by=None):
        self.id = id
        self.station_id = station_id
        self.branch_id = branch_id
        self.since = since
        self.ended_on = None
        self.end_reason = None
        self.linked_at = linked_at
        self.linked_by = linked_by
        self.ended_at = None
        self.ended_by = None
        self.active_pair = f"{station_id}:{branch_id}"

    @property
    def active(self):
        return self.ended_on is None

    def linked(self):
        return StationLinked(link_id=self.id, station_id=self.station_id, branch_id=self.branch_id, since=self.since)

    def end(self, *, ended_on, at, by=None, reason=None):
        if not self.active:
            raise RuleViolation(ErrorCode.ALREADY_ENDED, "this link has ended already",
                                {"link_id": [f"ended on {self.ended_on.isoformat()}"]})
        self.ended_on = _ending_on(self.since, ended_on)
        self.ended_at, self.ended_by, self.end_reason = at, by, reason
        self.active_pair = None
        return StationUnlinked(link_id=self.id, station_id=self.station_id, branch_id=self.branch_id,
                               since=self.since, ended_on=self.ended_on)


def link_station(*, link_id, station, branch, active_link, since, at, by=None):
    """``station`` starts serving ``branch`` on ``since``; ``active_link``: the pair's link still active, if any."""
    if station.kind not in STATION_KINDS:
        raise RuleViolation(ErrorCode.NOT_A_STATION, f"a {station.kind} does not serve branches",
                            {"station_id": ["not a service station, service point or red station"]})
    if branch.kind not in BRANCH_KINDS:
        raise RuleViolation(ErrorCode.NOT_A_BRANCH, f"a {branch.kind} is not a branch",
                            {"branch_id": ["only branches are served"]})
    if active_link is not None:
        raise RuleViolation(ErrorCode.ALREADY_SERVED, "the station serves this branch already",
                            {"branch_id": [f"served since {active_link.since.isoformat()} (link {active_link.id})"]})
    link = StationLink(id=link_id, station_id=station.id, branch_id=branch.id, since=since, linked_at=at,
                       linked_by=by)
    return link, link.linked()


# ---- town–community pairings (城乡结对) -----------------------------------------

@dataclass(frozen=True)
class TownCommunityPaired:
    pairing_id: str
    town_id: str
    community_organisation_id: str | None
    community_name: str
    paired_on: date


@dataclass(frozen=True)
class TownCommunityPairingEnded:
    pairing_id: str
    town_id: str
    community_organisation_id: str | None
    community_name: str
    paired_on: date
    ended_on: date


class TownCommunityPairing:
    def __init__(self, *, id, town_id, community_organisation_id, community_name, community_place, paired_on,
                 recorded_at, recorded_by=None):
        self.id = id
        self.town_id = town_id
        self.community_organisation_id = community_organisation_id
        self.community_name = community_name
        self.community_place = community_place
        self.paired_on = paired_on
        self.ended_on = None
        self.end_reason = None
        self.recorded_at = recorded_at
        self.recorded_by = recorded_by
        self.ended_at = None
        self.ended_by = None
        self.active_for_town_id = town_id
        self.active_for_community_id = community_organisation_id

    @property
    def active(self):
        return self.ended_on is None

    def paired(self):
        return TownCommunityPaired(pairing_id=self.id, town_id=self.town_id,
                                   community_organisation_id=self.community_organisation_id,
                                   community_name=self.community_name, paired_on=self.paired_on)

    def end(self, *, ended_on, at, by=None, reason=None):
        if not self.active:
            raise RuleViolation(ErrorCode.ALREADY_ENDED, "this pairing has ended already",
                                {"pairing_id": [f"ended on {self.ended_on.isoformat()}"]})
        self.ended_on = _ending_on(self.paired_on, ended_on)
        self.ended_at, self.ended_by, self.end_reason = at, by, reason
        self.active_for_town_id = self.active_for_community_id = None
        return TownCommunityPairingEnded(
            pairing_id=self.id, town_id=self.town_id, community_organisation_id=self.community_organisation_id,
            community_name=self.community_name, paired_on=self.paired_on, ended_on=self.ended_on)


def is_town(organisation):
    return organisation.kind == PARTY_COMMITTEE and organisation.parent_id is not None


def pair(*, pairing_id, town, community, community_name, community_place, town_pairing, community_pairing,
         paired_on, at, by=None):
    """Pair ``town`` with ``community`` (an organisation on the platform) or with one outside it
    (``community_name``, ``community_place``). ``town_pairing``/``community_pairing``: the side's
    active pairing, if any."""
    if not is_town(town):
        raise RuleViolation(ErrorCode.NOT_A_TOWN, f"a {town.kind} is not a town party committee",
                            {"town_id": ["a town party committee (a party committee under the county's)"]})
    if community is not None:
        if community.kind not in COMMUNITY_KINDS or community.path.startswith(town.path):
            raise RuleViolation(ErrorCode.NOT_A_COMMUNITY, "not an urban community organisation for this town", {
                "community_organisation_id": ["a party committee, general branch or branch outside the town"]})
        community_name = community.name
    if town_pairing is not None:
        raise RuleViolation(ErrorCode.ALREADY_PAIRED, "the town is paired already",
                            {"town_id": [f"paired with {town_pairing.community_name} (pairing {town_pairing.id})"]})
    if community_pairing is not None:
        raise RuleViolation(ErrorCode.ALREADY_PAIRED, "the community is paired already", {
            "community_organisation_id": [f"paired with another town (pairing {community_pairing.id})"]})
    pairing = TownCommunityPairing(
        id=pairing_id, town_id=town.id, community_organisation_id=community.id if community else None,
        community_name=community_name, community_place=community_place, paired_on=paired_on, recorded_at=at,
        recorded_by=by)
    return pairing, pairing.paired()
