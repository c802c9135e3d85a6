"""Events published by roster on the ``roster.events`` exchange.

Payloads carry ids, never ID numbers, phone numbers, addresses or contacts:
subscribers that need personal data ask for it through the gateway, where it is
authorised and audited.
"""
from marshmallow import Schema, fields

SOURCE = "roster"

ORGANISATION_CREATED = "organisation_created"
MEMBER_REGISTERED = "member_registered"
MEMBER_DEPARTED = "member_departed"
MEMBER_RETURNED = "member_returned"


class OrganisationCreatedV1(Schema):
    """An organisation was added to the tree (组织体系).

    ``path`` lists the ids from the root down to the organisation itself, so a
    subscriber can tell whether it lies inside a subtree without asking roster
    or waiting for its parents' events. ``revision`` counts the organisation's
    changes (1 at creation): a projection keeps the highest it has seen.
    """

    organisation_id = fields.UUID(required=True)
    parent_id = fields.UUID(allow_none=True, load_default=None)
    path = fields.List(fields.UUID(), required=True)
    name = fields.Str(required=True)
    kind = fields.Str(required=True)
    revision = fields.Int(required=True)


class MemberRegisteredV1(Schema):
    """A member was registered in their home branch."""

    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    membership = fields.Str(required=True)  # full | probationary
    # Added in issue 9 (an added field, not a new version): the day the member joined the Party, the first day
    # they were on a branch's roll as far as the platform knows; absent from events published before it.
    joined_on = fields.Date(allow_none=True, load_default=None)


class MemberDepartedV1(Schema):
    """A member reported leaving to work away (外出报备)."""

    member_id = fields.UUID(required=True)
    departure_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    departed_on = fields.Date(required=True)
    destination_province = fields.Str(required=True)
    destination_city = fields.Str(required=True)
    expected_return_on = fields.Date(allow_none=True, load_default=None)


class MemberReturnedV1(Schema):
    """A member came home (返乡): homecoming training, visits and quorum follow from it."""

    member_id = fields.UUID(required=True)
    departure_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    returned_on = fields.Date(required=True)
    departed_on = fields.Date(allow_none=True, load_default=None)
    # False when the member came back without having reported leaving (外出未报备)
    departure_reported = fields.Bool(required=True)


SCHEMAS = {
    (ORGANISATION_CREATED, 1): OrganisationCreatedV1,
    (MEMBER_REGISTERED, 1): MemberRegisteredV1,
    (MEMBER_DEPARTED, 1): MemberDepartedV1,
    (MEMBER_RETURNED, 1): MemberReturnedV1,
}

# (event_type, from_version) -> function(data of from_version) -> data of from_version + 1
UPCASTERS = {}


# ---- organisation-relationship transfer (组织关系转接) ------------------------
MEMBER_TRANSFER_STARTED = "member_transfer_started"
MEMBER_TRANSFERRED = "member_transferred"
MEMBER_TRANSFER_EXPIRED = "member_transfer_expired"


class MemberTransferStartedV1(Schema):
    """A transfer letter (介绍信) was issued; the sending organisation stays responsible until the receipt.

    ``to_organisation_id`` is null for an organisation outside the platform (``to_name`` names it);
    ``reissue_of`` is the expired letter this one replaces.
    """

    transfer_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    from_organisation_id = fields.UUID(required=True)
    to_organisation_id = fields.UUID(allow_none=True, load_default=None)
    to_name = fields.Str(required=True)
    issued_on = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    dues_paid_until = fields.Str(required=True)  # YYYY-MM
    reissue_of = fields.UUID(allow_none=True, load_default=None)


class MemberTransferredV1(Schema):
    """The receiving organisation sent its receipt (回执): the member belongs to it now, or, when it is
    outside the platform (``transferred_out``), has left the county's roll."""

    transfer_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    from_organisation_id = fields.UUID(required=True)
    to_organisation_id = fields.UUID(allow_none=True, load_default=None)
    transferred_out = fields.Bool(required=True)
    received_on = fields.Date(required=True)


class MemberTransferExpiredV1(Schema):
    """A letter's validity passed without a receipt; the member stays with the sending organisation."""

    transfer_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    from_organisation_id = fields.UUID(required=True)
    to_organisation_id = fields.UUID(allow_none=True, load_default=None)
    valid_until = fields.Date(required=True)
    expired_on = fields.Date(required=True)


SCHEMAS.update({
    (MEMBER_TRANSFER_STARTED, 1): MemberTransferStartedV1,
    (MEMBER_TRANSFERRED, 1): MemberTransferredV1,
    (MEMBER_TRANSFER_EXPIRED, 1): MemberTransferExpiredV1,
})


# ---- meetings: quorum records (issue 8) ----------------------------------

PARTY_PROBATION_RECORDED = "party_probation_recorded"
ATTENDANCE_EXCLUSION_APPROVED = "attendance_exclusion_approved"


class PartyProbationRecordedV1(Schema):
    """A member was put on probation within the Party (留党察看), both days inclusive: no vote meanwhile."""

    probation_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    decided_on = fields.Date(required=True)


class AttendanceExclusionApprovedV1(Schema):
    """A member is left out of "should attend" (应到会) of their branch's meetings, from
    ``valid_from`` to ``valid_until`` (inclusive; null: until further notice)."""

    exclusion_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    ground = fields.Str(required=True)
    approved_by_organisation_id = fields.UUID(required=True)
    approved_on = fields.Date(required=True)
    agreed_on = fields.Date(required=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(allow_none=True, load_default=None)


ATTENDANCE_EXCLUSION_WITHDRAWN = "attendance_exclusion_withdrawn"


class AttendanceExclusionWithdrawnV1(Schema):
    """An exclusion from "should attend" ended early: from ``effective_from`` the member should attend again."""

    withdrawal_id = fields.UUID(required=True)
    exclusion_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    effective_from = fields.Date(required=True)


SCHEMAS[(PARTY_PROBATION_RECORDED, 1)] = PartyProbationRecordedV1
SCHEMAS[(ATTENDANCE_EXCLUSION_WITHDRAWN, 1)] = AttendanceExclusionWithdrawnV1
SCHEMAS[(ATTENDANCE_EXCLUSION_APPROVED, 1)] = AttendanceExclusionApprovedV1


# ---- issue 8: check-in at the destination (双报到) ----
MEMBER_CHECKED_IN = "member_checked_in"
MEMBER_CHECK_IN_CONFIRMED = "member_check_in_confirmed"


class MemberCheckedInV1(Schema):
    """A member away checked in at a host at the destination (双报到).

    ``host_organisation_id`` names the host when it is on the platform, so that
    its systems subscribe and learn of the member (通报); null for a host
    outside it, named by ``host_name``. ``organisation_id`` is the home branch.
    """

    member_id = fields.UUID(required=True)
    check_in_id = fields.UUID(required=True)
    departure_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    host_organisation_id = fields.UUID(allow_none=True, load_default=None)
    host_name = fields.Str(required=True)
    checked_in_on = fields.Date(required=True)


class MemberCheckInConfirmedV1(Schema):
    """One side confirmed a check-in: ``side`` is host or home; ``both_confirmed``
    once the second side has."""

    member_id = fields.UUID(required=True)
    check_in_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    host_organisation_id = fields.UUID(allow_none=True, load_default=None)
    side = fields.Str(required=True)
    confirmed_by = fields.Str(allow_none=True, load_default=None)
    both_confirmed = fields.Bool(required=True)


SCHEMAS[(MEMBER_CHECKED_IN, 1)] = MemberCheckedInV1
SCHEMAS[(MEMBER_CHECK_IN_CONFIRMED, 1)] = MemberCheckInConfirmedV1

MOBILE_MEMBER_CARD_ISSUED = "mobile_member_card_issued"


class MobileMemberCardIssuedV1(Schema):
    """A mobile-member card (流动党员活动证) was issued for an absence under six
    months: organisational life and dues at ``branch_id`` (the destination
    branch, whose systems may subscribe), no vote there. ``organisation_id`` is
    the home branch."""

    member_id = fields.UUID(required=True)
    card_id = fields.UUID(required=True)
    departure_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    branch_id = fields.UUID(required=True)
    number = fields.Str(required=True)
    issued_on = fields.Date(required=True)
    valid_until = fields.Date(required=True)


SCHEMAS[(MOBILE_MEMBER_CARD_ISSUED, 1)] = MobileMemberCardIssuedV1


# ---- issue 8: lost contact (失联), suspension (停止党籍) and removal (除名) ----
MEMBER_LOST_CONTACT = "member_lost_contact"
MEMBER_CONTACT_RESTORED = "member_contact_restored"
MEMBER_SUSPENDED = "member_suspended"
MEMBER_REMOVED = "member_removed"


class MemberLostContactV1(Schema):
    """The member's branch can no longer reach them (失联); ``search_efforts`` counts the attempts reported."""

    member_id = fields.UUID(required=True)
    lost_contact_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    lost_since = fields.Date(required=True)
    reported_on = fields.Date(required=True)
    search_efforts = fields.Int(required=True)


class MemberContactRestoredV1(Schema):
    """Contact is back; ``suspension_reversed`` when a confirmed suspension (停止党籍) was reversed by it."""

    member_id = fields.UUID(required=True)
    lost_contact_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    lost_since = fields.Date(required=True)
    restored_on = fields.Date(required=True)
    suspension_reversed = fields.Bool(required=True)


class MembershipDecidedV1(Schema):
    """A proposal confirmed: suspension of membership (停止党籍) or removal (除名), from ``decided_on``."""

    member_id = fields.UUID(required=True)
    decision_id = fields.UUID(required=True)
    lost_contact_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    decided_on = fields.Date(required=True)
    proposed_from = fields.Date(required=True)


SCHEMAS[(MEMBER_LOST_CONTACT, 1)] = MemberLostContactV1
SCHEMAS[(MEMBER_CONTACT_RESTORED, 1)] = MemberContactRestoredV1
SCHEMAS[(MEMBER_SUSPENDED, 1)] = MembershipDecidedV1
SCHEMAS[(MEMBER_REMOVED, 1)] = MembershipDecidedV1

# ---- issue 8: member field changes ----
MEMBER_UPDATED = "member_updated"


class MemberUpdatedV1(Schema):
    """Some of a member's fields were changed (their timeline keeps the values).
    ``changed_fields`` names them, never their values: a subscriber that needs the new
    name or phone asks the gateway. ``membership`` is the member's membership
    after the change, and ``full_member_on`` the day of 转正 when that is the change."""

    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    changed_fields = fields.List(fields.Str(), required=True)
    membership = fields.Str(required=True)
    full_member_on = fields.Date(allow_none=True, load_default=None)


SCHEMAS[(MEMBER_UPDATED, 1)] = MemberUpdatedV1

# ---- issue 8: computed member status ----
MEMBER_STATUS_CHANGED = "member_status_changed"


class MemberStatusChangedV1(Schema):
    """A member's computed status changed (contracts.roster.MEMBER_STATUSES): by what happened to
    them (``cause`` is the event type that caused it, e.g. member_departed) or by the clock alone
    (``cause`` "clock": an open departure crossed the check-in due day or six months). Registration
    sets the first status without this event: member_registered says it (the status is "normal")."""

    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    status = fields.Str(required=True)
    previous_status = fields.Str(allow_none=True, load_default=None)
    effective_on = fields.Date(required=True)
    cause = fields.Str(required=True)


SCHEMAS[(MEMBER_STATUS_CHANGED, 1)] = MemberStatusChangedV1

# ---- issue 8: pocket members (口袋党员) ----
POCKET_MEMBER_FOUND = "pocket_member_found"
POCKET_MEMBER_PLACED = "pocket_member_placed"


class PocketMemberFoundV1(Schema):
    """A pocket-member candidate was recorded: ``source`` transfer_letter (a letter expired unreceived;
    ``member_id`` and ``transfer_id`` name them) or check_in / registration_elsewhere / other (an ID number
    matching no one; the number is never in the event). ``organisation_id``: whom the candidate belongs to."""

    pocket_member_id = fields.UUID(required=True)
    source = fields.Str(required=True)
    organisation_id = fields.UUID(required=True)
    member_id = fields.UUID(allow_none=True, load_default=None)
    transfer_id = fields.UUID(allow_none=True, load_default=None)
    found_on = fields.Date(required=True)


class PocketMemberPlacedV1(Schema):
    """A candidate was placed in a branch: the member moved there from ``from_organisation_id``, or was
    registered there (``registered``, and ``member_registered`` too)."""

    pocket_member_id = fields.UUID(required=True)
    placement_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    from_organisation_id = fields.UUID(allow_none=True, load_default=None)
    branch_id = fields.UUID(required=True)
    placed_on = fields.Date(required=True)
    registered = fields.Bool(required=True)


SCHEMAS[(POCKET_MEMBER_FOUND, 1)] = PocketMemberFoundV1
SCHEMAS[(POCKET_MEMBER_PLACED, 1)] = PocketMemberPlacedV1
# ---- issue 8: organisation details, stations, pairings ----
ORGANISATION_UPDATED = "organisation_updated"
STATION_LINKED = "station_linked"
STATION_UNLINKED = "station_unlinked"
TOWN_COMMUNITY_PAIRED = "town_community_paired"
TOWN_COMMUNITY_PAIRING_ENDED = "town_community_pairing_ended"


class OrganisationUpdatedV1(OrganisationCreatedV1):
    """An organisation's details changed (host, budget, officers, activity day): the fields of
    ``organisation_created`` (its place in the tree, unchanged) at the next ``revision``, and the
    names of the fields that changed in ``changed``. A tree projection may apply it as it applies
    ``organisation_created`` (the higher revision wins) or ignore it: the tree's shape, names and
    kinds never change with it. The values themselves are read through the gateway."""

    changed = fields.List(fields.Str(), required=True)


class StationLinkedV1(Schema):
    """A service station, service point or red station began serving a branch on ``since``."""

    link_id = fields.UUID(required=True)
    station_id = fields.UUID(required=True)
    branch_id = fields.UUID(required=True)
    since = fields.Date(required=True)


class StationUnlinkedV1(StationLinkedV1):
    """A station stopped serving a branch: the link ended on ``ended_on`` (the link stays in the history)."""

    ended_on = fields.Date(required=True)


class TownCommunityPairedV1(Schema):
    """城乡结对 ("1+1"): a town party committee paired with an urban community organisation,
    on the platform (``community_organisation_id``) or outside it (null; ``community_name``)."""

    pairing_id = fields.UUID(required=True)
    town_id = fields.UUID(required=True)
    community_organisation_id = fields.UUID(allow_none=True, load_default=None)
    community_name = fields.Str(required=True)
    paired_on = fields.Date(required=True)


class TownCommunityPairingEndedV1(TownCommunityPairedV1):
    """A town–community pairing ended on ``ended_on``; both sides are free to pair again."""

    ended_on = fields.Date(required=True)


SCHEMAS[(ORGANISATION_UPDATED, 1)] = OrganisationUpdatedV1
SCHEMAS[(STATION_LINKED, 1)] = StationLinkedV1
SCHEMAS[(STATION_UNLINKED, 1)] = StationUnlinkedV1
SCHEMAS[(TOWN_COMMUNITY_PAIRED, 1)] = TownCommunityPairedV1
SCHEMAS[(TOWN_COMMUNITY_PAIRING_ENDED, 1)] = TownCommunityPairingEndedV1
