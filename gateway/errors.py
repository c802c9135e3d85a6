"""One JSON shape for every error the gateway answers.

Every error body is::

    {"error": {"code": "<stable code>", "message": "<a sentence for people>", "details": {...}}}

- ``code`` comes from ``contracts.errors.ErrorCode`` (clients branch on it); the
  HTTP status follows from it through ``contracts.errors.HTTP_STATUS``.
- Validation failures are 422 ``validation_failed``; ``details`` is keyed by the
  request location, then by field, each field with its list of messages, exactly
  as marshmallow reports them: ``{"json": {"phone": ["must be an 11-digit mobile
  number"]}}``, ``{"query": {"per_page": ["Must be greater than or equal to 1
  and less than or equal to 100."]}}``. Nested fields nest; errors about the
  body as a whole sit under ``"_schema"``.
- A body that is not valid JSON, or is sent with a non-JSON content type, is
  400 ``malformed_json``.
- 401 ``unauthenticated`` carries a ``WWW-Authenticate`` header naming the
  schemes; 403 is ``forbidden``; 429 ``rate_limited`` carries ``Retry-After``
  (seconds).
- A status the gateway has no code for gets a code made from its HTTP reason
  phrase, e.g. ``im_a_teapot``.
- Unexpected failures are 500 ``internal_error``: logged with their traceback,
  never shown.
"""
import http
import json

from flask import current_app, request
from marshmallow import Schema, fields

from contracts.access import AUDIT_ONLY_DETAILS
from contracts.errors import HTTP_STATUS, ErrorCode, ServiceError
from gateway.logs import get_logger

log = get_logger(__name__)

_CODE_BY_STATUS = {
    400: ErrorCode.MALFORMED_JSON,
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    422: ErrorCode.VALIDATION_FAILED,
    429: ErrorCode.RATE_LIMITED,
    500: ErrorCode.INTERNAL_ERROR,
    503: ErrorCode.SERVICE_UNAVAILABLE,
}


class ErrorDetailSchema(Schema):
    code = fields.Str(
        required=True,
        metadata={"description": "stable machine-readable code, e.g. validation_failed, member_not_found, service_unavailable"},
    )
    message = fields.Str(required=True, metadata={"description": "what went wrong, for people"})
    details = fields.Dict(
        required=True,
        metadata={"description": "for validation_failed: {location: {field: [messages]}}; otherwise code-specific, may be empty"},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class HttpError(ServiceError):
    """A gateway-made error that also sets response headers (``WWW-Authenticate``)."""

    def __init__(self, code, message, details=None, headers=None):
        super().__init__(code, message, details)
        self.headers = dict(headers or {})


def error_response(status, code, message, details=None, headers=None):
    return {"error": {"code": code, "message": message, "details": details or {}}}, status, headers or {}


def handle_service_error(exc):
    """A ``ServiceError`` from a service (or raised here) keeps its code and message.

    Details meant for the audit record only (``contracts.access.AUDIT_ONLY_DETAILS``)
    are never answered, whether or not an audited write took them first."""
    if isinstance(exc.details, dict):
        exc.details.pop(AUDIT_ONLY_DETAILS, None)
    status = HTTP_STATUS.get(exc.code)
    if status is None:
        log.error("no HTTP status is known for error code %r (%s)", exc.code, exc.message)
        status = 500
    elif status >= 500:
        log.warning("%s %s answered %s: %s", request.method, request.path, status, exc)
    return error_response(status, exc.code, exc.message, exc.details, getattr(exc, "headers", None))


def handle_http_exception(exc):
    """Werkzeug's, webargs' and flask-smorest's HTTP errors, turned into the one shape."""
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    headers = dict(data.get("headers") or {})
    details = {}
    if status == 422 and "messages" in data:
        message = "the request is not valid; details say which fields and why"
        details = data["messages"]
    elif status == 400 and isinstance(getattr(exc, "exc", None), (json.JSONDecodeError, UnicodeDecodeError)):
        # webargs' abort keeps the decoding error, which says where the body breaks.
        message = "the request body is not valid JSON"
        details = {"json": [str(exc.exc)]}
    elif status == 404:
        message = f"there is nothing at {request.path}"
    elif status == 405:
        allowed = sorted(exc.valid_methods or ())
        message = f"{request.method} is not allowed here; allowed: {', '.join(allowed)}"
        details = {"allowed": allowed}
        headers["Allow"] = ", ".join(allowed)
    elif status == 413:
        message = f"the request body is larger than the limit of {_max_length()} bytes"
    elif status == 429:
        message = f"too many requests (the limit is {exc.description}); retry after Retry-After seconds"
    elif status >= 500:
        log.error("%s %s failed with HTTP %s: %s", request.method, request.path, status, exc)
        message = "an unexpected error happened; it has been logged"
    else:
        message = data.get("message") or exc.description or http.HTTPStatus(status).phrase
    return error_response(status, _code_for(status), message, details, headers)


def handle_unexpected(exc):
    log.exception("unhandled error in %s %s", request.method, request.path)
    return error_response(500, ErrorCode.INTERNAL_ERROR, "an unexpected error happened; it has been logged")


def register(app):
    """Register the handlers flask-smorest's ``Api`` does not own (it owns HTTPException)."""
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(Exception, handle_unexpected)


def _code_for(status):
    code = _CODE_BY_STATUS.get(status)
    if code is None:
        try:
            code = http.HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
        except ValueError:
            code = ErrorCode.INTERNAL_ERROR if status >= 500 else "bad_request"
    return code


def _max_length():
    return current_app.config.get("MAX_CONTENT_LENGTH")
