"""The rules of changing access, shared by the HTTP API and the command line.

Each function works inside the caller's transaction and raises a
``ServiceError`` (a 4xx) when the change is refused. What these functions do
not know is *who* may make the change over which subtree; the HTTP layer
(``gateway.api.access``) checks that against the security officer's grants, and
the command line is trusted (it runs with the database's credentials).
"""
import base64
import hmac
import secrets
from datetime import timedelta

from limits import parse_many

from contracts.errors import ErrorCode, ServiceError
from gateway.access import credentials, policy, store
from gateway.access.authorisation import KEY, USER

# How long a new account's activation code works: long enough to reach its
# owner by hand or by phone over a weekend, short enough not to lie about.
ACTIVATION_TTL = timedelta(hours=72)
ACTIVATION_CODE_BYTES = 20  # 160 bits: 32 base32 characters, read out in groups of four


def invalid(location_field, message):
    """422 validation_failed naming one body field, in the gateway's usual shape."""
    return ServiceError(ErrorCode.VALIDATION_FAILED, message, {"json": {location_field: [message]}})


# ---- users --------------------------------------------------------------------

def create_user(conn, *, username, display_name, member_id, actor, password=None):
    """(user row, its activation: ``{"activation_code", "activation_expires_at"}``), for the creator
    to hand the code to the owner.

    The account cannot sign in until its owner sets a password with the code
    (:func:`activate`); its creator never learns that password. ``password``
    is for the trusted side only (tests making users straight in the
    database): the user is then activated with it, and no code is made.
    """
    if store.get_user_by_username(conn, username) is not None:
        raise invalid("username", f"the username {username} is taken")
    if member_id is not None and store.get_user_by_member(conn, member_id) is not None:
        raise invalid("member_id", "another user already is this member")
    activated = password is not None
    # Until activation, the hash is of a secret nobody was ever shown.
    user = store.insert_user(
        conn, username=username, display_name=display_name,
        password_hash=credentials.hash_password(password if activated else secrets.token_urlsafe(32)),
        member_id=None if member_id is None else str(member_id), actor=actor, activated=activated,
    )
    return user, None if activated else issue_activation(conn, user, actor)


def issue_activation(conn, user, actor):
    """A new one-time activation code for a user not yet activated (an older code stops working):
    ``{"activation_code", "activation_expires_at"}``."""
    if user["activated_at"] is not None:
        raise ServiceError(ErrorCode.NOT_PENDING, "the user is activated already: they sign in with their own password")
    raw = base64.b32encode(secrets.token_bytes(ACTIVATION_CODE_BYTES)).decode()
    activation = store.insert_activation(
        conn, user_id=user["id"], code_hash=credentials.digest(_normal_code(raw)),
        expires_at=store.now() + ACTIVATION_TTL, actor=actor,
    )
    return {
        "activation_code": "-".join(raw[i:i + 4] for i in range(0, len(raw), 4)),
        "activation_expires_at": activation["expires_at"],
    }


def _normal_code(code):
    """Codes are read out and typed: case, spaces and dashes do not count."""
    return "".join(code.split()).replace("-", "").upper()


class ActivationRefused(Exception):
    """``reason`` (for the audit only): unknown_user, disabled, no_code (none open: used, expired
    or never made) or wrong_code; ``user`` when known."""

    def __init__(self, reason, user=None):
        super().__init__(reason)
        self.reason = reason
        self.user = user


def activate(conn, *, username, code, password):
    """The owner sets their first password with the code; the code is dead afterwards."""
    user = store.get_user_by_username(conn, username)
    if user is None:
        raise ActivationRefused("unknown_user")
    given = credentials.digest(_normal_code(code))
    matching = [a for a in store.open_activations(conn, user["id"]) if hmac.compare_digest(given, a["code_hash"])]
    if not matching:
        raise ActivationRefused("no_code" if not store.open_activations(conn, user["id"]) else "wrong_code", user)
    if not user["active"]:
        raise ActivationRefused("disabled", user)
    if not store.use_activation(conn, matching[0]["id"]):
        raise ActivationRefused("no_code", user)
    at = store.now()
    return store.update_user(
        conn, user["id"], f"user:{user['id']}", password_hash=credentials.hash_password(password), activated_at=at,
    )


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
    # Pending grants count: approving one must not join two duties either.
    held = [grant["role"] for grant in store.live_grants(conn, kind, principal_id)]
    if policy.duties_conflict(held, role):
        duties = sorted({policy.DUTIES[r] for r in held if r in policy.DUTIES} | {policy.DUTIES[role]})
        raise ServiceError(
            ErrorCode.SEPARATION_OF_DUTIES,
            f"one person may not hold both {' and '.join(duties)} roles (三员分立)",
            {"held_roles": sorted(set(held)), "role": role},
        )
    return row


def existing_grant(conn, *, kind, principal_id, role, organisation_id):
    for grant in store.live_grants(conn, kind, principal_id):
        if grant["role"] == role and grant["organisation_id"] == (None if organisation_id is None else str(organisation_id)):
            return grant
    return None


def create_grant(conn, *, kind, principal_id, role, organisation_id, actor, pending=False):
    """(grant row, created): an identical live grant (approved or pending) is answered rather than doubled.

    ``pending``: the grant counts only once a second person approves it
    (:func:`decide_grant`); the HTTP layer asks for it where
    ``policy.needs_approval`` says so, the trusted command line does not.
    """
    check_grant(conn, kind=kind, principal_id=principal_id, role=role, organisation_id=organisation_id)
    same = existing_grant(conn, kind=kind, principal_id=principal_id, role=role, organisation_id=organisation_id)
    if same is not None:
        return same, False
    return store.insert_grant(
        conn, kind=kind, principal_id=principal_id, role=role, organisation_id=organisation_id, actor=actor,
        pending=pending,
    ), True


def grant_needs_approval(conn, kind, principal_id, role):
    """``policy.needs_approval`` for this principal (a key: limited to its scopes)."""
    scopes = None
    if kind == KEY:
        key = store.get_api_key(conn, principal_id)
        scopes = key["scopes"] if key else ()
    return policy.needs_approval(role, scopes)


def decide_grant(conn, grant, *, approve, actor):
    """Approve or reject a pending grant, as a person other than the one who asked for it.

    403 for the requester or the grant's own principal (nobody approves their
    own request, nor their own access); 409 ``not_pending`` for a grant
    already decided or revoked.
    """
    if actor in (grant["granted_by"], store.principal_of(grant)):
        raise ServiceError(
            ErrorCode.FORBIDDEN, "a second person decides: not the one who asked for the grant, nor the one it is for",
            {"granted_by": grant["granted_by"]},
        )
    if grant["status"] != store.PENDING or grant["revoked_at"] is not None:
        raise ServiceError(ErrorCode.NOT_PENDING, f"the grant is {grant['status'] if grant['revoked_at'] is None else 'revoked'}, not pending")
    if approve:
        row = principal_row(conn, USER if grant["user_id"] else KEY, grant["user_id"] or grant["api_key_id"])
        if (grant["user_id"] and not row["active"]) or (grant["api_key_id"] and row["revoked_at"] is not None):
            raise invalid("principal", "the grant's user is disabled or its API key revoked: reject it instead")
    decided = store.decide_grant(conn, grant["id"], store.APPROVED if approve else store.REJECTED, actor)
    if decided is None:  # decided by someone else in the meantime
        raise ServiceError(ErrorCode.NOT_PENDING, "the grant was decided in the meantime")
    return decided


# ---- the last auditor ------------------------------------------------------------

LAST_AUDITOR = "the platform keeps at least one active auditor: make another one first (三员分立)"


def refuse_removing_last_auditor(conn, user_id, grant=None):
    """409 ``last_auditor`` when disabling ``user_id`` (or revoking its ``grant``) would
    leave no active auditor to read the audit record."""
    if grant is not None and (grant["role"] != policy.AUDITOR or grant["status"] != store.APPROVED):
        return
    auditors = store.active_auditors(conn)
    if user_id is None or str(user_id) not in auditors or auditors - {str(user_id)}:
        return
    if grant is not None:
        others = [g for g in store.active_grants(conn, USER, str(user_id))
                  if g["role"] == policy.AUDITOR and g["id"] != grant["id"]]
        if others:
            return
    raise ServiceError(ErrorCode.LAST_AUDITOR, LAST_AUDITOR, {"user": f"user:{user_id}"})


def grant_view(grant):
    """A grant row as ``GrantSchema`` dumps it."""
    return {**grant, "principal": store.principal_of(grant)}
