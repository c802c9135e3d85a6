"""Who is calling, what their grants allow, and the scope a service is handed.

Pure functions of the caller and ``policy``: no Flask, no database.
"""
from dataclasses import dataclass

from contracts.access import PERSONAL_FIELDS
from gateway.access import policy

USER = "user"
KEY = "key"


@dataclass(frozen=True)
class Grant:
    id: str
    role: str
    organisation_id: str | None  # None: the whole platform


@dataclass(frozen=True)
class Principal:
    """An authenticated caller with its active grants.

    ``key_scopes`` is the key's permission list (API keys only); a key's grants
    allow no more than those.
    """

    kind: str  # USER or KEY
    id: str
    name: str  # username, or the key's name
    grants: tuple = ()
    member_id: str | None = None
    key_scopes: frozenset | None = None

    @property
    def principal(self):
        return f"{self.kind}:{self.id}"

    def permissions_of(self, grant):
        """What one grant allows this principal; a role that does not fit the
        principal's kind (or a member grant without a member) allows nothing."""
        if grant.role not in (policy.USER_ROLES if self.kind == USER else policy.API_KEY_ROLES):
            return frozenset()
        if grant.role == policy.MEMBER and not self.member_id:
            return frozenset()
        permissions = policy.ROLE_PERMISSIONS.get(grant.role, frozenset())
        if self.kind == KEY:
            permissions = permissions & (self.key_scopes or frozenset())
        return permissions

    def permissions(self):
        return frozenset().union(*(self.permissions_of(grant) for grant in self.grants))

    def grants_allowing(self, permission):
        return [grant for grant in self.grants if permission in self.permissions_of(grant)]

    def allows(self, permission):
        return bool(self.grants_allowing(permission))

    def scope_for(self, permission):
        """The ``contracts.access.ScopeSchema`` dict for a call made under ``permission``.

        - ``organisation_ids``: the organisations of the grants that allow it;
          ``None`` when one of them is platform-wide; member grants add none.
        - ``member_id``: the user's member, when a member grant allows it.
        - ``reveal``: what the least revealing of those grants reveals, so that
          a second, weaker grant never widens what a stronger one shows.
        """
        grants = self.grants_allowing(permission)
        if not grants:
            raise PermissionError(permission)
        organisation_grants = [grant for grant in grants if grant.role != policy.MEMBER]
        if any(grant.organisation_id is None for grant in organisation_grants):
            organisation_ids = None
        else:
            organisation_ids = sorted({grant.organisation_id for grant in organisation_grants})
        member_id = self.member_id if any(grant.role == policy.MEMBER for grant in grants) else None
        revealed = set(PERSONAL_FIELDS)
        for grant in grants:
            revealed &= set(policy.revealed_fields(self.permissions_of(grant)))
        return {
            "organisation_ids": organisation_ids,
            "member_id": member_id,
            "reveal": [name for name in PERSONAL_FIELDS if name in revealed],
            "principal": self.principal,
        }

    def roles(self):
        return {grant.role for grant in self.grants}


def parse_principal(value):
    """``("user", id)`` or ``("key", id)`` from ``user:<id>`` / ``key:<id>``; None otherwise."""
    kind, _, identifier = (value or "").partition(":")
    if kind in (USER, KEY) and identifier:
        return kind, identifier
    return None
