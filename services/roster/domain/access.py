"""Who may see which organisations and members (object-level checks).

The gateway decides which *actions* a caller's roles allow; the roster decides
whether the caller may see the *object*, from the scope the gateway sends with
every call (``contracts.access.ScopeSchema``). A caller sees:

- everything, when ``organisation_ids`` is None (the whole platform);
- an organisation, when it lies in the subtree of one of ``organisation_ids``
  (itself included); a member, when their branch does;
- the member ``member_id`` (their own record); an organisation is never
  visible through ``member_id`` alone.

Whatever a caller cannot see is treated exactly as if it did not exist.
"""
from dataclasses import dataclass

PERSONAL_FIELDS = ("id_number", "phone", "contact")


@dataclass(frozen=True)
class Visibility:
    organisation_ids: frozenset | None
    member_id: str | None = None
    reveal: frozenset = frozenset()
    principal: str | None = None

    @classmethod
    def of(cls, *, organisation_ids, member_id=None, reveal=(), principal=None):
        return cls(
            organisation_ids=None if organisation_ids is None else frozenset(str(i) for i in organisation_ids),
            member_id=str(member_id) if member_id is not None else None,
            reveal=frozenset(reveal or ()),
            principal=principal,
        )

    @classmethod
    def everything(cls, principal=None):
        return cls.of(organisation_ids=None, reveal=PERSONAL_FIELDS, principal=principal)

    @property
    def unrestricted(self):
        return self.organisation_ids is None

    @property
    def sees_no_organisation(self):
        return self.organisation_ids is not None and not self.organisation_ids

    @property
    def may_create_root(self):
        """A new tree (an organisation with no parent) is the whole platform's business."""
        return self.unrestricted

    def sees_path(self, path):
        """Whether the organisation at ``path`` ('/root/.../own/') lies in a
        visible subtree: one of its path segments is a granted root."""
        if self.organisation_ids is None:
            return True
        segments = path.strip("/").split("/")
        return any(segment in self.organisation_ids for segment in segments)

    def sees_organisation(self, organisation):
        return self.sees_path(organisation.path)

    def is_self(self, member_id):
        return self.member_id is not None and self.member_id == str(member_id)

    def sees_member(self, member, organisation):
        """``organisation`` is the member's branch."""
        return self.unrestricted or self.is_self(member.id) or self.sees_organisation(organisation)

    def reveals(self, field):
        return field in self.reveal
