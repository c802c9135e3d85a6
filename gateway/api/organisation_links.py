"""Stations serving branches, and town–community pairings (城乡结对, "1+1") (issue 8).

Both are history: a link or a pairing is added, then ended (``ended_on``), never deleted.
Writing needs organisations:write and reading organisations:read, as for the tree itself.
"""
from flask.views import MethodView

from contracts import roster
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "organisation_links", __name__, url_prefix=API_PREFIX,
    description="服务站、服务点、红色驿站 and the branches they serve; 城乡结对: town–community pairings",
)

ORGANISATION_NOT_FOUND = (ErrorCode.ORGANISATION_NOT_FOUND, "also for an organisation outside the caller's")
PAIRING_NOT_FOUND = (ErrorCode.PAIRING_NOT_FOUND, "also for a pairing neither side of which the caller sees")


@blp.route("/organisations/<uuid:station_id>/served-branches")
class ServedBranches(MethodView):
    @blp.arguments(roster.StationLinkCreateSchema)
    @blp.response(201, roster.StationLinkSchema)
    @blp.calls(
        roster.SERVICE_NAME, ORGANISATION_NOT_FOUND,
        (ErrorCode.UNKNOWN_REFERENCE, "branch_id names no organisation the caller sees"),
        (ErrorCode.NOT_A_STATION, "only service stations, service points and red stations serve branches"),
        (ErrorCode.NOT_A_BRANCH, "branch_id names an organisation that is not a branch"),
        (ErrorCode.ALREADY_SERVED, "the station serves this branch already (an active link)"),
        idempotent=True,
    )
    @blp.requires(
        roster.ORGANISATIONS_WRITE, operation_id="linkStation",
        audit_action="organisations.link_station", resource_type="organisation",
    )
    def post(self, link, station_id):
        """A service station, service point or red station starts serving a branch (``since``: today by default)"""
        return call(roster.SERVICE_NAME, "link_station", str(station_id), roster.StationLinkCreateSchema().dump(link),
                    reply_schema=roster.StationLinkSchema)

    @blp.arguments(roster.StationLinkQuerySchema, location="query")
    @blp.response(200, roster.StationLinkListSchema)
    @blp.calls(roster.SERVICE_NAME, ORGANISATION_NOT_FOUND)
    @blp.requires(roster.ORGANISATIONS_READ, operation_id="listServedBranches")
    def get(self, query, station_id):
        """The branches a station serves and served (ended links too, unless ``state``), oldest first

        An organisation that is not a station serves none: its list is empty.
        """
        return call(roster.SERVICE_NAME, "list_station_branches", str(station_id),
                    roster.StationLinkQuerySchema().dump(query), reply_schema=roster.StationLinkListSchema)


@blp.route("/organisations/<uuid:station_id>/served-branches/<uuid:link_id>/end")
class StationLinkEnd(MethodView):
    @blp.arguments(roster.EndSchema)
    @blp.response(200, roster.StationLinkSchema)
    @blp.calls(
        roster.SERVICE_NAME, ORGANISATION_NOT_FOUND,
        (ErrorCode.STATION_LINK_NOT_FOUND, "no such link of this station"),
        (ErrorCode.ALREADY_ENDED, "the link has ended already"),
        idempotent=True,
    )
    @blp.requires(
        roster.ORGANISATIONS_WRITE, operation_id="endStationLink",
        audit_action="organisations.end_station_link", resource_type="organisation",
    )
    def post(self, end, station_id, link_id):
        """End a station's link with a branch (``ended_on``: today by default); the link stays in the history"""
        return call(roster.SERVICE_NAME, "end_station_link", str(station_id), str(link_id),
                    roster.EndSchema().dump(end), reply_schema=roster.StationLinkSchema)


@blp.route("/organisations/<uuid:branch_id>/serving-stations")
class ServingStations(MethodView):
    @blp.arguments(roster.StationLinkQuerySchema, location="query")
    @blp.response(200, roster.StationLinkListSchema)
    @blp.calls(roster.SERVICE_NAME, ORGANISATION_NOT_FOUND)
    @blp.requires(roster.ORGANISATIONS_READ, operation_id="listServingStations")
    def get(self, query, branch_id):
        """The stations that serve and served a branch (ended links too, unless ``state``), oldest first"""
        return call(roster.SERVICE_NAME, "list_branch_stations", str(branch_id),
                    roster.StationLinkQuerySchema().dump(query), reply_schema=roster.StationLinkListSchema)


@blp.route("/town-community-pairings")
class Pairings(MethodView):
    @blp.arguments(roster.PairingCreateSchema)
    @blp.response(201, roster.PairingSchema)
    @blp.calls(
        roster.SERVICE_NAME,
        (ErrorCode.UNKNOWN_REFERENCE, "town_id names no organisation the caller sees, or "
                                      "community_organisation_id none at all"),
        (ErrorCode.NOT_A_TOWN, "town_id is not a town party committee"),
        (ErrorCode.NOT_A_COMMUNITY, "the community is not a party committee, general branch or branch outside the town"),
        (ErrorCode.ALREADY_PAIRED, "the town, or the community, has an active pairing: one to one"),
        idempotent=True,
    )
    @blp.requires(
        roster.ORGANISATIONS_WRITE, operation_id="pairTownWithCommunity",
        audit_action="organisations.pair_town", resource_type="organisation",
    )
    def post(self, pairing):
        """Pair a town party committee with an urban community organisation (城乡结对, "1+1")

        The community is an organisation on the platform (``community_organisation_id``, in any county)
        or one outside it (``community_name``, ``community_place``). One active pairing per town and per
        community on the platform.
        """
        return call(roster.SERVICE_NAME, "pair_town", roster.PairingCreateSchema().dump(pairing),
                    reply_schema=roster.PairingSchema)

    @blp.arguments(roster.PairingQuerySchema, location="query")
    @blp.response(200, roster.PairingPageSchema)
    @blp.calls(roster.SERVICE_NAME, (ErrorCode.UNKNOWN_REFERENCE, "town_id names no organisation the caller sees"))
    @blp.requires(roster.ORGANISATIONS_READ, operation_id="listTownCommunityPairings")
    def get(self, query):
        """Pairings whose town or community the caller sees, newest first, optionally of one town or by state"""
        return call(roster.SERVICE_NAME, "list_pairings", roster.PairingQuerySchema().dump(query),
                    reply_schema=roster.PairingPageSchema)


@blp.route("/town-community-pairings/<uuid:pairing_id>")
class Pairing(MethodView):
    @blp.response(200, roster.PairingSchema)
    @blp.calls(roster.SERVICE_NAME, PAIRING_NOT_FOUND)
    @blp.requires(roster.ORGANISATIONS_READ, operation_id="getTownCommunityPairing")
    def get(self, pairing_id):
        """Get one town–community pairing"""
        return call(roster.SERVICE_NAME, "get_pairing", str(pairing_id), reply_schema=roster.PairingSchema)


@blp.route("/town-community-pairings/<uuid:pairing_id>/end")
class PairingEnd(MethodView):
    @blp.arguments(roster.EndSchema)
    @blp.response(200, roster.PairingSchema)
    @blp.calls(
        roster.SERVICE_NAME, PAIRING_NOT_FOUND,
        (ErrorCode.FORBIDDEN, "the town records the end: the caller sees only the community"),
        (ErrorCode.ALREADY_ENDED, "the pairing has ended already"),
        idempotent=True,
    )
    @blp.requires(
        roster.ORGANISATIONS_WRITE, operation_id="endTownCommunityPairing",
        audit_action="organisations.end_pairing", resource_type="organisation",
    )
    def post(self, end, pairing_id):
        """End a pairing (``ended_on``: today by default); it stays in the history, both sides may pair again"""
        return call(roster.SERVICE_NAME, "end_pairing", str(pairing_id), roster.EndSchema().dump(end),
                    reply_schema=roster.PairingSchema)
