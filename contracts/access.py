"""What a caller may see, as the gateway tells a service on every RPC.

The gateway authenticates the caller and decides which actions its roles allow
(403 otherwise); the service then checks the object itself against this scope
and answers ``not_found`` for anything outside it, so that a guessed id reveals
nothing about another branch's members.
"""
from dataclasses import dataclass

from marshmallow import RAISE, Schema, fields, validate

# Personal data, masked in every answer unless the scope reveals it (each
# service's contract says which permission reveals which: contracts.roster
# REVEALS). All but birth_date are also encrypted at rest; a masked birth_date
# is null, and the member's birth_year is always there instead.
PERSONAL_FIELDS = ("id_number", "birth_date", "phone", "contact", "destination_address")

# A ServiceError's details may carry this key: what the gateway writes into the
# audit record of the refused request and never sends to the client (the
# hash-index value of a duplicate ID number, say). Nothing personal goes there.
AUDIT_ONLY_DETAILS = "audit_only"


class ScopeSchema(Schema):
    """Who is asking and how far they see.

    - ``organisation_ids``: the roots of the subtrees the caller may see;
      ``null`` means the whole platform (internal callers and the county-wide
      grant), ``[]`` means no organisation at all.
    - ``member_id``: the caller is this member and also sees their own record.
    - ``reveal``: the personal fields returned in full; all others are masked.
    - ``principal``: who the caller is (``user:<id>`` or ``key:<id>``), for the
      service's own history of who changed what.
    """

    class Meta:
        unknown = RAISE

    organisation_ids = fields.List(fields.UUID(), required=True, allow_none=True)
    member_id = fields.UUID(allow_none=True, load_default=None)
    reveal = fields.List(fields.Str(validate=validate.OneOf(PERSONAL_FIELDS)), load_default=list)
    principal = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    # The client's Idempotency-Key for a write, passed through by the gateway:
    # the service answers a repeat of (principal, key) with its first answer.
    idempotency_key = fields.Str(allow_none=True, load_default=None,
                                 validate=validate.Regexp(r"^[\x21-\x7e]{1,200}$"))


@dataclass(frozen=True)
class Scope:
    """A loaded :class:`ScopeSchema`: what the caller may see, as every service checks it.

    A caller sees everything when ``organisation_ids`` is None; an organisation
    when one of the segments of its path ('/root/.../own/') is a granted root
    (itself included); a member when their branch is visible, or when they are
    ``member_id`` (their own record: an organisation is never visible through
    ``member_id`` alone). Whatever a caller cannot see is treated exactly as if
    it did not exist.
    """

    organisation_ids: frozenset | None
    member_id: str | None = None
    reveal: frozenset = frozenset()
    principal: str | None = None
    idempotency_key: str | None = None

    @classmethod
    def of(cls, *, organisation_ids, member_id=None, reveal=(), principal=None, idempotency_key=None):
        return cls(
            organisation_ids=None if organisation_ids is None else frozenset(str(i) for i in organisation_ids),
            member_id=str(member_id) if member_id is not None else None,
            reveal=frozenset(reveal or ()),
            principal=principal,
            idempotency_key=idempotency_key,
        )

    @classmethod
    def everything(cls, principal=None):
        return cls.of(organisation_ids=None, reveal=PERSONAL_FIELDS, principal=principal)

    @property
    def unrestricted(self):
        return self.organisation_ids is None

    @property
    def may_create_root(self):
        """A new tree (an organisation with no parent) is the whole platform's business."""
        return self.unrestricted

    def sees_path(self, path):
        if self.organisation_ids is None:
            return True
        return any(segment in self.organisation_ids for segment in path.strip("/").split("/"))

    def sees_organisation(self, organisation):
        """``organisation``: anything with a ``path``."""
        return organisation is not None and self.sees_path(organisation.path)

    def is_self(self, member_id):
        return self.member_id is not None and self.member_id == str(member_id)

    def sees_member(self, member, organisation):
        """``organisation`` is the member's branch."""
        return self.unrestricted or self.is_self(member.id) or self.sees_organisation(organisation)

    def reveals(self, field):
        return field in self.reveal


def unrestricted(principal, reveal=PERSONAL_FIELDS):
    """The scope of a trusted internal caller: everything, personal data revealed."""
    return {"organisation_ids": None, "member_id": None, "reveal": list(reveal), "principal": principal}


def mask_id_number(value):
    """**************123X: only the last four characters stay readable.

    The region code is guessable from the branch and the birth date from the
    member's age, so showing either would leave a few candidates that a
    lookup by ID number could confirm.
    """
    if not value:
        return value
    shown = 4 if len(value) > 4 else 0
    return "*" * (len(value) - shown) + value[len(value) - shown:]


def mask_phone(value):
    """139****1234."""
    if not value or len(value) <= 7:
        return "*" * len(value or "")
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_text(value):
    """Free text (a WeChat id, an address): the first and last character, stars between."""
    if not value:
        return value
    return value[0] + "*" * max(len(value) - 2, 1) + (value[-1] if len(value) > 1 else "")


def mask_contact(value):
    """A phone number is masked like one; anything else like free text."""
    if value and value.isdigit() and len(value) > 7:
        return mask_phone(value)
    return mask_text(value)
