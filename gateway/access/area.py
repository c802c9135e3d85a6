"""The organisation subtrees a security officer manages, and what that lets them change.

A security officer manages access only within the subtrees of their own
``security_officer`` grants: a grant (or a key's grant) on an organisation
outside them is ``unknown_reference``, a platform-wide one needs a
platform-wide officer, and a user or key can be changed only when every one of
its active grants lies within them. Whether an organisation lies within a
subtree is roster's answer (asked with the officer's scope), since roster owns
the tree. No Flask here: ``ask`` is the RPC to roster.
"""
from contracts.errors import ErrorCode, ServiceError
from gateway.access import policy, store
from gateway.access.authorisation import USER

NOT_YOURS = "you cannot change your own access; another security officer must"
_ABSENT = (ErrorCode.ORGANISATION_NOT_FOUND, ErrorCode.MEMBER_NOT_FOUND, ErrorCode.NOT_FOUND)


def not_found(kind, identifier):
    return ServiceError(ErrorCode.NOT_FOUND, f"there is no {kind} {identifier} among those you manage")


def not_yours():
    return ServiceError(ErrorCode.FORBIDDEN, NOT_YOURS)


class ManagedArea:
    """``principal``'s subtrees for ``permission`` (``access:manage`` for a security officer,
    ``accounts:*`` for a system administrator); ``ask(method, *args)`` calls roster with the caller's scope."""

    def __init__(self, principal, ask, permission=policy.ACCESS_MANAGE):
        grants = principal.grants_allowing(permission)
        self.actor = principal.principal
        self.platform = any(grant.organisation_id is None for grant in grants)
        self.roots = sorted({grant.organisation_id for grant in grants if grant.organisation_id})
        self._ask = ask
        self._ids = None

    def covers(self, organisation_id):
        """True when ``organisation_id`` (None: the whole platform) lies within these subtrees."""
        if self.platform:
            return True
        if organisation_id is None:
            return False
        if self._ids is not None:
            return str(organisation_id) in self._ids
        try:
            self._ask("get_organisation", str(organisation_id))
        except ServiceError as exc:
            if exc.code in _ABSENT:
                return False
            raise
        return True

    def organisation_ids(self):
        """Every organisation within these subtrees (None: the whole platform)."""
        if self.platform:
            return None
        if self._ids is None:
            ids = set()
            for root in self.roots:
                try:
                    tree = self._ask("get_organisation_subtree", root)
                except ServiceError as exc:
                    if exc.code in _ABSENT:
                        continue  # a grant on an organisation roster does not know: nothing under it
                    raise
                stack = [tree]
                while stack:
                    node = stack.pop()
                    ids.add(str(node["id"]))
                    stack.extend(node.get("children") or [])
            self._ids = ids
        return self._ids

    def member_branch(self, member_id):
        """The home branch of a member within these subtrees; unknown_reference otherwise."""
        try:
            member = self._ask("get_member", str(member_id))
        except ServiceError as exc:
            if exc.code in _ABSENT:
                raise ServiceError(
                    ErrorCode.UNKNOWN_REFERENCE, "the user's member_id names no member within your organisations",
                    {"member_id": str(member_id)},
                ) from None
            raise
        return str(member["organisation_id"])

    def require_organisation(self, organisation_id, field="organisation_id"):
        """Refuse a grant on an organisation (None: the whole platform) these subtrees do not cover."""
        if organisation_id is None:
            if not self.platform:
                raise ServiceError(
                    ErrorCode.FORBIDDEN, "only a platform-wide security officer grants platform-wide access", {"field": field},
                )
            return
        if not self.covers(organisation_id):
            raise ServiceError(
                ErrorCode.UNKNOWN_REFERENCE, "the organisation is not one you manage", {field: str(organisation_id)},
            )

    def may_change(self, conn, kind, principal_id):
        """Every live grant (approved or pending) of the principal lies within these subtrees."""
        if self.platform:
            return True
        return all(
            grant["organisation_id"] is not None and self.covers(grant["organisation_id"])
            for grant in store.live_grants(conn, kind, principal_id)
        )

    def visible(self, conn, kind):
        """Ids of the users (or keys) this officer may see; None: all of them."""
        ids = self.organisation_ids()
        if ids is None:
            return None
        users, keys = store.principals_with_grants_on(conn, ids)
        return (users if kind == USER else keys) | store.principals_without_grants(conn, kind)

    def grant_within(self, conn, grant_id):
        """The grant, when it lies within these subtrees; ``not_found`` otherwise."""
        grant = store.get_grant(conn, str(grant_id))
        if grant is None or not (
            self.platform or (grant["organisation_id"] is not None and self.covers(grant["organisation_id"]))
        ):
            raise not_found("grant", grant_id)
        return grant

    def revocable_grant(self, conn, grant_id):
        """The grant to revoke: ``not_found`` outside these subtrees, ``forbidden`` for the officer's own."""
        grant = self.grant_within(conn, grant_id)
        if store.principal_of(grant) == self.actor:
            raise not_yours()
        return grant

