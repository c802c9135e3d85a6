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

# ---- the gateway's own permissions -----------------------------------------
APPROVE = "approve"                      # 审核
AUDIT_READ = "audit:read"
ACCESS_MANAGE = "access:manage"          # users, API keys, grants

GATEWAY_PERMISSIONS = (APPROVE, AUDIT_READ, ACCESS_MANAGE)
GATEWAY_ROLE_PERMISSIONS = {
    COUNTY_ADMIN: frozenset({APPROVE}),
    TOWN_ADMIN: frozenset({APPROVE}),
    AUDITOR: frozenset({AUDIT_READ}),
    SECURITY_OFFICER: frozenset({ACCESS_MANAGE}),
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
    """The personal fields a set of permissions shows in full, in ``PERSONAL_FIELDS`` order."""
    shown = {name for permission in permissions for name in REVEALS.get(permission, ())}
    return [name for name in PERSONAL_FIELDS if name in shown]
