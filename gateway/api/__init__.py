"""The HTTP resources, one flask-smorest Blueprint per module, and what they share."""
import re
from functools import wraps

import flask_smorest
from flask import current_app, request
from marshmallow import EXCLUDE, ValidationError
from webargs.core import is_json
from webargs.flaskparser import FlaskParser

from contracts import platform
from contracts.errors import HTTP_STATUS, ErrorCode, ServiceError
from gateway import audit, auth
from gateway.access import policy
from gateway.errors import ErrorSchema
from gateway.logs import get_logger

log = get_logger(__name__)

API_PREFIX = "/api/v1"
RPC_EXTENSION = "liudong.rpc"

MALFORMED_JSON = {"schema": ErrorSchema, "description": "malformed_json: the body is not JSON, or not sent as application/json"}

# The OpenAPI security schemes (declared in gateway.app).
API_KEY_SCHEME = "ApiKeyAuth"
BEARER_SCHEME = "BearerAuth"
SELF = None  # Blueprint.requires(SELF): a person acting on their own account
RATE_LIMITED = {"schema": ErrorSchema, "description": "rate_limited: too many requests; Retry-After says when to try again"}


IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENT_ATTRIBUTE = "_liudong_idempotent"
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header", "name": IDEMPOTENCY_KEY_HEADER, "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x21-\\x7e]+$"},
    "description": (
        "Makes a retry safe: the same key with the same body gets the first answer back and has no second "
        "effect, also when the first answer was lost; the same key with another body is 422 "
        "idempotency_key_reused. Keys belong to the caller. A UUID will do."
    ),
}


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
    """flask-smorest's Blueprint with the gateway's declarations.

    Every operation carries exactly one of :meth:`requires` or :meth:`open`
    (``gateway.app.create_app`` refuses to build otherwise), each with the
    operation's stable ``operationId``, and a :meth:`calls` per service it calls.
    """

    ARGUMENTS_PARSER = Parser()

    def arguments(self, schema, *, location="json", **kwargs):
        """flask-smorest's, plus the 400 every JSON body can answer."""
        decorate = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return decorate
        return lambda function: decorate(self.alt_response(400, **MALFORMED_JSON)(function))

    def requires(self, permission, *, operation_id, audit_action=None, resource_type=None):
        """The operation needs ``permission`` (declared by a service's contract or
        ``gateway.access.policy``); put it innermost, right above the ``def``.
        ``permission=SELF`` (None): any authenticated person, acting on their own
        account (no API key). ``operation_id``: the stable camelCase name
        integrators' generated clients call it by.

        It documents the security schemes that can carry the permission (API
        keys only for what ``system_integration`` may hold) and the 401, 403
        and 429 answers; ``gateway.auth`` enforces it before the arguments are
        parsed. With ``audit_action`` the operation is a write, audited before
        and after the call (``gateway.audit.audited_write``).
        """
        if permission is not SELF and permission not in policy.DECLARED_PERMISSIONS:
            raise ValueError(f"{operation_id} requires {permission!r}, which no contract and not the gateway declares")
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
            return self.doc(security=security, operationId=operation_id)(function)

        return decorator

    def open(self, *, operation_id):
        """The operation asks for no credential (probes, sign-in); innermost, like :meth:`requires`."""

        def decorator(function):
            return self.doc(operationId=operation_id)(auth.open_route(function))

        return decorator

    def calls(self, service, *answers, idempotent=False):
        """The operation calls ``service`` (a name in ``contracts.platform.SERVICES``): documents its 503
        and the error ``answers`` the call can give, each an ``ErrorCode`` or ``(code, note)``,
        under the status ``contracts.errors.HTTP_STATUS`` gives the code.

        ``idempotent=True`` (a write the service declares ``scoped_rpc(write=True)``):
        the operation takes an ``Idempotency-Key`` header, passed to the service."""
        platform.service(service)  # LookupError for a service the platform does not have
        if idempotent:
            answers = (*answers, (ErrorCode.IDEMPOTENCY_KEY_REUSED, "the Idempotency-Key was sent before with another request"))
        by_status = {HTTP_STATUS[ErrorCode.SERVICE_UNAVAILABLE]: [
            f"{ErrorCode.SERVICE_UNAVAILABLE}: the broker or the {service} service cannot answer now"
        ]}
        for answer in answers:
            code, note = answer if isinstance(answer, tuple) else (answer, None)
            by_status.setdefault(HTTP_STATUS[code], []).append(f"{code}: {note}" if note else code)
        if 422 in by_status:  # the documented 422 replaces flask-smorest's, which says validation_failed
            by_status[422].insert(0, f"{ErrorCode.VALIDATION_FAILED}: details name the fields and why")

        def decorator(function):
            for status, lines in sorted(by_status.items()):
                function = self.alt_response(status, schema=ErrorSchema, description="; ".join(lines))(function)
            if idempotent:
                setattr(function, IDEMPOTENT_ATTRIBUTE, True)
                function = self.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])(function)
            return function

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




def _scope_with_idempotency_key():
    """The caller's scope, with the request's ``Idempotency-Key`` on a POST: the
    service answers a repeat of (caller, key) with its first answer and no
    second effect, also when the first answer never reached the client."""
    scope = auth.scope()
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    if key is None or not getattr(auth.current_operation(), IDEMPOTENT_ATTRIBUTE, False):
        return scope
    if not _IDEMPOTENCY_KEY.match(key):
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the Idempotency-Key header is not valid",
                           {"headers": {IDEMPOTENCY_KEY_HEADER: ["1 to 200 visible ASCII characters, e.g. a UUID"]}})
    return {**scope, "idempotency_key": key}


def call(service, method, *args, reply_schema):
    """Call ``service.method(*args, scope)`` and load its JSON reply with ``reply_schema``.

    ``scope`` is the caller's (``gateway.auth.scope``), appended to every call
    signed (``gateway.rpc.RpcClient``, ``contracts.caller_context``): the
    service verifies it, then checks the object itself against it. Loading turns the reply
    back into the Python values the ``@blp.response`` schema dumps (dates,
    UUIDs), and checks the service kept its contract.
    """
    reply = rpc().call(service, method, *args, scope=_scope_with_idempotency_key())
    try:
        return reply_schema().load(reply, unknown=EXCLUDE)
    except ValidationError as exc:
        log.error(
            "%s.%s answered %s %s with a reply that breaks %s: %s",
            service, method, request.method, request.path, reply_schema.__name__, exc.messages,
        )
        raise ServiceError(ErrorCode.INTERNAL_ERROR, "a service gave an answer the gateway cannot use; it has been logged") from None
