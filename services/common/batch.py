"""Batches at a service's edge: each item run on its own and answered with the
status and error its single request would have had.

A use case run per item must check every rule before it writes anything, so
that a refused item leaves nothing behind and the items that passed commit
together with their events (one transaction, the entrypoint's).
"""
from contracts.access import AUDIT_ONLY_DETAILS
from contracts.errors import HTTP_STATUS, RuleViolation, ServiceError


def refusal(index, exc):
    details = dict(exc.details) if isinstance(exc.details, dict) else exc.details
    if isinstance(details, dict):
        details.pop(AUDIT_ONLY_DETAILS, None)  # e.g. the hash index of a duplicate never leaves the service
    return {"index": index, "status": HTTP_STATUS.get(exc.code, 422),
            "error": {"code": exc.code, "message": exc.message, "details": details}}


def each_item(items, run, status=201, status_of=None):
    """``{"items": [...], "succeeded": n, "refused": m}``: ``run(item)`` answers the item's fields, with
    ``status`` (or ``status_of(fields)``: a repeat of something done already may answer 200)."""
    answers = []
    for index, item in enumerate(items):
        try:
            answered = run(item)
            answers.append({"index": index, "status": status_of(answered) if status_of else status, "error": None,
                            **answered})
        except (ServiceError, RuleViolation) as exc:
            answers.append(refusal(index, exc))
    succeeded = sum(1 for answer in answers if answer["error"] is None)
    return {"items": answers, "succeeded": succeeded, "refused": len(answers) - succeeded}
