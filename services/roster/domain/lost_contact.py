"""失联: a member the branch can no longer reach, and what the Party's rules make of it.

A branch reports the loss with the search efforts it made. From six calendar
months after contact was lost, suspension of membership (停止党籍) is proposed;
two calendar years after a confirmed suspension, removal (除名). Both are only
proposals: a person with the right role confirms one (``decide``), on a date on
which it is due. Restored contact closes the spell and reverses what it led to:
the open proposal disappears, and a confirmed suspension is reversed (党籍恢复)
on the day contact came back. A removal is final: a removed member rejoins the
Party the ordinary way, so restoring contact with one is refused.

Spells and decisions are history: a spell's restoration and a decision's
reversal fill their empty columns once; nothing is overwritten or deleted.
"""
from dataclasses import dataclass
from datetime import date

from contracts.errors import ErrorCode, RuleViolation
from services.roster.domain.check_in import add_months
from services.roster.domain.transfer import TRANSFERRED_OUT

SUSPENSION = "suspension"  # 停止党籍
REMOVAL = "removal"        # 除名
DECISION_KINDS = {SUSPENSION: "停止党籍", REMOVAL: "除名"}

SUSPENSION_AFTER_MONTHS = 6
REMOVAL_AFTER_MONTHS = 24  # counted from the suspension's date


@dataclass(frozen=True)
class SearchEffort:
    """One attempt to find the member: when, how (phone, asking family, the
    destination's organisation...) and what came of it."""

    on: date
    how: str
    outcome: str


@dataclass(frozen=True)
class MemberLostContact:
    member_id: str
    lost_contact_id: str
    organisation_id: str
    lost_since: date
    reported_on: date
    search_efforts: int


@dataclass(frozen=True)
class MemberContactRestored:
    member_id: str
    lost_contact_id: str
    organisation_id: str
    lost_since: date
    restored_on: date
    suspension_reversed: bool


@dataclass(frozen=True)
class MemberSuspended:
    member_id: str
    decision_id: str
    lost_contact_id: str
    organisation_id: str
    decided_on: date
    proposed_from: date


@dataclass(frozen=True)
class MemberRemoved:
    member_id: str
    decision_id: str
    lost_contact_id: str
    organisation_id: str
    decided_on: date
    proposed_from: date


@dataclass(frozen=True)
class Proposal:
    """What the rules propose for a spell on a given day, and from when."""

    kind: str
    due_from: date


class LostContact:
    """One spell of lost contact. ``open_for_member_id`` is set while it is
    open, so the database refuses a second open spell for one member."""

    def __init__(self, *, id, member_id, organisation_id, lost_since, reported_on, search_efforts, note=None,
                 reported_at, reported_by=None):
        self.id = id
        self.member_id = member_id
        self.open_for_member_id = member_id
        self.organisation_id = organisation_id
        self.lost_since = lost_since
        self.reported_on = reported_on
        # Stored as JSON: a list of {"on", "how", "outcome"}.
        self.search_efforts = [
            {"on": effort.on.isoformat(), "how": effort.how, "outcome": effort.outcome} for effort in search_efforts
        ]
        self.note = note
        self.reported_at = reported_at
        self.reported_by = reported_by
        self.restored_on = None
        self.restored_at = None
        self.restored_by = None
        self.restoration_note = None

    @property
    def open(self):
        return self.restored_on is None

    def lost_on(self, day):
        """Whether contact was lost on ``day`` as far as this spell knows."""
        return self.lost_since <= day and (self.restored_on is None or day < self.restored_on)

    @property
    def suspension_due_from(self):
        return add_months(self.lost_since, SUSPENSION_AFTER_MONTHS)


class MembershipDecision:
    """A confirmed proposal: suspension or removal, who confirmed it and when.
    ``reversed_on`` is filled once when restored contact reverses a suspension."""

    def __init__(self, *, id, member_id, lost_contact_id, organisation_id, kind, proposed_from, decided_on, note=None,
                 decided_at, decided_by=None):
        self.id = id
        self.member_id = member_id
        self.lost_contact_id = lost_contact_id
        self.organisation_id = organisation_id
        self.kind = kind
        self.proposed_from = proposed_from
        self.decided_on = decided_on
        self.note = note
        self.decided_at = decided_at
        self.decided_by = decided_by
        self.reversed_on = None
        self.reversed_at = None
        self.reversed_by = None

    @property
    def in_force(self):
        return self.reversed_on is None

    def event(self):
        event_type = MemberSuspended if self.kind == SUSPENSION else MemberRemoved
        return event_type(member_id=self.member_id, decision_id=self.id, lost_contact_id=self.lost_contact_id,
                          organisation_id=self.organisation_id, decided_on=self.decided_on,
                          proposed_from=self.proposed_from)


def _in_force(decisions, kind):
    return next((d for d in decisions if d.kind == kind and d.in_force), None)


def removed(decisions):
    return _in_force(decisions, REMOVAL) is not None


def suspended(decisions):
    return _in_force(decisions, SUSPENSION) is not None and not removed(decisions)


def proposal(spell, decisions, day):
    """The proposal due on ``day`` for an open spell (``decisions`` are the
    spell's own), or None: suspension from six months after contact was lost,
    removal from two years after the suspension was confirmed."""
    if spell is None or not spell.open or removed(decisions):
        return None
    suspension = _in_force(decisions, SUSPENSION)
    if suspension is None:
        due_from = spell.suspension_due_from
        return Proposal(SUSPENSION, due_from) if day >= due_from else None
    due_from = add_months(suspension.decided_on, REMOVAL_AFTER_MONTHS)
    return Proposal(REMOVAL, due_from) if day >= due_from else None


def next_proposal(spell, decisions):
    """What will be proposed next for an open spell, and from when (shown on the spell before it is due)."""
    if spell is None or not spell.open or removed(decisions):
        return None
    suspension = _in_force(decisions, SUSPENSION)
    if suspension is None:
        return Proposal(SUSPENSION, spell.suspension_due_from)
    return Proposal(REMOVAL, add_months(suspension.decided_on, REMOVAL_AFTER_MONTHS))


def _invalid(field, message):
    return RuleViolation(ErrorCode.VALIDATION_FAILED, message, {field: [message]})


def report(member, *, lost_contact_id, open_spell, decisions, lost_since, reported_on, search_efforts, note=None,
           reported_at, reported_by=None):
    """Open a spell of lost contact for ``member`` (``open_spell`` is their
    open one, if any; ``decisions`` every decision on their record)."""
    if member.status == TRANSFERRED_OUT:
        raise RuleViolation(ErrorCode.MEMBER_TRANSFERRED_OUT,
                            "the member's relationship has been transferred out: the receiving organisation keeps them")
    if removed(decisions):
        raise RuleViolation(ErrorCode.MEMBER_REMOVED, "the member has been removed (除名)")
    if open_spell is not None:
        raise RuleViolation(ErrorCode.ALREADY_LOST_CONTACT, "contact with the member is already reported lost",
                            {"lost_contact_id": open_spell.id, "lost_since": open_spell.lost_since.isoformat()})
    if lost_since > reported_on:
        raise _invalid("lost_since", f"must not be after today, {reported_on.isoformat()}")
    if not search_efforts:
        raise _invalid("search_efforts", "report at least one search effort made before declaring contact lost")
    for index, effort in enumerate(search_efforts):
        if not lost_since <= effort.on <= reported_on:
            message = f"must be between lost_since ({lost_since.isoformat()}) and today ({reported_on.isoformat()})"
            raise RuleViolation(ErrorCode.VALIDATION_FAILED, "a search effort is dated outside the spell",
                                {"search_efforts": {str(index): {"on": [message]}}})
    spell = LostContact(id=lost_contact_id, member_id=member.id, organisation_id=member.organisation_id,
                        lost_since=lost_since, reported_on=reported_on, search_efforts=search_efforts, note=note,
                        reported_at=reported_at, reported_by=reported_by)
    return spell, MemberLostContact(member_id=member.id, lost_contact_id=spell.id,
                                    organisation_id=member.organisation_id, lost_since=lost_since,
                                    reported_on=reported_on, search_efforts=len(search_efforts))


def decide(member, *, decision_id, spell, decisions, kind, decided_on, today, note=None, decided_at, decided_by=None):
    """Confirm the proposal of ``kind`` for the member's open spell, as of
    ``decided_on`` (not after today, not before the proposal was due)."""
    if decided_on > today:
        raise _invalid("decided_on", f"must not be after today, {today.isoformat()}")
    if spell is None:
        raise RuleViolation(ErrorCode.NO_PROPOSAL, "contact with the member is not lost: nothing is proposed",
                            {"kind": [f"no {kind} is proposed for this member"]})
    if spell.restored_on is not None:
        raise RuleViolation(ErrorCode.NO_PROPOSAL, "contact with the member has been restored",
                            {"kind": [f"no {kind} is proposed for this member"]})
    due = proposal(spell, decisions, decided_on)
    if due is None or due.kind != kind:
        upcoming = next_proposal(spell, decisions)
        if upcoming is not None and upcoming.kind == kind:
            message = f"{kind} is proposed from {upcoming.due_from.isoformat()}, after {decided_on.isoformat()}"
        elif removed(decisions):
            message = "the member has been removed already"
        else:
            message = f"what is proposed is {upcoming.kind if upcoming else 'nothing'}, not {kind}"
        raise RuleViolation(ErrorCode.NO_PROPOSAL, f"no {kind} is proposed on {decided_on.isoformat()}",
                            {"kind": [message]})
    decision = MembershipDecision(
        id=decision_id, member_id=member.id, lost_contact_id=spell.id, organisation_id=member.organisation_id,
        kind=kind, proposed_from=due.due_from, decided_on=decided_on, note=note, decided_at=decided_at,
        decided_by=decided_by,
    )
    return decision, decision.event()


def restore(member, *, spell, decisions, restored_on, today, note=None, restored_at, restored_by=None):
    """Close the member's open spell: contact is back on ``restored_on``. A
    confirmed suspension of the spell is reversed on that day."""
    if removed(decisions):
        raise RuleViolation(ErrorCode.MEMBER_REMOVED,
                            "the member has been removed (除名); restored contact does not reverse a removal")
    if spell is None:
        raise RuleViolation(ErrorCode.NOT_LOST_CONTACT, "contact with the member is not reported lost")
    if restored_on > today:
        raise _invalid("restored_on", f"must not be after today, {today.isoformat()}")
    if restored_on < spell.lost_since:
        raise _invalid("restored_on", f"must not be before contact was lost, {spell.lost_since.isoformat()}")
    spell.restored_on = restored_on
    spell.restored_at = restored_at
    spell.restored_by = restored_by
    spell.restoration_note = note
    spell.open_for_member_id = None
    suspension = _in_force(decisions, SUSPENSION)
    if suspension is not None:
        suspension.reversed_on = max(restored_on, suspension.decided_on)
        suspension.reversed_at = restored_at
        suspension.reversed_by = restored_by
    return MemberContactRestored(member_id=member.id, lost_contact_id=spell.id, organisation_id=member.organisation_id,
                                 lost_since=spell.lost_since, restored_on=restored_on,
                                 suspension_reversed=suspension is not None)
