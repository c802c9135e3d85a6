"""Authentication and authorisation of every request, as Flask hooks.

Deny by default: every operation declares what it needs with
``@blp.requires(permission)`` (``gateway.api.Blueprint``) or is marked open with
``@blp.open()`` / :func:`open_route` (the probes, the API documents,
``POST /api/v1/tokens``); ``gateway.app.create_app`` refuses to build an app
with a route that does neither (:func:`undeclared_routes`), and a request that
reaches one anyway is refused. For every declared operation:

1. :func:`identify` (before the rate limiter) reads the credential, if any:
   ``X-API-Key: ld_<key id>_<secret>`` or ``Authorization: Bearer <token>``,
   and loads the caller with its active grants (approved, not revoked: a
   grant waiting for a second person's approval counts for nothing, and a key
   whose grants all wait is refused); a credential that fails is
   remembered, not answered yet, so that the limiter counts the attempt against
   the remote address.
2. flask-limiter counts the request against the caller (``key:<id>`` or
   ``user:<id>``), or against the remote address when there is none; an API
   key issued with a rate limit of its own is held to that one.
3. :func:`enforce` answers 401 ``unauthenticated`` (no credential, or one that
   failed: audited as ``authentication.failed``), 403 ``forbidden`` when no
   active grant allows the operation's permission (audited as
   ``authorisation.denied``), and otherwise leaves the scope of the RPC in
   ``flask.g.scope`` (:meth:`Principal.scope_for`).
"""
import re
import secrets
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request

from contracts.errors import ErrorCode
from gateway import audit
from gateway.access import credentials, policy, store
from gateway.access.authorisation import KEY, USER, Principal
from gateway.errors import HttpError

ACCESS_EXTENSION = audit.ACCESS_EXTENSION
REQUIREMENT_ATTRIBUTE = "_liudong_requirement"
OPEN_ATTRIBUTE = "_liudong_open"
API_KEY_HEADER = "X-API-Key"
REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
REALM = 'realm="liudong"'


@dataclass(frozen=True)
class Requirement:
    """What an operation needs, and how its writes are audited."""

    permission: str | None  # None: any authenticated person, on their own account
    audit_action: str | None = None  # set for writes: audited before and after the call
    resource_type: str | None = None


@dataclass
class AccessSettings:
    store: store.AccessStore
    token_secret: str
    token_ttl: int


def settings() -> AccessSettings:
    return current_app.extensions[ACCESS_EXTENSION]


class AuthenticationFailed(Exception):
    """A credential was presented and refused; ``reason`` is for the audit only."""

    def __init__(self, reason, credential, message, principal=None, details=None, token_error=None):
        super().__init__(reason)
        self.reason = reason
        self.credential = credential
        self.message = message
        self.principal = principal
        self.details = details or {}
        self.token_error = token_error


# ---- the operation being called --------------------------------------------

def operation_of(view, method):
    """The function that serves ``method`` in ``view`` (a MethodView's method), or None."""
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return view
    method = method.lower()
    operation = getattr(view_class, method, None)
    if operation is None and method == "head":
        operation = getattr(view_class, "get", None)
    return operation


def current_operation():
    """The view function (a MethodView's method) serving this request, or None."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None:
        return None
    return operation_of(view, request.method)


def open_route(view):
    """Mark a view open (no credential asked); answers a marked wrapper, so bound methods work too."""
    @wraps(view)
    def opened(*args, **kwargs):
        return view(*args, **kwargs)

    setattr(opened, OPEN_ATTRIBUTE, True)
    return opened


def is_declared(operation):
    return getattr(operation, REQUIREMENT_ATTRIBUTE, None) is not None or getattr(operation, OPEN_ATTRIBUTE, False)


def undeclared_routes(app):
    """``METHOD /path (endpoint)`` of every route that neither requires a permission nor is marked open.

    Walks ``app.url_map``, so routes outside the OpenAPI document count too.
    HEAD and OPTIONS are Flask's own answers, served as GET's and as the list of methods.
    """
    missing = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if not is_declared(operation_of(view, method)):
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    return missing


def principal() -> Principal | None:
    return g.get("principal")


def scope():
    """The caller's scope for this operation's permission (``contracts.access.ScopeSchema``)."""
    return g.scope


# ---- hooks --------------------------------------------------------------------

def start_request():
    """Give the request an id (the caller's ``X-Request-Id`` when it is sane)."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    # Letters and digits mixed, so that an id never looks like a phone number
    # to the log redaction (a hex uuid sometimes does).
    g.request_id = given if _REQUEST_ID.match(given) else secrets.token_urlsafe(16)


def identify():
    g.principal = None
    g.authentication_failure = None
    operation = current_operation()
    g.requirement = getattr(operation, REQUIREMENT_ATTRIBUTE, None)
    # create_app refuses undeclared routes; one added later is refused here.
    g.undeclared = operation is not None and request.method != "OPTIONS" and not is_declared(operation)
    if g.requirement is None:
        return
    try:
        g.principal = authenticate()
    except AuthenticationFailed as failure:
        g.authentication_failure = failure


def enforce():
    needed = g.get("requirement")
    if needed is None:
        if g.get("undeclared"):
            raise HttpError(ErrorCode.FORBIDDEN, "this operation declares no permission, so nobody may call it")
        return
    caller = g.principal
    if caller is None:
        failure = g.authentication_failure
        if failure is None:
            raise HttpError(
                ErrorCode.UNAUTHENTICATED,
                f"authentication required: send an API key in {API_KEY_HEADER} or a token as 'Authorization: Bearer <token>' "
                "(POST /api/v1/tokens)",
                headers={"WWW-Authenticate": _challenge()},
            )
        audit.record(
            "authentication.failed", outcome="failed", status=401, principal=failure.principal or "anonymous",
            details={"credential": failure.credential, "reason": failure.reason, **failure.details},
        )
        raise HttpError(
            ErrorCode.UNAUTHENTICATED, failure.message,
            headers={"WWW-Authenticate": _challenge(failure.token_error, failure.message)},
        )
    if caller.kind == KEY and not policy.keys_may_use(needed.permission):
        # The operation declares BearerAuth only: for it, a key is no credential at all.
        audit.record(
            "authentication.failed", outcome="failed", status=401,
            details={"credential": "api_key", "reason": "api_key_not_accepted"},
        )
        raise HttpError(
            ErrorCode.UNAUTHENTICATED, "this operation takes a person's token (Authorization: Bearer), not an API key",
            headers={"WWW-Authenticate": f"Bearer {REALM}"},
        )
    if needed.permission is None:  # a person's own account
        return
    if not caller.allows(needed.permission):
        audit.record(
            "authorisation.denied", outcome="denied", status=403, details={"permission": needed.permission},
        )
        raise HttpError(
            ErrorCode.FORBIDDEN, f"your roles do not allow this ({needed.permission})",
            {"permission": needed.permission},
        )
    g.scope = caller.scope_for(needed.permission)


def finish_response(response):
    response.headers[REQUEST_ID_HEADER] = g.get("request_id") or ""
    if request.path.startswith("/api/"):
        # Answers may hold personal data: no shared or browser cache keeps them.
        response.headers.setdefault("Cache-Control", "no-store")
    if response.status_code == 429:
        try:
            retry_after = int(response.headers.get("Retry-After", "1"))
        except ValueError:
            retry_after = 1
        response.headers["Retry-After"] = str(max(retry_after, 1))
    else:
        # flask-limiter writes it on every answer; it means something only on a 429.
        response.headers.pop("Retry-After", None)
    return response


def rate_limit_key():
    caller = g.get("principal")
    if caller is not None:
        return caller.principal
    return f"address:{request.remote_addr}"


def _challenge(token_error=None, description=None):
    if token_error:
        return f'Bearer {REALM}, error="{token_error}", error_description="{description}"'
    return f'Bearer {REALM}, ApiKey {REALM}, header="{API_KEY_HEADER}"'


# ---- credentials ----------------------------------------------------------------

def authenticate():
    """The caller, None when no credential was sent, or :class:`AuthenticationFailed`."""
    api_key = request.headers.get(API_KEY_HEADER)
    authorization = request.headers.get("Authorization")
    if api_key is not None and authorization is not None:
        raise AuthenticationFailed(
            "two_credentials", "both", f"send one credential: {API_KEY_HEADER} or Authorization, not both",
        )
    if api_key is not None:
        return authenticate_key(api_key.strip())
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed(
                "malformed", "bearer", "the Authorization header must read 'Bearer <token>'", token_error="invalid_request",
            )
        return authenticate_token(token.strip())
    return None


def authenticate_key(value):
    parsed = credentials.parse_api_key(value)
    if parsed is None:
        raise AuthenticationFailed(
            "malformed", "api_key", f"the {API_KEY_HEADER} header does not hold an API key (ld_<key id>_<secret>)",
        )
    key_id, secret = parsed
    refused = "the API key was not accepted"
    with settings().store.begin() as conn:
        key = store.get_api_key(conn, key_id)
        if key is None:
            raise AuthenticationFailed("unknown_key", "api_key", refused, details={"key_id": key_id})
        if not credentials.secret_matches(secret, key["secret_hash"]):
            raise AuthenticationFailed("wrong_secret", "api_key", refused, principal=f"{KEY}:{key_id}")
        if key["revoked_at"] is not None:
            raise AuthenticationFailed("revoked", "api_key", refused, principal=f"{KEY}:{key_id}")
        live = store.live_grants(conn, KEY, key_id)
        if live and all(grant["status"] == store.PENDING for grant in live):
            # Issued, but a second person has not approved it yet: no credential so far.
            raise AuthenticationFailed("pending_approval", "api_key", "the API key awaits a second person's approval",
                                       principal=f"{KEY}:{key_id}")
        grants = store.as_grants(store.active_grants(conn, KEY, key_id))
        store.touch_api_key(conn, key)
    # The limiter (gateway.app) holds the key to its own limit, when it was issued with one.
    g.caller_rate_limit = key["rate_limit"]
    return Principal(KEY, key_id, key["name"], grants, key_scopes=frozenset(key["scopes"]))


def authenticate_token(token):
    try:
        claims = credentials.read_token(token, settings().token_secret)
    except credentials.InvalidToken as exc:
        if exc.reason == "expired":
            raise AuthenticationFailed(
                "expired", "bearer", "the token has expired; ask for a new one at POST /api/v1/tokens",
                principal=f"{USER}:{exc.subject}" if exc.subject else None, token_error="invalid_token",
            ) from None
        raise AuthenticationFailed("invalid_token", "bearer", "the token was not accepted", token_error="invalid_token") from None
    principal = load_user(claims.user_id, "bearer", generation=claims.generation)
    g.token_claims = claims
    return principal


def load_user(user_id, credential, generation=None):
    """The active user's principal; with ``generation``, only while it is still the user's."""
    with settings().store.connect() as conn:
        user = store.get_user(conn, user_id)
        if user is None:
            raise AuthenticationFailed(
                "unknown_user", credential, "the token was not accepted", token_error="invalid_token",
            )
        if not user["active"]:
            raise AuthenticationFailed(
                "disabled", credential, "this user is disabled", principal=f"{USER}:{user_id}", token_error="invalid_token",
            )
        if generation is not None and generation != user["token_generation"]:
            raise AuthenticationFailed(
                "token_ended", credential,
                "the token has ended (a password change, a revoked role or a log-out); ask for a new one at POST /api/v1/tokens",
                principal=f"{USER}:{user_id}", token_error="invalid_token",
            )
        grants = store.as_grants(store.active_grants(conn, USER, user["id"]))
    return user_principal(user, grants)


def user_principal(user, grants):
    return Principal(USER, user["id"], user["username"], grants, member_id=user["member_id"])
