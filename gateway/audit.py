"""The audit record, written from the request that caused it.

What is recorded (``action``):

- ``members.read`` / ``members.list``: a read that returned personal data in
  full: which members, which fields (``details.fields``). Reads where every
  personal field came back masked are not personal-data reads.
- ``members.lookup``: every lookup by ID number, found or not; never the ID
  number itself.
- ``members.export``: every export, with its filters and the number of rows.
- writes (``organisations.create``, ``members.register``,
  ``members.report_departure``, ``members.report_return``): an ``attempted``
  record before the call to the service and a ``succeeded`` or ``failed`` one
  after it, so that no write can happen without a record of it. A refusal's
  ``failed`` record carries what the service put under
  ``contracts.access.AUDIT_ONLY_DETAILS`` (a registration refused as
  ``duplicate_id_number``: ``id_number_index``, the keyed hash of the number,
  never the number), which the client's answer never does.
- ``access.*``: every change to users, API keys and grants, in the same
  transaction as the change.
- ``authentication.failed``: a credential that was sent and refused (not the
  absence of one); ``authorisation.denied``: a 403.

Writing a record is never skipped: when it fails, the request fails with a 500
and the reply (with its personal data) is not sent.
"""
from functools import wraps

from flask import current_app, g, request

from contracts.access import AUDIT_ONLY_DETAILS
from contracts.errors import HTTP_STATUS, ServiceError
from gateway.access import store

ACCESS_EXTENSION = "liudong.access"


def _request_values():
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    caller = g.get("principal")
    return {
        "principal": caller.principal if caller is not None else "anonymous",
        "endpoint": f"{request.method} {rule}"[:200],
        "request_id": g.get("request_id"),
        "remote_addr": request.remote_addr,
    }


def record(action, *, outcome, status=None, resource_type=None, resource_ids=(), details=None,
           principal=None, conn=None):
    """Append one record for the current request; raises when it cannot be written."""
    values = {
        **_request_values(),
        "action": action, "outcome": outcome, "status": status, "resource_type": resource_type,
        "resource_ids": [str(i) for i in resource_ids], "details": details or {},
    }
    if principal is not None:
        values["principal"] = principal
    if conn is not None:
        return store.insert_audit_record(conn, values)
    with current_app.extensions[ACCESS_EXTENSION].store.begin() as own:
        return store.insert_audit_record(own, values)


def audit_only(exc):
    """Take the audit-only details off a service's error: they go into the
    audit record and must not reach the client (``gateway.errors`` drops any
    left over)."""
    details = exc.details if isinstance(getattr(exc, "details", None), dict) else {}
    extra = details.pop(AUDIT_ONLY_DETAILS, None)
    return extra if isinstance(extra, dict) else {}


def revealed():
    """The personal fields this request's scope shows in full."""
    scope = g.get("scope") or {}
    return list(scope.get("reveal") or [])


def personal_data_read(action, member_ids, status=200, details=None):
    """Record a read of members whose personal data came back unmasked (if any did)."""
    fields = revealed()
    member_ids = [str(i) for i in member_ids]
    if not fields or not member_ids:
        return None
    return record(
        action, outcome="succeeded", status=status, resource_type="member", resource_ids=member_ids,
        details={"fields": fields, **(details or {})},
    )


def audited_write(function, requirement, success_status):
    """Wrap a write: a record before the call, and one with the outcome after it."""
    action, resource_type = requirement.audit_action, requirement.resource_type

    @wraps(function)
    def wrapper(*args, **kwargs):
        named = [str(value) for key, value in kwargs.items() if key.endswith("_id")]
        record(action, outcome="attempted", resource_type=resource_type, resource_ids=named)
        try:
            result = function(*args, **kwargs)
        except ServiceError as exc:
            record(
                action, outcome="failed", status=HTTP_STATUS.get(exc.code, 500), resource_type=resource_type,
                resource_ids=named, details={**audit_only(exc), "error": exc.code},
            )
            raise
        except Exception:
            record(
                action, outcome="failed", status=500, resource_type=resource_type, resource_ids=named,
                details={"error": "internal_error"},
            )
            raise
        details = {}
        created = result.get("id") if isinstance(result, dict) else None
        if created is not None and named:
            details["result_id"] = str(created)
        if revealed():
            details["fields"] = revealed()
        record(
            action, outcome="succeeded", status=success_status(), resource_type=resource_type,
            resource_ids=named or ([str(created)] if created is not None else []), details=details,
        )
        return result

    return wrapper
