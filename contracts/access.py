"""What a caller may see, as the gateway tells a service on every RPC.

The gateway authenticates the caller and decides which actions its roles allow
(403 otherwise); the service then checks the object itself against this scope
and answers ``not_found`` for anything outside it, so that a guessed id reveals
nothing about another branch's members.
"""
from marshmallow import RAISE, Schema, fields, validate

# Personal data that is encrypted at rest and masked unless the scope reveals it.
PERSONAL_FIELDS = ("id_number", "phone", "contact")


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


def unrestricted(principal, reveal=PERSONAL_FIELDS):
    """The scope of a trusted internal caller: everything, personal data revealed."""
    return {"organisation_ids": None, "member_id": None, "reveal": list(reveal), "principal": principal}


def _keep_ends(value, head=3, tail=4):
    if not value or len(value) <= head + tail:
        return "*" * len(value or "")
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id_number(value):
    """620***********123X: the province prefix and the last four stay readable."""
    return _keep_ends(value)


def mask_phone(value):
    """139****1234."""
    return _keep_ends(value)


def mask_contact(value):
    """A phone number is masked like one; anything else keeps its first and last character."""
    if not value:
        return value
    if value.isdigit() and len(value) > 7:
        return mask_phone(value)
    return value[0] + "*" * max(len(value) - 2, 1) + (value[-1] if len(value) > 1 else "")
