"""Roles, the actions they allow, and which roles may be held together.

Every permission is a role granted on an organisation subtree (or on the whole
platform). The gateway checks here that some grant of the caller allows the
action (403 otherwise), then hands the service the subtrees of those grants as
the caller's scope, and the service checks the object itself (404 outside it).

Each service declares its permissions and what each role holds of them in its
contract module (``ROLE_PERMISSIONS``, ``PERMISSIONS``, ``REVEALS``); the
services are those of ``contracts.platform.SERVICES``, so a new service's
permissions join the roles by declaration. The gateway adds its own below.

Reviewing (审阅) is reading by the level above: a town administrator reads every
branch of the town but records nothing for them. Approving (审核) is its own
permission, held by town and county administrators, for the approval steps
(transfers and the like) that later issues add.
"""
import importlib

from contracts.access import PERSONAL_FIELDS
from contracts.platform import SERVICES

# ---- roles ---------------------------------------------------------------
COUNTY_ADMIN = "county_admin"            # 县级管理员
TOWN_ADMIN = "town_admin"                # 乡镇管理员
BRANCH_SECRETARY = "branch_secretary"    # 支部书记
LIAISON = "liaison"                      # 联络员
AUDITOR = "auditor"                      # 安全审计员
SECURITY_OFFICER = "security_officer"    # 安全保密管理员
SYSTEM_ADMIN = "system_admin"            # 系统管理员
SYSTEM_INTEGRATION = "system_integration"  # a county system, by API key, limited to the key's scopes
MEMBER = "member"                        # a member, for their own record only

ROLE_LABELS = {
    COUNTY_ADMIN: "县级管理员",
    TOWN_ADMIN: "乡镇管理员",
    BRANCH_SECRETARY: "支部书记",
    LIAISON: "联络员",
    AUDITOR: "安全审计员",
    SECURITY_OFFICER: "安全保密管理员",
    SYSTEM_ADMIN: "系统管理员",
    SYSTEM_INTEGRATION: "系统对接",
    MEMBER: "党员本人",
}

# ---- the gateway's own permissions -----------------------------------------
APPROVE = "approve"                      # 审核
AUDIT_READ = "audit:read"
ACCESS_MANAGE = "access:manage"          # grants, API keys, and approving them (安全保密管理员)
ACCOUNTS_MANAGE = "accounts:manage"      # creating, disabling and re-enabling users (系统管理员)
ACCOUNTS_READ = "accounts:read"          # seeing users: whoever creates them, and whoever grants them roles

GATEWAY_PERMISSIONS = (APPROVE, AUDIT_READ, ACCESS_MANAGE, ACCOUNTS_MANAGE, ACCOUNTS_READ)
GATEWAY_ROLE_PERMISSIONS = {
    COUNTY_ADMIN: frozenset({APPROVE}),
    TOWN_ADMIN: frozenset({APPROVE}),
    AUDITOR: frozenset({AUDIT_READ}),
    SECURITY_OFFICER: frozenset({ACCESS_MANAGE, ACCOUNTS_READ}),
    SYSTEM_ADMIN: frozenset({ACCOUNTS_MANAGE, ACCOUNTS_READ}),
}


class PolicyError(ValueError):
    """A contract declares a role or a permission the platform does not know."""


def service_contracts():
    """The contract module of every service in ``contracts.platform.SERVICES``."""
    return [importlib.import_module(spec.contract) for spec in SERVICES]


def _build(contracts):
    declared = {permission: "gateway" for permission in GATEWAY_PERMISSIONS}
    bundles = {role: set(GATEWAY_ROLE_PERMISSIONS.get(role, ())) for role in ROLE_LABELS}
    reveals = {}
    for contract in contracts:
        for permission in contract.PERMISSIONS:
            if permission in declared:
                raise PolicyError(f"{contract.__name__} declares {permission!r}, already declared by {declared[permission]}")
            declared[permission] = contract.__name__
        for role, permissions in contract.ROLE_PERMISSIONS.items():
            if role not in bundles:
                raise PolicyError(f"{contract.__name__} gives permissions to {role!r}, which is no role of the platform")
            unknown = set(permissions) - set(contract.PERMISSIONS)
            if unknown:
                raise PolicyError(f"{contract.__name__} bundles permissions it does not declare: {sorted(unknown)}")
            bundles[role] |= permissions
        for permission, fields in getattr(contract, "REVEALS", {}).items():
            if not set(fields) <= set(PERSONAL_FIELDS):
                raise PolicyError(f"{contract.__name__} reveals unknown personal fields {sorted(set(fields) - set(PERSONAL_FIELDS))}")
            reveals[permission] = tuple(fields)
    return frozenset(declared), {role: frozenset(p) for role, p in bundles.items()}, reveals


# Every permission any service or the gateway declares; the roles' bundles;
# the personal fields each permission shows in full.
DECLARED_PERMISSIONS, ROLE_PERMISSIONS, REVEALS = _build(service_contracts())

# 三员分立: system administration (accounts), security (grants and keys) and
# audit are held by three different people. The business roles are a fourth
# duty apart from all three: an administrator who also worked the roll could
# pass the people they administer (or audit) their own data, and the auditor
# would be auditing themselves. The member role is no duty: anyone may also be
# a member, and it reads only their own record.
SYSTEM_ADMINISTRATION, SECURITY, AUDIT, BUSINESS = "system administration", "security", "audit", "business"
DUTIES = {
    COUNTY_ADMIN: BUSINESS,
    TOWN_ADMIN: BUSINESS,
    BRANCH_SECRETARY: BUSINESS,
    LIAISON: BUSINESS,
    SYSTEM_ADMIN: SYSTEM_ADMINISTRATION,
    SECURITY_OFFICER: SECURITY,
    AUDITOR: AUDIT,
}

# Roles that administer people or the platform: granting one takes a second
# person's approval (see ``needs_approval``), whatever it reveals. The
# business administrators lead a county or town (审核, exports); the three
# 三员 roles change who may do what, or watch it.
ADMINISTRATIVE_ROLES = frozenset({COUNTY_ADMIN, TOWN_ADMIN, SYSTEM_ADMIN, SECURITY_OFFICER, AUDITOR})

USER_ROLES = frozenset(ROLE_PERMISSIONS) - {SYSTEM_INTEGRATION}
API_KEY_ROLES = frozenset({SYSTEM_INTEGRATION})


def keys_may_use(permission):
    """Whether an API key can ever carry ``permission``; the rest needs a person's token."""
    return permission in ROLE_PERMISSIONS[SYSTEM_INTEGRATION]


def duties_conflict(held_roles, new_role):
    """True when ``new_role`` would give one principal two of the three duties."""
    duty = DUTIES.get(new_role)
    return duty is not None and any(DUTIES.get(role) not in (None, duty) for role in held_roles)


def needs_approval(role, scopes=None):
    """True when a grant of ``role`` (for a key: limited to ``scopes``) takes effect only
    once a second person has approved it: an administrative role, or one that shows
    someone's personal data in full. The member role shows only the member's own
    record, which is theirs to see, so it needs none."""
    if role in ADMINISTRATIVE_ROLES:
        return True
    if role == MEMBER:
        return False
    permissions = ROLE_PERMISSIONS.get(role, frozenset())
    if scopes is not None:
        permissions = permissions & frozenset(scopes)
    return bool(revealed_fields(permissions))


def revealed_fields(permissions):
    """The personal fields a set of permissions shows in full, in ``PERSONAL_FIELDS`` order."""
    shown = {name for permission in permissions for name in REVEALS.get(permission, ())}
    return [name for name in PERSONAL_FIELDS if name in shown]
