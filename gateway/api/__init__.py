"""The HTTP resources, one flask-smorest Blueprint per module, and what they share."""
import re
from functools import wraps

import flask_smorest
from flask import current_app, request
from marshmallow import EXCLUDE, ValidationError
from webargs.core import is_json
from webargs.flaskparser import FlaskParser

from contracts.errors import ErrorCode, ServiceError
from gateway import audit, auth
from gateway.access import policy
from gateway.errors import ErrorSchema
from gateway.logs import get_logger

log = get_logger(__name__)

API_PREFIX = "/api/v1"
RPC_EXTENSION = "liudong.rpc"

# For @blp.alt_response(503, **UNAVAILABLE) on every route that calls a service.
UNAVAILABLE = {"schema": ErrorSchema, "description": "service_unavailable: the broker or the service cannot answer now"}

# The OpenAPI security schemes (declared in gateway.app).
API_KEY_SCHEME = "ApiKeyAuth"
BEARER_SCHEME = "BearerAuth"
SELF = None  # Blueprint.requires(SELF): a person acting on their own account
RATE_LIMITED = {"schema": ErrorSchema, "description": "rate_limited: too many requests; Retry-After says when to try again"}


class Parser(FlaskParser):
    # webargs drops unknown query parameters by default; the contracts' query
    # schemas RAISE on purpose, because a misspelt filter (?stauts=away) would
    # otherwise silently answer the unfiltered list.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}

    def load_json(self, req, schema):
        # webargs reads a body with another content type as "no body", which
        # would surface as confusing "missing field" errors.
        if not is_json(req.mimetype) and req.get_data(cache=True):
            raise ServiceError(
                ErrorCode.MALFORMED_JSON,
                "the request body must be JSON, sent with Content-Type: application/json",
                {"content_type": req.mimetype},
            )
        return super().load_json(req, schema)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()

    def requires(self, permission, *, audit_action=None, resource_type=None):
        """The operation needs ``permission`` (``gateway.access.policy``); put it
        innermost, right above the ``def``. ``permission=SELF`` (None): any
        authenticated person, acting on their own account (no API key).

        It documents the security schemes that can carry the permission (API
        keys only for what ``system_integration`` may hold) and the 401, 403
        and 429 answers; ``gateway.auth`` enforces it before the arguments are
        parsed. With ``audit_action`` the operation is a write, audited before
        and after the call (``gateway.audit.audited_write``).
        """
        needed = auth.Requirement(permission, audit_action, resource_type)
        security = [{BEARER_SCHEME: []}]
        if policy.keys_may_use(permission):
            security.append({API_KEY_SCHEME: []})

        def decorator(function):
            if audit_action is not None:
                function = audit.audited_write(function, needed, _success_status)
            else:
                function = _plain(function)
            setattr(function, auth.REQUIREMENT_ATTRIBUTE, needed)
            function = self.alt_response(401, schema=ErrorSchema, description=(
                "unauthenticated: no credential, one that was refused, or an API key where only a person's token is accepted"
            ))(function)
            function = self.alt_response(403, schema=ErrorSchema, description=f"forbidden: no role of the caller allows {permission or 'this'}")(function)
            function = self.alt_response(429, **RATE_LIMITED)(function)
            return self.doc(security=security)(function)

        return decorator


def _plain(function):
    @wraps(function)
    def wrapper(*args, **kwargs):
        return function(*args, **kwargs)

    return wrapper


def _success_status():
    documented = getattr(auth.current_operation(), "_apidoc", {}).get("success_status_codes") or [200]
    return int(documented[0])


def rpc():
    return current_app.extensions[RPC_EXTENSION]


IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def _scope_with_idempotency_key():
    """The caller's scope, with the request's ``Idempotency-Key`` on a POST: the
    service answers a repeat of (caller, key) with its first answer and no
    second effect, also when the first answer never reached the client."""
    scope = auth.scope()
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    if key is None or request.method != "POST":
        return scope
    if not _IDEMPOTENCY_KEY.match(key):
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the Idempotency-Key header is not valid",
                           {"headers": {IDEMPOTENCY_KEY_HEADER: ["1 to 200 visible ASCII characters, e.g. a UUID"]}})
    return {**scope, "idempotency_key": key}


def call(service, method, *args, reply_schema):
    """Call ``service.method(*args, scope)`` and load its JSON reply with ``reply_schema``.

    ``scope`` is the caller's (``gateway.auth.scope``), appended to every call:
    the service checks the object itself against it. Loading turns the reply
    back into the Python values the ``@blp.response`` schema dumps (dates,
    UUIDs), and checks the service kept its contract.
    """
    reply = rpc().call(service, method, *args, _scope_with_idempotency_key())
    try:
        return reply_schema().load(reply, unknown=EXCLUDE)
    except ValidationError as exc:
        log.error(
            "%s.%s answered %s %s with a reply that breaks %s: %s",
            service, method, request.method, request.path, reply_schema.__name__, exc.messages,
        )
        raise ServiceError(ErrorCode.INTERNAL_ERROR, "a service gave an answer the gateway cannot use; it has been logged") from None
