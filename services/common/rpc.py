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
- ``@scoped_rpc``: the last positional argument of every call is the caller's
  signed context (``contracts.caller_context``). It is verified before anything
  else (:class:`CallerTrust`): a call whose context is missing, a plain
  unsigned scope, badly signed, signed by a key not trusted, expired, already
  used, signed for another method or other arguments, or signed by a service
  for a method that service does not declare in ``contracts.platform`` is
  refused with ``caller_not_trusted``, logged as a warning with the reason,
  and runs nothing. The context's id is recorded in the call's transaction
  (``caller_contexts``), so a replay, even a concurrent one, is refused. Its
  scope is then loaded and checked (``contracts.access.ScopeSchema``) and
  handed to the method as a ``contracts.access.Scope``;
- ``@scoped_rpc(write=True)``: a call carrying an Idempotency-Key
  (``scope.idempotency_key``) is answered once per (principal, key); a repeat
  with the same arguments gets the first answer back, recorded in the same
  transaction as the write, and one with other arguments is refused.
"""
import functools
import hashlib
import json
import logging
from datetime import datetime, timedelta, timezone

import eventlet
import kombu.exceptions
from amqp.exceptions import AMQPError
from marshmallow import ValidationError
from nameko.extensions import SharedExtension
from nameko.rpc import Rpc as NamekoRpc
from sqlalchemy import delete
from sqlalchemy import exc as database_errors

from contracts import caller_context, platform
from contracts.access import Scope, ScopeSchema
from contracts.errors import ErrorCode, RuleViolation, ServiceError

log = logging.getLogger(__name__)

UNIT_OF_WORK = "db"
# Seconds between deletions of the ids of contexts that have expired (refused as
# expired anyway): one indexed DELETE a minute, off the calls' path. Config key
# CALLER_CONTEXTS_PURGE_INTERVAL overrides it.
PURGE_INTERVAL = 60.0


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


# The database cannot answer now (down, restarting, a connection cut, the pool exhausted, a deadlock):
# the caller may retry. The gateway answers 503, as it does when the broker or the service is away.
DATABASE_UNAVAILABLE = (database_errors.OperationalError, database_errors.InterfaceError,
                        database_errors.DisconnectionError, database_errors.TimeoutError)
BROKER_ERRORS = (kombu.exceptions.OperationalError, AMQPError, OSError)


def rules_as_service_errors(function):
    """Turn a domain ``RuleViolation`` into the ``ServiceError`` of its code, and a database that cannot
    answer now into ``service_unavailable``."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except RuleViolation as exc:
            raise ServiceError(exc.code, exc.message, exc.details) from None
        except DATABASE_UNAVAILABLE as exc:
            log.warning("%s: the database cannot answer now: %s", function.__name__, str(exc).splitlines()[0])
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, "the service's database cannot answer now; try again shortly",
                               {"service": getattr(args[0], "name", None) if args else None,
                                "cause": "database_unavailable"}) from None

    return wrapper


class Rpc(NamekoRpc):
    """nameko's RPC entrypoint, but a reply the broker cannot take costs the reply, not the service.

    nameko lets a failed reply publish escape the worker, and that ends the container: one cut broker link
    (the worker committed, then found its connection gone) would end the process. Here the reply is given
    up. The request was never acked, so the broker gives it to another consumer once this connection is
    gone, where it is refused or answered once (a caller context is used once; a write with an
    Idempotency-Key is answered once); the caller, with no reply, times out and may retry."""

    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except BROKER_ERRORS as exc:
            log.warning("could not reply to a call of %s, the broker connection is gone: %s", self.method_name, exc)
            return result, exc_info


def _in_transaction(unit_of_work, call):
    result = call()
    if unit_of_work is not None:
        unit_of_work.commit()
    return result


def rpc(method):
    """An RPC entrypoint without a caller's context: ``ping`` only, which reveals
    nothing; anything that reads or changes data is a :func:`scoped_rpc`."""

    @functools.wraps(method)
    @rules_as_service_errors
    def entrypoint(self, *args, **kwargs):
        return _in_transaction(getattr(self, UNIT_OF_WORK, None), lambda: method(self, *args, **kwargs))

    return Rpc.decorator(expected_exceptions=ServiceError)(entrypoint)


class CallerTrust(SharedExtension):
    """Who a service believes: the trusted public keys, its own identity, and
    the record of contexts already used. One per service container.

    Config keys (from the environment, no default): ``TRUSTED_CALLER_KEYS``
    (``LIUDONG_TRUSTED_CALLER_KEYS``) and ``CALLER_SIGNING_KEY``
    (``LIUDONG_<SERVICE>_SIGNING_KEY``); a service missing either, or holding
    a malformed one, refuses to start, naming the variable.
    """

    def setup(self):
        config = self.container.config
        self.service_name = self.container.service_name
        self.purge_interval = float(config.get("CALLER_CONTEXTS_PURGE_INTERVAL", PURGE_INTERVAL))
        self.verifier = caller_context.Verifier.from_text(
            config.get(caller_context.TRUSTED_KEYS_SETTING),
            f"{caller_context.TRUSTED_KEYS_SETTING} (from {caller_context.TRUSTED_KEYS_ENV})",
        )
        # Not used to verify, but every service has an identity of its own; a
        # missing one is found at start rather than at its first call out.
        caller_context.load_private_key(
            config.get(caller_context.SIGNING_KEY_SETTING),
            f"{caller_context.SIGNING_KEY_SETTING} (from {caller_context.service_key_env(self.service_name)})",
        )

    def start(self):
        self.container.spawn_managed_thread(self._purge_expired, identifier="caller_contexts_purge")

    def admit(self, unit_of_work, method_name, arguments, token):
        """The verified :class:`contracts.caller_context.CallerContext` of a
        call, its id recorded in ``unit_of_work``; ``ServiceError`` otherwise."""
        try:
            context = self.verifier.verify(token, self.service_name, method_name, arguments)
            self._check_issuer(context, method_name)
            if not unit_of_work.claim_caller_context(context.jti, context.issuer, _expiry(context)):
                raise caller_context.CallerNotTrusted(
                    "replayed", "this caller context was used before", {"issuer": context.issuer,
                                                                        "principal": context.scope.get("principal")})
        except caller_context.CallerNotTrusted as refused:
            claimed = refused.claimed
            log.warning("refused a call to %s.%s: %s (%s; claimed issuer %r, principal %r)", self.service_name,
                        method_name, refused.reason, refused.message, claimed.get("issuer"), claimed.get("principal"))
            raise ServiceError(ErrorCode.CALLER_NOT_TRUSTED, "the service does not trust this call's caller context",
                               {"reason": refused.reason}) from None
        return context

    def _check_issuer(self, context, method_name):
        if context.from_gateway:
            return
        claimed = {"issuer": context.issuer, "principal": context.scope.get("principal")}
        caller = context.calling_service
        spec = next((spec for spec in platform.SERVICES if spec.name == caller), None)
        if spec is None or not spec.may_call(self.service_name, method_name):
            raise caller_context.CallerNotTrusted(
                "not_declared", f"{context.issuer} does not declare {self.service_name}.{method_name} in "
                                f"contracts.platform", claimed)
        beyond = set(context.scope.get("reveal") or ()) - spec.may_reveal(self.service_name, method_name)
        if beyond:
            raise caller_context.CallerNotTrusted(
                "reveal_not_allowed", f"a service's call reveals no personal data but what contracts.platform declares "
                                      f"for the method (asked for {sorted(beyond)})", claimed)

    def _purge_expired(self):
        from services.common.db import Database

        database = next((d for d in self.container.dependencies if isinstance(d, Database)), None)
        if database is None:
            return
        table = database.metadata.tables["caller_contexts"]
        while True:
            eventlet.sleep(self.purge_interval)
            try:
                with database.engine.begin() as connection:
                    connection.execute(delete(table).where(table.c.expires_at < datetime.now(timezone.utc)))
            except Exception as exc:  # the database may be away for a while; the next round tries again
                log.warning("could not delete expired caller contexts: %r", exc)


def _expiry(context):
    """Past this, the context is refused as expired: its id need not be kept longer."""
    return datetime.fromtimestamp(context.expires_at, timezone.utc) + timedelta(seconds=caller_context.LEEWAY + 1)


class ScopedRpc(Rpc):
    """nameko's ``Rpc`` with the service's :class:`CallerTrust` beside it."""

    caller_trust = CallerTrust()


def _admit(service, method_name, args):
    unit_of_work = getattr(service, UNIT_OF_WORK, None)
    entrypoint = getattr(unit_of_work, "entrypoint", None)
    if not isinstance(entrypoint, ScopedRpc):
        raise RuntimeError("scoped_rpc needs the service's Database as `db` (services.common.db.Database)")
    *arguments, token = args if args else (None,)
    return unit_of_work, arguments, entrypoint.caller_trust.admit(unit_of_work, method_name, arguments, token)


def scoped_rpc(method=None, *, write=False):
    """An RPC entrypoint whose last positional argument is the caller's signed
    context: ``def get_member(self, member_id, scope)`` receives the loaded
    ``Scope`` it carries, once the context is verified."""

    def decorate(method):
        @functools.wraps(method)
        @rules_as_service_errors
        def entrypoint(self, *args):
            unit_of_work, arguments, context = _admit(self, method.__name__, args)
            try:
                scope = load_scope(context.scope)
                if write and scope.idempotency_key:
                    return _once_per_key(unit_of_work, method.__name__, arguments, scope,
                                         lambda: method(self, *arguments, scope))
                return _in_transaction(unit_of_work, lambda: method(self, *arguments, scope))
            except Exception:
                # The call's transaction, and the context's id with it, is rolled
                # back; keep the id anyway, so a refused call cannot be replayed
                # either (once the state has changed, it might succeed).
                _keep_used(unit_of_work, context)
                raise

        return ScopedRpc.decorator(expected_exceptions=ServiceError)(entrypoint)

    return decorate(method) if method is not None else decorate


def _keep_used(unit_of_work, context):
    try:
        unit_of_work.rollback()
        unit_of_work.claim_caller_context(context.jti, context.issuer, _expiry(context))
        unit_of_work.commit()
    except Exception as exc:  # best effort: the call failed already, and that is what the caller hears
        log.warning("could not record a failed call's caller context: %r", exc)
        unit_of_work.rollback()


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
