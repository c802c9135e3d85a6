"""The kernel's RPC entrypoints.

``@rpc`` and ``@scoped_rpc`` are nameko's ``@rpc`` with what every service
method needs around it, so that ``service.py`` holds one line per method:

- the transaction: the method runs in the worker's unit of work
  (``self.db``), which is committed when the method returns and rolled back
  when it raises; use cases never commit;
- a domain rule violation (``contracts.errors.RuleViolation``) becomes the
  ``ServiceError`` with its code, which the gateway maps to an HTTP status;
  ``ServiceError`` is declared expected, so a refused request is logged as a
  warning, not as a failure;
- ``@scoped_rpc``: the caller's scope, sent as the last positional argument of
  every call, is loaded and checked (``contracts.access.ScopeSchema``) and
  handed to the method as a ``contracts.access.Scope``;
- ``@scoped_rpc(write=True)``: a call carrying an Idempotency-Key
  (``scope.idempotency_key``) is answered once per (principal, key); a repeat
  with the same arguments gets the first answer back, recorded in the same
  transaction as the write, and one with other arguments is refused.
"""
import functools
import hashlib
import json

from marshmallow import ValidationError
from nameko.rpc import rpc as nameko_rpc

from contracts.access import Scope, ScopeSchema
from contracts.errors import ErrorCode, RuleViolation, ServiceError

UNIT_OF_WORK = "db"


def load(schema, payload):
    """Load ``payload`` with a contracts schema. The error details say what is
    wrong with which field, never the value given (it may be personal data)."""
    if not isinstance(payload, dict):
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the payload must be a JSON object", {"_schema": ["not an object"]})
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the request is not valid", exc.normalized_messages()) from None


def load_scope(scope) -> Scope:
    """The caller's scope (``contracts.access.ScopeSchema``); missing or invalid
    is ``validation_failed`` with the details under ``scope``."""
    if scope is None:
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the caller's scope is missing", {"scope": ["required"]})
    if not isinstance(scope, dict):
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the caller's scope must be an object", {"scope": ["not an object"]})
    try:
        loaded = ScopeSchema().load(scope)
    except ValidationError as exc:
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "the caller's scope is not valid",
                           {"scope": exc.normalized_messages()}) from None
    return Scope.of(**loaded)


def rules_as_service_errors(function):
    """Turn a domain ``RuleViolation`` into the ``ServiceError`` of its code."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except RuleViolation as exc:
            raise ServiceError(exc.code, exc.message, exc.details) from None

    return wrapper


def _in_transaction(unit_of_work, call):
    result = call()
    if unit_of_work is not None:
        unit_of_work.commit()
    return result


def rpc(method):
    """An RPC entrypoint without a caller's scope (``ping``, internal reads)."""

    @functools.wraps(method)
    @rules_as_service_errors
    def entrypoint(self, *args, **kwargs):
        return _in_transaction(getattr(self, UNIT_OF_WORK, None), lambda: method(self, *args, **kwargs))

    return nameko_rpc(expected_exceptions=ServiceError)(entrypoint)


def scoped_rpc(method=None, *, write=False):
    """An RPC entrypoint whose last positional argument is the caller's scope:
    ``def get_member(self, member_id, scope)`` receives a loaded ``Scope``."""

    def decorate(method):
        @functools.wraps(method)
        @rules_as_service_errors
        def entrypoint(self, *args):
            if not args:
                raise ServiceError(ErrorCode.VALIDATION_FAILED, "the caller's scope is missing", {"scope": ["required"]})
            *arguments, raw_scope = args
            scope = load_scope(raw_scope)
            unit_of_work = getattr(self, UNIT_OF_WORK, None)
            if write and scope.idempotency_key:
                return _once_per_key(unit_of_work, method.__name__, arguments, scope,
                                     lambda: method(self, *arguments, scope))
            return _in_transaction(unit_of_work, lambda: method(self, *arguments, scope))

        return nameko_rpc(expected_exceptions=ServiceError)(entrypoint)

    return decorate(method) if method is not None else decorate


def fingerprint(method_name, arguments):
    """What a write was asked to do: its method and arguments, canonical JSON, hashed."""
    text = json.dumps([method_name, arguments], sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _once_per_key(unit_of_work, method_name, arguments, scope, call):
    principal, key = scope.principal, scope.idempotency_key
    asked = fingerprint(method_name, arguments)
    # Claiming the key first serialises concurrent requests with it: on
    # PostgreSQL a second one waits on the key's row until the first commits,
    # then finds the answer instead of doing the write again.
    if unit_of_work.claim_idempotency_key(principal, key, asked):
        answer = call()
        unit_of_work.record_answer(principal, key, answer)
        unit_of_work.commit()
        return answer
    earlier = unit_of_work.recorded_answer(principal, key)
    if earlier.fingerprint != asked:
        raise ServiceError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "this Idempotency-Key was used for a different request; use a new key for a new request",
            {"idempotency_key": ["already used with a different request body or target"]},
        )
    return earlier.answer
