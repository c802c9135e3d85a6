"""The rules of changing access, shared by the HTTP API and the command line.

Each function works inside the caller's transaction and raises a
``ServiceError`` (a 4xx) when the change is refused. What these functions do
not know is *who* may make the change over which subtree; the HTTP layer
(``gateway.api.access``) checks that against the security officer's grants, and
the command line is trusted (it runs with the database's credentials).
"""
from limits import parse_many

from contracts.errors import ErrorCode, ServiceError
from gateway.access import credentials, policy, store
from gateway.access.authorisation import KEY, USER


def invalid(location_field, message):
    """422 validation_failed naming one body field, in the gateway's usual shape."""
    return ServiceError(ErrorCode.VALIDATION_FAILED, message, {"json": {location_field: [message]}})


# ---- users --------------------------------------------------------------------

def create_user(conn, *, username, display_name, password, member_id, actor):
    """(user row, the generated password or None when one was given)."""
    if store.get_user_by_username(conn, username) is not None:
        raise invalid("username", f"the username {username} is taken")
    if member_id is not None and store.get_user_by_member(conn, member_id) is not None:
        raise invalid("member_id", "another user already is this member")
    generated = None
    if password is None:
        password = generated = credentials.generate_password()
    user = store.insert_user(
        conn, username=username, display_name=display_name, password_hash=credentials.hash_password(password),
        member_id=None if member_id is None else str(member_id), actor=actor,
    )
    return user, generated


# ---- API keys -------------------------------------------------------------------

def rate_limit_problem(value):
    """Why ``value`` is not a rate limit in flask-limiter's notation ("1200/minute",
    "20/second;1200/minute"), or None when it is one."""
    try:
        limits = parse_many(value)
    except ValueError:
        limits = []
    if not limits or any(limit.amount < 1 for limit in limits):
        return "a rate limit such as '1200/minute' or '20/second;1200/minute'"
    return None


def create_api_key(conn, *, name, owner, scopes, actor, rate_limit=None):
    """(key row, the whole key to show once). ``rate_limit``: the key's own; None: the platform's."""
    allowed = policy.ROLE_PERMISSIONS[policy.SYSTEM_INTEGRATION]
    unknown = sorted(set(scopes) - allowed)
    if unknown:
        raise invalid("scopes", f"not permissions an API key may hold: {', '.join(unknown)}; choose from {', '.join(sorted(allowed))}")
    if rate_limit is not None and rate_limit_problem(rate_limit):
        raise invalid("rate_limit", rate_limit_problem(rate_limit))
    key_id, plaintext, secret_hash = credentials.generate_api_key()
    key = store.insert_api_key(
        conn, key_id=key_id, name=name, owner=owner, secret_hash=secret_hash, scopes=sorted(set(scopes)), actor=actor,
        rate_limit=rate_limit,
    )
    return key, plaintext


# ---- grants ---------------------------------------------------------------------

def principal_row(conn, kind, principal_id):
    if kind == USER:
        return store.get_user(conn, principal_id)
    return store.get_api_key(conn, principal_id)


def check_grant(conn, *, kind, principal_id, role, organisation_id):
    """Refuse a grant that breaks a rule; answers the principal's row.

    - the principal exists and is usable (an active user, a key not revoked);
    - the role fits the principal (``policy.USER_ROLES`` / ``API_KEY_ROLES``);
    - the member role needs a user who is a member;
    - the auditor's role is platform-wide: audit records belong to no subtree;
    - 三员分立: no principal holds two of administration, security and audit (409).
    """
    row = principal_row(conn, kind, principal_id)
    if row is None:
        raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, f"there is no {kind} {principal_id}", {"principal": f"{kind}:{principal_id}"})
    if kind == USER and not row["active"]:
        raise invalid("principal", "the user is disabled")
    if kind == KEY and row["revoked_at"] is not None:
        raise invalid("principal", "the API key is revoked")
    allowed = policy.USER_ROLES if kind == USER else policy.API_KEY_ROLES
    if role not in allowed:
        raise invalid("role", f"a {'user' if kind == USER else 'API key'} cannot hold the role {role}; "
                              f"roles for it: {', '.join(sorted(allowed))}")
    if role == policy.MEMBER and not row.get("member_id"):
        raise invalid("role", "the member role needs a user with a member_id")
    if role == policy.AUDITOR and organisation_id is not None:
        raise invalid("organisation_id", "the auditor's role is platform-wide: audit records belong to no organisation")
    held = [grant["role"] for grant in store.active_grants(conn, kind, principal_id)]
    if policy.duties_conflict(held, role):
        duties = sorted({policy.DUTIES[r] for r in held if r in policy.DUTIES} | {policy.DUTIES[role]})
        raise ServiceError(
            ErrorCode.SEPARATION_OF_DUTIES,
            f"one person may not hold both {' and '.join(duties)} roles (三员分立)",
            {"held_roles": sorted(set(held)), "role": role},
        )
    return row


def existing_grant(conn, *, kind, principal_id, role, organisation_id):
    for grant in store.active_grants(conn, kind, principal_id):
        if grant["role"] == role and grant["organisation_id"] == (None if organisation_id is None else str(organisation_id)):
            return grant
    return None


def create_grant(conn, *, kind, principal_id, role, organisation_id, actor):
    """(grant row, created): an identical active grant is answered rather than doubled."""
    check_grant(conn, kind=kind, principal_id=principal_id, role=role, organisation_id=organisation_id)
    same = existing_grant(conn, kind=kind, principal_id=principal_id, role=role, organisation_id=organisation_id)
    if same is not None:
        return same, False
    return store.insert_grant(
        conn, kind=kind, principal_id=principal_id, role=role, organisation_id=organisation_id, actor=actor,
    ), True


def grant_view(grant):
    """A grant row as ``GrantSchema`` dumps it."""
    return {**grant, "principal": store.principal_of(grant)}
