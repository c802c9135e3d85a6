"""The organisation tree (组织体系) and what may hang under what."""
from contracts.errors import ErrorCode, RuleViolation
from services.roster.domain.events import OrganisationCreated

PARTY_COMMITTEE = "party_committee"
GENERAL_BRANCH = "general_branch"
BRANCH = "branch"
DESTINATION_MOBILE_BRANCH = "destination_mobile_branch"
URBAN_MOBILE_BRANCH = "urban_mobile_branch"
VILLAGE_ONLINE_BRANCH = "village_online_branch"
SERVICE_STATION = "service_station"
SERVICE_POINT = "service_point"
RED_STATION = "red_station"

# Branches hold members; the rest organise, host or serve them.
BRANCH_KINDS = frozenset({BRANCH, DESTINATION_MOBILE_BRANCH, URBAN_MOBILE_BRANCH, VILLAGE_ONLINE_BRANCH})

# A county committee holds town committees and everything the county sets up
# itself; a village branch runs its own online branch (网络党支部); the county's
# management service station runs the service points.
ALLOWED_CHILDREN = {
    PARTY_COMMITTEE: frozenset({
        PARTY_COMMITTEE, GENERAL_BRANCH, BRANCH, DESTINATION_MOBILE_BRANCH, URBAN_MOBILE_BRANCH,
        VILLAGE_ONLINE_BRANCH, SERVICE_STATION, SERVICE_POINT, RED_STATION,
    }),
    GENERAL_BRANCH: frozenset({BRANCH, VILLAGE_ONLINE_BRANCH}),
    BRANCH: frozenset({VILLAGE_ONLINE_BRANCH}),
    SERVICE_STATION: frozenset({SERVICE_POINT}),
}
ROOT_KINDS = frozenset({PARTY_COMMITTEE})


class Organisation:
    """A node of the tree. ``path`` lists the ids from the root down to this
    node, so a subtree is everything whose path starts with this one."""

    def __init__(self, *, id, name, kind, parent=None, location=None, created_at, created_by=None):
        if parent is None and kind not in ROOT_KINDS:
            raise RuleViolation(
                ErrorCode.INVALID_PARENT, f"a {kind} must have a parent organisation", {"parent_id": ["required for this kind"]}
            )
        if parent is not None and kind not in ALLOWED_CHILDREN.get(parent.kind, ()):
            raise RuleViolation(
                ErrorCode.INVALID_PARENT,
                f"a {kind} cannot be placed under a {parent.kind}",
                {"parent_id": [f"a {parent.kind} cannot hold a {kind}"]},
            )
        self.id = id
        self.name = name
        self.kind = kind
        self.parent_id = parent.id if parent else None
        self.path = f"{parent.path if parent else '/'}{id}/"
        self.depth = parent.depth + 1 if parent else 0
        self.location = location
        self.created_at = created_at
        self.created_by = created_by  # who: the caller's principal (user:<id> or key:<id>)

    @property
    def holds_members(self):
        return self.kind in BRANCH_KINDS

    @property
    def ancestry(self):
        """The ids from the root down to this organisation."""
        return self.path.strip("/").split("/")

    def created(self):
        # No operation changes an organisation yet, so every one is at revision 1.
        return OrganisationCreated(organisation_id=self.id, parent_id=self.parent_id, path=self.ancestry,
                                   name=self.name, kind=self.kind, revision=1)
