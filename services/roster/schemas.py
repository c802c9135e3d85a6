"""The RPC contract at the roster's edge: the caller's scope and ID-number
lookups loaded in, roster objects turned into JSON results out.

Personal fields the caller's scope does not reveal are masked here, inside the
service, so that their full values never cross the broker to a caller who may
not see them.
"""
from contracts.access import mask_contact, mask_id_number, mask_phone, mask_text
from contracts.roster import (
    ORGANISATION_KINDS,
    DepartureSchema,
    MemberExportSchema,
    MemberLookupSchema,
    MemberPageSchema,
    MemberSchema,
    OrganisationPageSchema,
    OrganisationSchema,
    OrganisationTreeSchema,
)
from contracts.roster_events import OrganisationCreatedV1
from services.common.crypto import normalise_id_number
from services.common.rpc import load

_DEPARTURE_FIELDS = (
    "id", "member_id", "reported", "departed_on", "destination_province", "destination_city",
    "destination_address", "work", "expected_return_on", "contact", "returned_on", "reported_at",
    "returned_reported_at", "destination_reach", "destination_code",
)
_MEMBER_FIELDS = (
    "id", "name", "gender", "birth_date", "id_number", "phone", "joined_on", "membership",
    "organisation_id", "status", "registered_at",
)
_ORGANISATION_FIELDS = ("id", "name", "kind", "parent_id", "location", "depth", "created_at")


# One per contracts.access.PERSONAL_FIELDS. A masked birth date is no date at
# all (null): the member's birth_year is shown instead.
_MASKS = {
    "id_number": mask_id_number, "birth_date": lambda value: None, "phone": mask_phone, "contact": mask_contact,
    "destination_address": mask_text,
}


def load_id_number(id_number):
    """An ID number as typed (spaces, a lower-case x) made canonical, then validated."""
    if isinstance(id_number, str):
        id_number = normalise_id_number(id_number)
    return load(MemberLookupSchema(), {"id_number": id_number})["id_number"]


def _mask(view, scope):
    for field, mask in _MASKS.items():
        if field in view and view[field] is not None and not scope.reveals(field):
            view[field] = mask(view[field])
    return view


def _organisation_view(organisation):
    view = {name: getattr(organisation, name) for name in _ORGANISATION_FIELDS}
    view["kind_label"] = ORGANISATION_KINDS[organisation.kind]
    view.update(_details_view(organisation))  # issue 8
    return view


def _departure_view(departure, scope):
    # getattr with a default: a departure made in memory (unit tests' fakes) has no classification yet.
    return _mask({name: getattr(departure, name, None) for name in _DEPARTURE_FIELDS}, scope)


def _member_view(member, scope):
    view = _mask({name: getattr(member, name) for name in _MEMBER_FIELDS}, scope)
    view["birth_year"] = member.birth_date.year
    departure = member.current_departure
    view["current_departure"] = _departure_view(departure, scope) if departure else None
    return view


def dump_tree_page(items, more):
    """Organisations as ``organisation_created`` payloads (the projection's input)."""
    schema = OrganisationCreatedV1()
    return {"items": [schema.dump(organisation.created().__dict__) for organisation in items], "more": more}


def dump_organisation(organisation):
    return OrganisationSchema().dump(_organisation_view(organisation))


def _page(schema, view, items, total, query):
    return schema.dump({"items": [view(item) for item in items], "total": total,
                        "page": query["page"], "per_page": query["per_page"]})


def dump_organisation_page(items, total, query):
    return _page(OrganisationPageSchema(), _organisation_view, items, total, query)


def dump_subtree(nodes):
    """Nest a flat, parents-first list of nodes under its first node."""
    views = {}
    for node in nodes:
        views[node.id] = {**_organisation_view(node), "children": []}
        if node.parent_id in views:
            views[node.parent_id]["children"].append(views[node.id])
    return OrganisationTreeSchema().dump(views[nodes[0].id])


def dump_member(member, scope):
    return MemberSchema().dump(_member_view(member, scope))


def dump_member_page(items, total, query, scope):
    return _page(MemberPageSchema(), lambda member: _member_view(member, scope), items, total, query)


def dump_member_export(items, total, scope):
    return MemberExportSchema().dump({"items": [_member_view(member, scope) for member in items], "total": total})


def dump_departure(departure, scope):
    return DepartureSchema().dump(_departure_view(departure, scope))


# ---- organisation-relationship transfer (组织关系转接) ------------------------
from contracts.roster import TransferPageSchema, TransferSchema

_TRANSFER_FIELDS = (
    "id", "member_id", "member_name", "from_organisation_id", "to_organisation_id", "to_name", "to_place",
    "issued_on", "valid_until", "dues_paid_until", "received_on", "expired_on", "reissue_of", "reissued_as",
    "issued_at", "received_at",
)


def _transfer_view(letter, today):
    view = {name: getattr(letter, name) for name in _TRANSFER_FIELDS}
    view["state"] = letter.state_on(today)
    return view


def dump_transfer(letter, today):
    return TransferSchema().dump(_transfer_view(letter, today))


def dump_transfer_page(items, total, query, today):
    return _page(TransferPageSchema(), lambda letter: _transfer_view(letter, today), items, total, query)


# ---- meetings: quorum, 留党察看 and exclusions (issue 8) ---------------------
from services.roster.domain.quorum import OFF_THE_ROLL as _OFF_THE_ROLL  # noqa: E402
from contracts.roster import (
    EXCLUSION_GROUNDS,
    NO_VOTE_REASONS,
    AttendanceExclusionSchema,
    ExclusionWithdrawalSchema,
    PartyProbationSchema,
    QuorumSchema,
)

_PROBATION_FIELDS = ("id", "member_id", "organisation_id", "starts_on", "ends_on", "decided_by", "decided_on",
                     "recorded_at", "recorded_by")
_EXCLUSION_FIELDS = ("id", "member_id", "organisation_id", "ground", "approved_by_organisation_id", "approved_on",
                     "agreed_on", "valid_from", "valid_until", "note", "recorded_at", "recorded_by")


def _probation_view(probation):
    return {name: getattr(probation, name) for name in _PROBATION_FIELDS}


def _exclusion_view(exclusion, approver_name=None, withdrawn_from=None):
    view = {name: getattr(exclusion, name) for name in _EXCLUSION_FIELDS}
    view["ground_label"] = EXCLUSION_GROUNDS[exclusion.ground]
    view["approved_by_organisation_name"] = approver_name
    view["withdrawn_from"] = withdrawn_from
    return view


def dump_party_probation(probation):
    return PartyProbationSchema().dump(_probation_view(probation))


def dump_party_probations(items):
    return {"items": [dump_party_probation(item) for item in items]}


def dump_attendance_exclusion(exclusion, approver_name=None):
    return AttendanceExclusionSchema().dump(_exclusion_view(exclusion, approver_name))


def dump_attendance_exclusions(items, withdrawn):
    return {"items": [AttendanceExclusionSchema().dump(_exclusion_view(item, withdrawn_from=withdrawn.get(item.id)))
                      for item in items]}


_WITHDRAWAL_FIELDS = ("id", "exclusion_id", "member_id", "organisation_id", "effective_from", "reason", "recorded_at",
                      "recorded_by")


def dump_exclusion_withdrawal(withdrawal):
    return ExclusionWithdrawalSchema().dump({name: getattr(withdrawal, name) for name in _WITHDRAWAL_FIELDS})


def dump_quorum(result, branch, approvers):
    def standing_view(standing):
        member, exclusion = standing.member, standing.exclusion
        return {
            "member_id": member.id, "name": member.name, "membership": member.membership,
            "joined_on": member.joined_on, "has_vote": standing.has_vote,
            "no_vote_reason": standing.no_vote_reason,
            "no_vote_reason_label": NO_VOTE_REASONS.get(standing.no_vote_reason),
            "should_attend": standing.should_attend, "present": standing.present,
            "exclusion": _exclusion_view(exclusion, approvers.get(exclusion.approved_by_organisation_id))
            if exclusion else None,
            "party_probation": _probation_view(standing.probation) if standing.probation else None,
        }

    return QuorumSchema().dump({
        "organisation_id": branch.id,
        "date": result.meeting_date,
        "members_total": sum(1 for s in result.standings if s.no_vote_reason not in _OFF_THE_ROLL),
        "members_with_vote": result.members_with_vote,
        "should_attend": result.should_attend,
        "excluded": sum(1 for s in result.excluded if not s.should_attend),
        "present": result.present,
        "present_with_vote": result.present_with_vote,
        "general_meeting": {"may_vote": result.may_vote, "present_needed": result.present_needed_to_vote,
                            "motion_votes_needed": result.motion_votes_needed},
        "election": {"valid": result.may_elect, "present_needed": result.present_needed_to_elect},
        "members": [standing_view(standing) for standing in result.standings],
    })


# ---- issue 8: check-in at the destination (双报到), awaiting check-in, should transfer ----
from contracts.roster import AwayMemberPageSchema, CheckInListSchema, CheckInSchema  # noqa: E402
from services.roster.domain import check_in as _check_ins  # noqa: E402

_CHECK_IN_FIELDS = (
    "id", "member_id", "departure_id", "checked_in_on", "host_organisation_id", "host_name", "host_place",
    "reported_at", "reported_by", "host_confirmed_at", "host_confirmed_by", "home_confirmed_at",
    "home_confirmed_by", "confirmed",
)


def _check_in_view(record):
    return {name: getattr(record, name) for name in _CHECK_IN_FIELDS}


def dump_check_in(record):
    return CheckInSchema().dump(_check_in_view(record))


def dump_check_ins(records):
    return CheckInListSchema().dump({"items": [_check_in_view(record) for record in records]})


def dump_away_page(items, total, query, today, due_days):
    def view(member):
        departure = member.current_departure
        return {
            "member_id": member.id, "name": member.name, "organisation_id": member.organisation_id,
            "departure_id": departure.id, "departed_on": departure.departed_on,
            "destination_province": departure.destination_province, "destination_city": departure.destination_city,
            "days_away": (today - departure.departed_on).days,
            "check_in_due_on": _check_ins.check_in_due_on(departure.departed_on, due_days),
            "should_transfer_from": _check_ins.should_transfer_from(departure.departed_on),
        }
    return AwayMemberPageSchema().dump({"items": [view(member) for member in items], "total": total, "as_of": today,
                                        "page": query["page"], "per_page": query["per_page"]})


from contracts.roster import MobileMemberCardSchema  # noqa: E402

_CARD_FIELDS = ("id", "member_id", "departure_id", "number", "branch_id", "issued_on", "valid_until",
                "votes_at_destination", "issued_at", "issued_by")


def dump_card(card):
    return MobileMemberCardSchema().dump({name: getattr(card, name) for name in _CARD_FIELDS})


def dump_cards(cards):
    return {"items": [dump_card(card) for card in cards]}


# ---- issue 8: lost contact (失联), suspension and removal ----
from contracts.roster import (  # noqa: E402
    MEMBERSHIP_DECISION_KINDS,
    LostContactListSchema,
    LostContactSchema,
    LostMemberPageSchema,
    MembershipDecisionSchema,
)
from services.roster.domain import lost_contact as _lost_contact  # noqa: E402
from datetime import date as _date  # noqa: E402

_SPELL_FIELDS = ("id", "member_id", "organisation_id", "lost_since", "reported_on", "search_efforts", "note",
                 "reported_at", "reported_by", "restored_on", "restored_at", "restored_by", "restoration_note")
_DECISION_FIELDS = ("id", "member_id", "lost_contact_id", "organisation_id", "kind", "proposed_from", "decided_on",
                    "note", "decided_at", "decided_by", "reversed_on", "reversed_at", "reversed_by")


def _proposal_view(proposal):
    if proposal is None:
        return None
    return {"kind": proposal.kind, "kind_label": MEMBERSHIP_DECISION_KINDS[proposal.kind], "due_from": proposal.due_from}


def _decision_view(decision):
    return {**{name: getattr(decision, name) for name in _DECISION_FIELDS},
            "kind_label": MEMBERSHIP_DECISION_KINDS[decision.kind]}


def _spell_view(spell, decisions, today):
    return {
        **{name: getattr(spell, name) for name in _SPELL_FIELDS},
        # Kept as JSON, so the dates come back as text.
        "search_efforts": [{**effort, "on": _date.fromisoformat(effort["on"])} for effort in spell.search_efforts],
        "decisions": [_decision_view(decision) for decision in decisions],
        "proposal": _proposal_view(_lost_contact.proposal(spell, decisions, today)),
        "next_proposal": _proposal_view(_lost_contact.next_proposal(spell, decisions)),
    }


def dump_lost_contact(spell, decisions, today):
    return LostContactSchema().dump(_spell_view(spell, decisions, today))


def dump_lost_contacts(spells, today):
    return LostContactListSchema().dump({"items": [_spell_view(s, d, today) for s, d in spells]})


def dump_membership_decision(decision):
    return MembershipDecisionSchema().dump(_decision_view(decision))


def dump_lost_member_page(items, total, query, today):
    return LostMemberPageSchema().dump({
        "items": [{"member_id": member.id, "name": member.name, "organisation_id": member.organisation_id,
                   "lost_contact": _spell_view(spell, decisions, today)} for member, spell, decisions in items],
        "total": total, "page": query["page"], "per_page": query["per_page"], "as_of": today,
    })


# ---- issue 8: the member timeline ----
from contracts.roster import TIMELINE_KINDS, TimelineSchema  # noqa: E402


def _entry_view(entry, scope):
    details = dict(entry.details)
    for key, personal_field in entry.personal.items():
        if details.get(key) is not None and not scope.reveals(personal_field):
            details[key] = _MASKS[personal_field](details[key])
    return {
        "at": entry.at, "on": entry.on, "kind": entry.kind, "kind_label": TIMELINE_KINDS.get(entry.kind, entry.kind),
        "by": entry.by, "record_id": entry.record_id, "organisation_id": entry.organisation_id,
        "details": {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in details.items()},
    }


def dump_timeline(member, entries, total, query, scope):
    return TimelineSchema().dump({
        "member_id": member.id, "items": [_entry_view(entry, scope) for entry in entries], "total": total,
        "page": query["page"], "per_page": query["per_page"],
    })

# ---- issue 8: computed member status, its history ----
from contracts.roster import MemberStatusHistorySchema  # noqa: E402

_STATUS_CHANGE_FIELDS = ("id", "member_id", "organisation_id", "status", "previous_status", "effective_on",
                         "changed_at", "changed_by", "cause")


def dump_status_history(changes):
    return MemberStatusHistorySchema().dump(
        {"items": [{name: getattr(change, name) for name in _STATUS_CHANGE_FIELDS} for change in changes]})
# ---- issue 8: pocket members (口袋党员) ----
from contracts.roster import (  # noqa: E402
    POCKET_MEMBER_SOURCES,
    PlacementResultSchema,
    PocketMemberDetailSchema,
    PocketMemberPageSchema,
    SightingResultSchema,
)

_POCKET_MEMBER_FIELDS = (
    "id", "source", "state", "organisation_id", "name", "member_id", "transfer_id", "id_number", "place", "note",
    "sightings", "found_on", "last_seen_on", "found_at", "closed_on", "placed_branch_id", "placed_member_id",
)
_PLACEMENT_FIELDS = ("id", "pocket_member_id", "member_id", "from_organisation_id", "branch_id", "placed_on",
                     "registered", "note", "recorded_at", "recorded_by")


def _pocket_member_view(candidate, scope):
    # The ID number is masked as a member's is (contracts.access.PERSONAL_FIELDS).
    view = _mask({name: getattr(candidate, name) for name in _POCKET_MEMBER_FIELDS}, scope)
    view["source_label"] = POCKET_MEMBER_SOURCES[candidate.source]
    return view


def _placement_view(placement):
    return {name: getattr(placement, name) for name in _PLACEMENT_FIELDS}


def dump_pocket_member(candidate, placement, scope):
    return PocketMemberDetailSchema().dump({
        **_pocket_member_view(candidate, scope), "placement": _placement_view(placement) if placement else None})


def dump_pocket_member_page(items, total, query, scope):
    return _page(PocketMemberPageSchema(), lambda candidate: _pocket_member_view(candidate, scope), items, total, query)


def dump_sighting(outcome, member_id, candidate, new, scope):
    return SightingResultSchema().dump({
        "outcome": outcome, "member_id": member_id, "new": new,
        "pocket_member": _pocket_member_view(candidate, scope) if candidate is not None else None,
    })


def dump_placement(candidate, placement, scope):
    return PlacementResultSchema().dump({"pocket_member": _pocket_member_view(candidate, scope),
                                         "placement": _placement_view(placement)})

# ---- issue 8: organisation details, stations, pairings ----
from contracts.roster import (  # noqa: E402
    OrganisationChangeListSchema,
    PairingPageSchema,
    PairingSchema,
    StationLinkListSchema,
    StationLinkSchema,
)
from services.roster.domain.organisation import OFFICERS  # noqa: E402


def _details_view(organisation):
    get = lambda name: getattr(organisation, name, None)  # noqa: E731
    view = {
        "host": {"name": get("host_name"), "kind": get("host_kind")} if get("host_name") else None,
        "budget": {"yuan": get("budget_yuan"), "year": get("budget_year")} if get("budget_yuan") is not None else None,
        "activity_day": get("activity_day"),
        "revision": get("revision") or 1,
    }
    for officer in OFFICERS:
        name = get(f"{officer}_name")
        view[officer] = {"name": name, "member_id": get(f"{officer}_member_id")} if name else None
    return view


_CHANGE_FIELDS = ("id", "organisation_id", "revision", "changes", "reason", "changed_at", "changed_by")


def dump_organisation_changes(changes):
    return OrganisationChangeListSchema().dump(
        {"items": [{name: getattr(change, name) for name in _CHANGE_FIELDS} for change in changes]})


_LINK_FIELDS = ("id", "station_id", "branch_id", "since", "ended_on", "end_reason", "active", "linked_at",
                "linked_by", "ended_at", "ended_by")


def _link_view(link, organisation_of):
    station, branch = organisation_of(link.station_id), organisation_of(link.branch_id)
    return {**{name: getattr(link, name) for name in _LINK_FIELDS},
            "station_name": station.name, "station_kind": station.kind, "branch_name": branch.name}


def dump_station_link(link, organisation_of):
    return StationLinkSchema().dump(_link_view(link, organisation_of))


def dump_station_links(links, organisation_of):
    return StationLinkListSchema().dump({"items": [_link_view(link, organisation_of) for link in links]})


_PAIRING_FIELDS = ("id", "town_id", "community_organisation_id", "community_name", "community_place", "paired_on",
                   "ended_on", "end_reason", "active", "recorded_at", "recorded_by", "ended_at", "ended_by")


def _pairing_view(pairing, organisation_of):
    return {**{name: getattr(pairing, name) for name in _PAIRING_FIELDS},
            "town_name": organisation_of(pairing.town_id).name}


def dump_pairing(pairing, organisation_of):
    return PairingSchema().dump(_pairing_view(pairing, organisation_of))


def dump_pairing_page(items, total, query, organisation_of):
    return _page(PairingPageSchema(), lambda pairing: _pairing_view(pairing, organisation_of), items, total, query)
