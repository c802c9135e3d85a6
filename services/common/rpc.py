"""Helpers for RPC entrypoints: validate input with a contracts schema and
raise the stable ``ServiceError`` the gateway understands."""
from marshmallow import ValidationError
from nameko.rpc import rpc as nameko_rpc

from contracts.access import ScopeSchema
from contracts.errors import ErrorCode, ServiceError


def load(schema, payload):
    """Load ``payload`` with a contracts schema. The error details say what is
    wrong with which field, never the value given (it may be personal data)."""
    if not isinstance(payload, dict):
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the payload must be a JSON object", {"_schema": ["not an object"]})
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the request is not valid", exc.normalized_messages()) from None


def load_scope(scope):
    """The caller's scope (``contracts.access.ScopeSchema``), sent as the last
    argument of every RPC but ``ping``; missing or invalid is ``validation_failed``
    with the details under ``scope``."""
    if scope is None:
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the caller's scope is missing", {"scope": ["required"]})
    if not isinstance(scope, dict):
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the caller's scope must be an object", {"scope": ["not an object"]})
    try:
        return ScopeSchema().load(scope)
    except ValidationError as exc:
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the caller's scope is not valid",
                           {"scope": exc.normalized_messages()}) from None


def rpc(method):
    """nameko's ``@rpc``, with ``ServiceError`` declared expected: a refused
    request is logged as a warning, not as a service failure."""
    return nameko_rpc(expected_exceptions=ServiceError)(method)
