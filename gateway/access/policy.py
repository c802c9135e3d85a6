"""Roles, the actions they allow, and which roles may be held together.

Every permission is a role granted on an organisation subtree (or on the whole
platform). The gateway checks here that some grant of the caller allows the
action (403 otherwise), then hands the service the subtrees of those grants as
the caller's scope, and the service checks the object itself (404 outside it).

Reviewing (审阅) is reading by the level above: a town administrator reads every
branch of the town but records nothing for them. Approving (审核) is its own
permission, held by town and county administrators, for the approval steps
(transfers and the like) that later issues add.
"""
from contracts.access import PERSONAL_FIELDS

# ---- actions -------------------------------------------------------------
ORGANISATIONS_READ = "organisations:read"
ORGANISATIONS_WRITE = "organisations:write"
MEMBERS_READ = "members:read"
MEMBERS_WRITE = "members:write"
MOVEMENTS_WRITE = "movements:write"      # departure reports and returns
MEMBERS_EXPORT = "members:export"
PERSONAL_DATA_READ = "personal_data:read"  # ID number, phone and contact in full
PHONE_READ = "phone:read"                # phone and contact in full, ID number masked
APPROVE = "approve"                      # 审核
AUDIT_READ = "audit:read"
ACCESS_MANAGE = "access:manage"          # users, API keys, grants

PERMISSIONS = (
    ORGANISATIONS_READ, ORGANISATIONS_WRITE, MEMBERS_READ, MEMBERS_WRITE, MOVEMENTS_WRITE,
    MEMBERS_EXPORT, PERSONAL_DATA_READ, PHONE_READ, APPROVE, AUDIT_READ, ACCESS_MANAGE,
)

# ---- roles ---------------------------------------------------------------
COUNTY_ADMIN = "county_admin"            # 县级管理员
TOWN_ADMIN = "town_admin"                # 乡镇管理员
BRANCH_SECRETARY = "branch_secretary"    # 支部书记
LIAISON = "liaison"                      # 联络员
AUDITOR = "auditor"                      # 安全审计员
SECURITY_OFFICER = "security_officer"    # 安全保密管理员
SYSTEM_INTEGRATION = "system_integration"  # a county system, by API key, limited to the key's scopes
MEMBER = "member"                        # a member, for their own record only

ROLE_LABELS = {
    COUNTY_ADMIN: "县级管理员",
    TOWN_ADMIN: "乡镇管理员",
    BRANCH_SECRETARY: "支部书记",
    LIAISON: "联络员",
    AUDITOR: "安全审计员",
    SECURITY_OFFICER: "安全保密管理员",
    SYSTEM_INTEGRATION: "系统对接",
    MEMBER: "党员本人",
}

ROLE_PERMISSIONS = {
    COUNTY_ADMIN: frozenset({
        ORGANISATIONS_READ, ORGANISATIONS_WRITE, MEMBERS_READ, MEMBERS_WRITE, MOVEMENTS_WRITE,
        MEMBERS_EXPORT, PERSONAL_DATA_READ, APPROVE,
    }),
    TOWN_ADMIN: frozenset({ORGANISATIONS_READ, ORGANISATIONS_WRITE, MEMBERS_READ, MEMBERS_EXPORT, PHONE_READ, APPROVE}),
    BRANCH_SECRETARY: frozenset({ORGANISATIONS_READ, MEMBERS_READ, MEMBERS_WRITE, MOVEMENTS_WRITE, PERSONAL_DATA_READ}),
    LIAISON: frozenset({ORGANISATIONS_READ, MEMBERS_READ, MOVEMENTS_WRITE, PHONE_READ}),
    AUDITOR: frozenset({AUDIT_READ}),
    SECURITY_OFFICER: frozenset({ACCESS_MANAGE, ORGANISATIONS_READ}),
    # The key's own scopes decide; these are the most a key may be given.
    SYSTEM_INTEGRATION: frozenset({
        ORGANISATIONS_READ, ORGANISATIONS_WRITE, MEMBERS_READ, MEMBERS_WRITE, MOVEMENTS_WRITE,
        MEMBERS_EXPORT, PERSONAL_DATA_READ, PHONE_READ,
    }),
    # Only ever over the member's own record (scope member_id, no organisations).
    MEMBER: frozenset({MEMBERS_READ, MOVEMENTS_WRITE, PERSONAL_DATA_READ}),
}

# 三员分立: administration, security and audit are held by different people.
DUTIES = {
    COUNTY_ADMIN: "administration",
    TOWN_ADMIN: "administration",
    BRANCH_SECRETARY: "administration",
    LIAISON: "administration",
    SECURITY_OFFICER: "security",
    AUDITOR: "audit",
}

USER_ROLES = frozenset(ROLE_PERMISSIONS) - {SYSTEM_INTEGRATION}
API_KEY_ROLES = frozenset({SYSTEM_INTEGRATION})


def keys_may_use(permission):
    """Whether an API key can ever carry ``permission``; the rest needs a person's token."""
    return permission in ROLE_PERMISSIONS[SYSTEM_INTEGRATION]


def duties_conflict(held_roles, new_role):
    """True when ``new_role`` would give one principal two of the three duties."""
    duty = DUTIES.get(new_role)
    return duty is not None and any(DUTIES.get(role) not in (None, duty) for role in held_roles)


def revealed_fields(permissions):
    """The personal fields a set of permissions shows in full."""
    if PERSONAL_DATA_READ in permissions:
        return list(PERSONAL_FIELDS)
    if PHONE_READ in permissions:
        return ["phone", "contact"]
    return []
