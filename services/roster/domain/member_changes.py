"""Changing a member's fields after registration, each change kept as an
append-only record (``MemberFieldChange``) with who made it, when, and the old
and new values.

What may change, as decided for the county:

- ``name``, ``gender``: corrections of what was registered.
- ``phone``: the member has a new number (personal data: the record keeps its
  values encrypted like ``members.phone``, and answers mask them).
- ``joined_on`` (入党时间): a correction; it stays after the birth date and
  not in the future.
- ``membership``: only probationary (预备党员) → full (正式党员), 转正, with the
  day it took effect (``full_member_on``): not before one year after
  ``joined_on`` (the probationary year), not in the future. A full member
  never becomes probationary again.

What never changes here (422 naming the field): ``id_number`` is the member's
identity, and ``birth_date`` is written inside it; ``organisation_id`` moves
only with a transfer letter (组织关系转接); ``status`` is computed from the
history.

A field sent with the value it already has is no change and records nothing.
"""
from dataclasses import dataclass
from datetime import date

from contracts.errors import ErrorCode, RuleViolation
from services.roster.domain.transfer import add_months

CHANGEABLE = ("name", "gender", "phone", "joined_on", "membership")
# Never changed through a field change, and why (the 422's message for the field).
UNCHANGEABLE = {
    "id_number": "the ID number is the member's identity and is never changed; register the person correctly",
    "birth_date": "the birth date is written inside the ID number and changes only with it, which never changes",
    "organisation_id": "a member changes branch only by a transfer letter (组织关系转接)",
    "status": "the status is computed from the member's history, never typed",
}
# Whose values the contracts count as personal data (contracts.access.PERSONAL_FIELDS).
PERSONAL = ("phone",)

FULL, PROBATIONARY = "full", "probationary"
PROBATION_MONTHS = 12


class MemberFieldChange:
    """One field of one member changed once. Values are kept as text (dates in
    ISO form); ``effective_on`` is the business date when there is one (the
    转正 date for membership)."""

    def __init__(self, *, id, member_id, organisation_id, field, old_value, new_value, changed_at, changed_by=None,
                 effective_on=None, reason=None):
        self.id = id
        self.member_id = member_id
        self.organisation_id = organisation_id
        self.field = field
        self.old_value = old_value
        self.new_value = new_value
        self.effective_on = effective_on
        self.reason = reason
        self.changed_at = changed_at
        self.changed_by = changed_by


@dataclass(frozen=True)
class MemberUpdated:
    member_id: str
    organisation_id: str
    changed_fields: list
    membership: str
    full_member_on: date | None


def _text(value):
    return value.isoformat() if isinstance(value, date) else value


def _refuse(field, message):
    raise RuleViolation(ErrorCode.VALIDATION_FAILED, message, {field: [message]})


def change_fields(member, changes, *, today, changed_at, changed_by, new_id, reason=None):
    """Apply ``changes`` ({field: new value}, plus ``full_member_on`` with a
    membership change) to ``member``: every rule is checked before anything
    changes. Answers (the records, the event), or ([], None) when no field
    actually changes."""
    changes = dict(changes)
    full_member_on = changes.pop("full_member_on", None)
    for field in changes:
        if field in UNCHANGEABLE:
            _refuse(field, UNCHANGEABLE[field])
        if field not in CHANGEABLE:
            _refuse(field, "not a field of a member that can be changed")
    changed = {field: value for field, value in changes.items() if value != getattr(member, field)}
    joined_on = changed.get("joined_on", member.joined_on)
    if "joined_on" in changed:
        if joined_on <= member.birth_date:
            _refuse("joined_on", "must be after the birth date")
        if joined_on > today:
            _refuse("joined_on", "must not be in the future")
    if full_member_on is not None and changed.get("membership") != FULL:
        _refuse("full_member_on", "the member is a full member already" if member.membership == FULL
                else "is the day a probationary member became full: send it with membership full")
    if "membership" in changed:
        if changed["membership"] == PROBATIONARY:
            _refuse("membership", "a full member does not become probationary again")
        if full_member_on is None:
            _refuse("full_member_on", "required when a probationary member becomes full (转正): the day it took effect")
        earliest = add_months(joined_on, PROBATION_MONTHS)
        if full_member_on < earliest:
            _refuse("full_member_on", f"the probationary year runs to {earliest.isoformat()}: not before it")
        if full_member_on > today:
            _refuse("full_member_on", "must not be in the future")
    if not changed:
        return [], None
    records = []
    for field in CHANGEABLE:  # one order, whatever the request's
        if field not in changed:
            continue
        records.append(MemberFieldChange(
            id=new_id(), member_id=member.id, organisation_id=member.organisation_id, field=field,
            old_value=_text(getattr(member, field)), new_value=_text(changed[field]), changed_at=changed_at,
            changed_by=changed_by, effective_on=full_member_on if field == "membership" else None, reason=reason,
        ))
        setattr(member, field, changed[field])
    return records, MemberUpdated(
        member_id=member.id, organisation_id=member.organisation_id, changed_fields=[record.field for record in records],
        membership=member.membership, full_member_on=full_member_on if "membership" in changed else None,
    )
