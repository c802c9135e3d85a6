"""Helpers for RPC entrypoints: validate input with a contracts schema and
raise the stable ``ServiceError`` the gateway understands."""
from marshmallow import ValidationError
from nameko.rpc import rpc as nameko_rpc

from contracts.errors import ErrorCode, ServiceError


def load(schema, payload):
    if not isinstance(payload, dict):
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the payload must be a JSON object", {"_schema": ["not an object"]})
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the request is not valid", exc.normalized_messages()) from None


def rpc(method):
    """nameko's ``@rpc``, with ``ServiceError`` declared expected: a refused
    request is logged as a warning, not as a service failure."""
    return nameko_rpc(expected_exceptions=ServiceError)(method)
