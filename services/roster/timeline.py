"""The member timeline: every record the roster keeps of one member, from all
its tables, as one chronological list (oldest first) of ``Entry``.

Each table is read by one small *source*: a function ``(member, history,
county_timezone) -> [Entry]`` where ``history`` is the ``member_history``
repository (services.roster.repository.SqlMemberHistory). ``SOURCES`` lists
them; another table becomes part of the timeline by adding one function there
(and its reader to the repository).

Who sees what (the history is kept on both sides of a transfer):

- whoever sees the member now (their branch, or the member themself) sees the
  whole timeline, including what happened in branches they were in before;
- whoever does not, but sees a branch the member was in, sees the entries from
  while the member was there (``Entry.organisation_id``, the member's branch
  at the time, worked out from the received transfer letters);
- a transfer letter's entries are seen by whoever sees either side of it, so
  the receiving side sees a letter still pending;
- anybody else gets ``member_not_found``, as for a member that does not exist.

Personal values in an entry (``Entry.personal`` names them) are masked by the
caller's scope when the entries are dumped (services.roster.schemas).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from contracts.errors import ErrorCode, ServiceError
from services.common.clock import DEFAULT_COUNTY_TIMEZONE
from services.roster.domain import member_changes
from services.roster.domain import transfer as transfer_rules


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    record_id: str
    by: str | None = None
    on: date | None = None
    # The member's branch when it happened; None: worked out from the transfer letters.
    organisation_id: str | None = None
    details: dict = field(default_factory=dict)
    # {key in details: the personal field (contracts.access.PERSONAL_FIELDS) it is masked as}
    personal: dict = field(default_factory=dict)
    # A transfer letter's sending and receiving organisations: either side sees the entry.
    sides: tuple = ()


# ---- the sources, one per table ----------------------------------------------

def registration(member, history, county_timezone):
    return [Entry(at=member.registered_at, kind="registered", record_id=member.id, by=member.registered_by,
                  details={"joined_on": member.joined_on})]


def field_changes(member, history, county_timezone):
    order = {name: index for index, name in enumerate(member_changes.CHANGEABLE)}
    changes = sorted(history.field_changes(member.id), key=lambda c: (c.changed_at, order.get(c.field, len(order))))
    return [
        Entry(at=change.changed_at, kind="field_changed", record_id=change.id, by=change.changed_by,
              on=change.effective_on, organisation_id=change.organisation_id,
              details={"field": change.field, "old_value": change.old_value, "new_value": change.new_value,
                       "reason": change.reason},
              personal={"old_value": change.field, "new_value": change.field}
              if change.field in member_changes.PERSONAL else {})
        for change in changes
    ]


def departures(member, history, county_timezone):
    entries = []
    for departure in history.departures(member.id):
        if departure.reported:
            entries.append(Entry(
                at=departure.reported_at, kind="departure_reported", record_id=departure.id, by=departure.reported_by,
                on=departure.departed_on,
                details={"departure_id": departure.id, "destination_province": departure.destination_province,
                         "destination_city": departure.destination_city,
                         "destination_address": departure.destination_address, "work": departure.work,
                         "contact": departure.contact, "expected_return_on": departure.expected_return_on,
                         "destination_reach": getattr(departure, "destination_reach", None)},
                personal={"contact": "contact", "destination_address": "destination_address"},
            ))
        if departure.returned_reported_at is not None:
            entries.append(Entry(
                at=departure.returned_reported_at, kind="returned", record_id=departure.id,
                by=departure.return_reported_by, on=departure.returned_on,
                details={"departure_id": departure.id, "departed_on": departure.departed_on,
                         "departure_reported": departure.reported},
            ))
    return entries


def check_ins(member, history, county_timezone):
    entries = []
    for record in history.check_ins(member.id):
        entries.append(Entry(
            at=record.reported_at, kind="checked_in", record_id=record.id, by=record.reported_by,
            on=record.checked_in_on,
            details={"departure_id": record.departure_id, "host_organisation_id": record.host_organisation_id,
                     "host_name": record.host_name, "host_place": record.host_place},
        ))
        for side in ("host", "home"):
            at = getattr(record, f"{side}_confirmed_at")
            if at is not None:
                entries.append(Entry(
                    at=at, kind="check_in_confirmed", record_id=record.id, by=getattr(record, f"{side}_confirmed_by"),
                    details={"check_in_id": record.id, "side": side, "host_organisation_id": record.host_organisation_id},
                ))
    return entries


def mobile_member_cards(member, history, county_timezone):
    return [
        Entry(at=card.issued_at, kind="mobile_member_card_issued", record_id=card.id, by=card.issued_by,
              on=card.issued_on,
              details={"departure_id": card.departure_id, "number": card.number, "branch_id": card.branch_id,
                       "valid_until": card.valid_until})
        for card in history.mobile_member_cards(member.id)
    ]


def transfer_letters(member, history, county_timezone):
    entries = []
    for letter in history.transfer_letters(member.id):
        sides = tuple(side for side in (letter.from_organisation_id, letter.to_organisation_id) if side)
        summary = {"transfer_id": letter.id, "from_organisation_id": letter.from_organisation_id,
                   "to_organisation_id": letter.to_organisation_id, "to_name": letter.to_name}
        entries.append(Entry(
            at=letter.issued_at, kind="transfer_issued", record_id=letter.id, by=letter.issued_by, on=letter.issued_on,
            organisation_id=letter.from_organisation_id, sides=sides,
            details={**summary, "to_place": letter.to_place, "valid_until": letter.valid_until,
                     "dues_paid_until": letter.dues_paid_until, "reissue_of": letter.reissue_of},
        ))
        if letter.state == transfer_rules.RECEIVED:
            entries.append(Entry(
                at=letter.received_at, kind="transfer_received", record_id=letter.id, by=letter.received_by,
                on=letter.received_on, organisation_id=letter.to_organisation_id or letter.from_organisation_id,
                sides=sides, details=summary,
            ))
        elif letter.state == transfer_rules.EXPIRED:
            # Nobody records an expiry: it happened at the county's midnight after the last valid day.
            first_day = letter.valid_until + timedelta(days=1)
            entries.append(Entry(
                at=datetime.combine(first_day, time(), tzinfo=county_timezone), kind="transfer_expired",
                record_id=letter.id, on=first_day, organisation_id=letter.from_organisation_id, sides=sides,
                details={**summary, "valid_until": letter.valid_until, "reissued_as": letter.reissued_as},
            ))
    return entries


def party_probations(member, history, county_timezone):
    return [
        Entry(at=probation.recorded_at, kind="party_probation_recorded", record_id=probation.id,
              by=probation.recorded_by, on=probation.decided_on, organisation_id=probation.organisation_id,
              details={"starts_on": probation.starts_on, "ends_on": probation.ends_on,
                       "decided_by": probation.decided_by})
        for probation in history.party_probations(member.id)
    ]


def attendance_exclusions(member, history, county_timezone):
    entries = [
        Entry(at=exclusion.recorded_at, kind="attendance_exclusion_approved", record_id=exclusion.id,
              by=exclusion.recorded_by, on=exclusion.approved_on, organisation_id=exclusion.organisation_id,
              details={"ground": exclusion.ground, "approved_by_organisation_id": exclusion.approved_by_organisation_id,
                       "agreed_on": exclusion.agreed_on, "valid_from": exclusion.valid_from,
                       "valid_until": exclusion.valid_until})
        for exclusion in history.attendance_exclusions(member.id)
    ]
    entries += [
        Entry(at=withdrawal.recorded_at, kind="attendance_exclusion_withdrawn", record_id=withdrawal.id,
              by=withdrawal.recorded_by, on=withdrawal.effective_from, organisation_id=withdrawal.organisation_id,
              details={"exclusion_id": withdrawal.exclusion_id, "reason": withdrawal.reason})
        for withdrawal in history.exclusion_withdrawals(member.id)
    ]
    return entries


def lost_contacts(member, history, county_timezone):
    """失联 spells, their restoration, and the suspensions and removals they led to (with a reversal)."""
    entries = []
    for spell in history.lost_contacts(member.id):
        entries.append(Entry(
            at=spell.reported_at, kind="lost_contact_reported", record_id=spell.id, by=spell.reported_by,
            on=spell.lost_since, organisation_id=spell.organisation_id,
            details={"lost_since": spell.lost_since, "search_efforts": len(spell.search_efforts), "note": spell.note}))
        if spell.restored_at is not None:
            entries.append(Entry(
                at=spell.restored_at, kind="contact_restored", record_id=spell.id, by=spell.restored_by,
                on=spell.restored_on, organisation_id=spell.organisation_id,
                details={"lost_since": spell.lost_since, "note": spell.restoration_note}))
    for decision in history.membership_decisions(member.id):
        entries.append(Entry(
            at=decision.decided_at, kind=f"membership_{decision.kind}", record_id=decision.id, by=decision.decided_by,
            on=decision.decided_on, organisation_id=decision.organisation_id,
            details={"lost_contact_id": decision.lost_contact_id, "proposed_from": decision.proposed_from,
                     "note": decision.note}))
        if decision.reversed_at is not None:
            entries.append(Entry(
                at=decision.reversed_at, kind=f"membership_{decision.kind}_reversed", record_id=decision.id,
                by=decision.reversed_by, on=decision.reversed_on, organisation_id=decision.organisation_id,
                details={"lost_contact_id": decision.lost_contact_id}))
    return entries


def status_changes(member, history, county_timezone):
    """The computed status as it changed (services.roster.status), with its cause; the first (at
    registration) is the registration's own entry."""
    return [
        Entry(at=change.changed_at, kind="status_changed", record_id=change.id, by=change.changed_by,
              on=change.effective_on, organisation_id=change.organisation_id,
              details={"status": change.status, "previous_status": change.previous_status, "cause": change.cause})
        for change in history.status_changes(member.id) if change.previous_status is not None
    ]


# Read in this order; entries recorded at the same instant keep it.
SOURCES = [
    registration,
    field_changes,
    departures,
    check_ins,
    mobile_member_cards,
    transfer_letters,
    party_probations,
    attendance_exclusions,
    lost_contacts,
    status_changes,
]


# ---- merging, where the member was, who sees what ----------------------------

def _moves(letters):
    """(received_at, from, to) for every letter that moved the member to another branch on the platform, in order."""
    return sorted((letter.received_at, letter.from_organisation_id, letter.to_organisation_id)
                  for letter in letters if letter.state == transfer_rules.RECEIVED and letter.to_organisation_id)


def branch_at(member, moves, at):
    """The member's branch at ``at``: the sending side of the first move after it, or their branch now."""
    for received_at, from_organisation_id, _to in moves:
        if at < received_at:
            return from_organisation_id
    return member.organisation_id


def entries_of(member, history, county_timezone):
    """All the member's entries, oldest first, each with the branch it happened in."""
    entries = [entry for source in SOURCES for entry in source(member, history, county_timezone)]
    moves = _moves(history.transfer_letters(member.id))
    located = [
        entry if entry.organisation_id is not None
        else Entry(**{**entry.__dict__, "organisation_id": branch_at(member, moves, entry.at)})
        for entry in entries
    ]
    return sorted(located, key=lambda entry: entry.at)  # stable: ties keep SOURCES' order


def visible(entries, sees_member, sees_organisation):
    """The entries the caller sees: all when they see the member, else those of
    branches (or letter sides) they see. ``sees_organisation``: id -> bool."""
    if sees_member:
        return entries
    return [entry for entry in entries
            if any(sees_organisation(side) for side in entry.sides)
            or (entry.organisation_id is not None and sees_organisation(entry.organisation_id))]


def member_timeline(uow, member_id, query, scope, county_timezone=None):
    """One page of the member's timeline as the caller may see it: (member, entries, total)."""
    county_timezone = county_timezone or ZoneInfo(DEFAULT_COUNTY_TIMEZONE)
    member = uow.members.get(member_id)
    if member is None:
        raise ServiceError(ErrorCode.MEMBER_NOT_FOUND, f"member {member_id} not found")
    seen = {}

    def sees_organisation(organisation_id):
        if organisation_id not in seen:
            seen[organisation_id] = scope.sees_organisation(uow.organisations.get(organisation_id))
        return seen[organisation_id]

    sees_member = scope.sees_member(member, uow.organisations.get(member.organisation_id))
    entries = visible(entries_of(member, uow.member_history, county_timezone), sees_member, sees_organisation)
    if not entries:
        raise ServiceError(ErrorCode.MEMBER_NOT_FOUND, f"member {member_id} not found")
    page, per_page = query["page"], query["per_page"]
    start = (page - 1) * per_page
    return member, entries[start:start + per_page], len(entries)
