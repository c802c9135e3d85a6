"""The organisation tree (组织体系) and what may hang under what."""
from contracts.errors import ErrorCode, RuleViolation
from services.roster.domain.events import OrganisationCreated, OrganisationUpdated

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

    def __init__(self, *, id, name, kind, parent=None, location=None, created_at, created_by=None, details=None,
                 existing_online_branch=None, grandparent_kind=None):
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
        # issue 8: the details of its kind (see below), the village it is the online branch of, its revision.
        if kind == VILLAGE_ONLINE_BRANCH:
            check_one_online_branch(parent, grandparent_kind, existing_online_branch)
        self.online_branch_of = parent.id if kind == VILLAGE_ONLINE_BRANCH else None
        self.revision = 1
        for name_ in DETAIL_FIELDS:
            setattr(self, name_, None)
        for name_, value in validate_details(kind, dict(details or {}), creating=True).items():
            setattr(self, name_, value)

    @property
    def holds_members(self):
        return self.kind in BRANCH_KINDS

    @property
    def ancestry(self):
        """The ids from the root down to this organisation."""
        return self.path.strip("/").split("/")

    def created(self):
        # Its current revision: 1 when it is created; the tree page (another service's catch-up) gives the latest.
        return OrganisationCreated(organisation_id=self.id, parent_id=self.parent_id, path=self.ancestry,
                                   name=self.name, kind=self.kind, revision=self.revision or 1)

    @property
    def details(self):
        return {name: getattr(self, name, None) for name in DETAIL_FIELDS}

    def update(self, details, *, change_id, at, by=None, reason=None):
        """Change some of the details (a field given as None clears it, one left out stays).

        Answers ``(change, event)``, the history record and ``organisation_updated`` at the next
        revision, or ``(None, None)`` when nothing changes (no revision is spent on it)."""
        validated = validate_details(self.kind, {**self.details, **dict(details)}, creating=False)
        changes = {
            name: {"from": _plain(getattr(self, name, None)), "to": _plain(validated[name])}
            for name in DETAIL_FIELDS if validated[name] != getattr(self, name, None)
        }
        if not changes:
            return None, None
        for name in changes:
            setattr(self, name, validated[name])
        self.revision = (self.revision or 1) + 1
        change = OrganisationChange(id=change_id, organisation_id=self.id, revision=self.revision, changes=changes,
                                    reason=reason, changed_at=at, changed_by=by)
        event = OrganisationUpdated(organisation_id=self.id, parent_id=self.parent_id, path=self.ancestry,
                                    name=self.name, kind=self.kind, revision=self.revision,
                                    changed=sorted(changes))
        return change, event


# ---- issue 8: organisation details ----
# Each kind has its own details, validated here (the contract checks their shape):
# - a destination mobile branch (异地流动党员党支部): its host, a community or a company, and a budget
#   in whole yuan (≥ 0), with the year it is for;
# - an urban mobile branch, the management service station and its service points: a secretary, a
#   deputy secretary and a liaison (names; a member_id when the person is on the roll);
# - every branch kind: the fixed activity day (固定活动日), a day of the month from 1 to 28 (so that
#   every month has it). Urban mobile branches meet on the 6th: the county's rule (DOMAIN.md 4.2),
#   not a branch's choice, so theirs is 6 by default and any other day is refused.
# A field that is not for the kind is refused by name (never silently dropped).
HOST_KINDS = ("community", "company")
FIRST_ACTIVITY_DAY, LAST_ACTIVITY_DAY = 1, 28
URBAN_ACTIVITY_DAY = 6
OFFICERS = ("secretary", "deputy_secretary", "liaison")
OFFICER_KINDS = frozenset({URBAN_MOBILE_BRANCH, SERVICE_STATION, SERVICE_POINT})
HOST_FIELDS = ("host_name", "host_kind", "budget_yuan", "budget_year")
OFFICER_FIELDS = tuple(f"{officer}_{part}" for officer in OFFICERS for part in ("name", "member_id"))
DETAIL_FIELDS = (*HOST_FIELDS, *OFFICER_FIELDS, "activity_day")


def fields_for(kind):
    """The detail fields an organisation of ``kind`` may have."""
    allowed = set()
    if kind == DESTINATION_MOBILE_BRANCH:
        allowed.update(HOST_FIELDS)
    if kind in OFFICER_KINDS:
        allowed.update(OFFICER_FIELDS)
    if kind in BRANCH_KINDS:
        allowed.add("activity_day")
    return allowed


def _plain(value):
    return value if value is None or isinstance(value, (int, str)) else str(value)


def validate_details(kind, details, creating):
    """Every detail field of ``kind``'s organisation, checked (None where not given).

    Raises ``RuleViolation`` ``invalid_organisation_details`` naming each field at fault."""
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not organisation details: {sorted(unknown)}")
    errors = {}
    allowed = fields_for(kind)
    for name, value in details.items():
        if value is not None and name not in allowed:
            errors[name] = [f"not a detail of a {kind}"]
    values = {name: details.get(name) for name in DETAIL_FIELDS}
    if kind == URBAN_MOBILE_BRANCH and values["activity_day"] is None and creating:
        values["activity_day"] = URBAN_ACTIVITY_DAY
    day = values["activity_day"]
    if day is not None and "activity_day" not in errors:
        if isinstance(day, bool) or not isinstance(day, int) or not FIRST_ACTIVITY_DAY <= day <= LAST_ACTIVITY_DAY:
            errors["activity_day"] = [f"a day of the month from {FIRST_ACTIVITY_DAY} to {LAST_ACTIVITY_DAY}"]
        elif kind == URBAN_MOBILE_BRANCH and day != URBAN_ACTIVITY_DAY:
            errors["activity_day"] = [f"urban mobile branches meet on the {URBAN_ACTIVITY_DAY}th of the month"]
    if kind == URBAN_MOBILE_BRANCH and day is None and not errors.get("activity_day"):
        errors["activity_day"] = [f"urban mobile branches meet on the {URBAN_ACTIVITY_DAY}th: it cannot be cleared"]
    if values["host_kind"] is not None and values["host_kind"] not in HOST_KINDS:
        errors.setdefault("host_kind", []).append(f"one of {', '.join(HOST_KINDS)}")
    if (values["host_name"] is None) != (values["host_kind"] is None):
        errors.setdefault("host_kind" if values["host_kind"] is None else "host_name", []).append(
            "a host has a name and a kind")
    budget = values["budget_yuan"]
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int) or budget < 0):
        errors.setdefault("budget_yuan", []).append("whole yuan, 0 or more")
    if values["budget_year"] is not None and budget is None:
        errors.setdefault("budget_year", []).append("a budget year needs a budget")
    for officer in OFFICERS:
        if values[f"{officer}_member_id"] is not None and values[f"{officer}_name"] is None:
            errors.setdefault(f"{officer}_name", []).append("required with a member_id")
    if errors:
        raise RuleViolation(ErrorCode.INVALID_ORGANISATION_DETAILS, "details not valid for this kind of organisation",
                            errors)
    return values


def check_one_online_branch(parent, grandparent_kind, existing_online_branch):
    """One online branch (网络党支部) per village. The village is the organisation the online branch
    hangs under: the village's branch (村党支部), or its general branch (村党总支) when the village has
    one, or a village party committee (村党委). So a branch inside a general branch holds none (the
    general branch holds the village's), and a parent that holds one already holds no second."""
    if parent.kind == BRANCH and grandparent_kind == GENERAL_BRANCH:
        raise RuleViolation(
            ErrorCode.INVALID_PARENT, "a village with a general branch has its online branch under the general branch",
            {"parent_id": ["a branch of a general branch: place the online branch under the general branch"]})
    if existing_online_branch is not None:
        raise RuleViolation(
            ErrorCode.ONLINE_BRANCH_EXISTS, "this village has its online branch already",
            {"parent_id": [f"already holds the online branch {existing_online_branch.id}"]})


class OrganisationChange:
    """One change of an organisation's details: append-only history (who, when, what, why)."""

    def __init__(self, *, id, organisation_id, revision, changes, reason, changed_at, changed_by=None):
        self.id = id
        self.organisation_id = organisation_id
        self.revision = revision
        self.changes = changes  # {field: {"from": old, "to": new}}
        self.reason = reason
        self.changed_at = changed_at
        self.changed_by = changed_by
