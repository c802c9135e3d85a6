"""手工记分: a branch's entry giving or taking points with a reason, which counts only once
another person approves it (审核); a correction is a new entry naming the line it
corrects, never an edit of the ledger.

Served by the scoring service; an entry names its member by id and carries no
personal data.
"""
from flask.views import MethodView

from contracts import scoring
from contracts.errors import ErrorCode
from gateway import audit
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "score_entries", __name__, url_prefix=f"{API_PREFIX}/score-entries",
    description="手工记分: a branch's points with a reason, approved or rejected by another person; an approval "
                "writes the ledger line",
)

ENTRY_NOT_FOUND = (ErrorCode.SCORE_ENTRY_NOT_FOUND, "also for an entry of a member outside the caller's organisations")


@blp.route("")
class ScoreEntries(MethodView):
    @blp.arguments(scoring.ScoreEntryCreateSchema)
    @blp.response(201, scoring.ScoreEntrySchema)
    @blp.calls(
        scoring.SERVICE_NAME,
        (ErrorCode.UNKNOWN_REFERENCE, "member_id names no member the caller sees, or corrects_line_id no line of theirs"),
        (ErrorCode.YEAR_CLOSED, "occurred_on is in a year already graded: its ledger is closed"),
        (ErrorCode.NO_RULE_SET, "occurred_on is before the county's first rule set"),
        idempotent=True,
    )
    @blp.requires(scoring.SCORE_ENTRIES_WRITE, operation_id="submitScoreEntry", audit_action="score_entries.submit",
                  resource_type="score_entry")
    def post(self, entry):
        """Submit an entry: points (at most 20 either way, one decimal place) under a category, with a reason
        and the day of what is scored (not in the future)

        It waits, ``pending``, for another person to approve or reject it. Announced as ``score_entry_submitted``.
        """
        return call(scoring.SERVICE_NAME, "submit_score_entry", scoring.ScoreEntryCreateSchema().dump(entry),
                    reply_schema=scoring.ScoreEntrySchema)

    @blp.arguments(scoring.ScoreEntryQuerySchema, location="query")
    @blp.response(200, scoring.ScoreEntryPageSchema)
    @blp.calls(scoring.SERVICE_NAME, (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees"))
    @blp.requires(scoring.SCORING_READ, operation_id="listScoreEntries")
    def get(self, query):
        """List entries of the caller's organisations (or of a subtree, a member, a state), earliest first

        ``state=pending``: the entries waiting for a decision, the approver's to-do list.
        """
        return call(scoring.SERVICE_NAME, "list_score_entries", scoring.ScoreEntryQuerySchema().dump(query),
                    reply_schema=scoring.ScoreEntryPageSchema)


@blp.route("/<uuid:entry_id>")
class ScoreEntry(MethodView):
    @blp.response(200, scoring.ScoreEntrySchema)
    @blp.calls(scoring.SERVICE_NAME, ENTRY_NOT_FOUND)
    @blp.requires(scoring.SCORING_READ, operation_id="getScoreEntry")
    def get(self, entry_id):
        """Get one entry, with who submitted it and who decided it"""
        return call(scoring.SERVICE_NAME, "get_score_entry", str(entry_id), reply_schema=scoring.ScoreEntrySchema)


@blp.route("/<uuid:entry_id>/decision")
class ScoreEntryDecision(MethodView):
    @blp.arguments(scoring.ScoreEntryDecisionSchema)
    @blp.response(200, scoring.ScoreEntrySchema)
    @blp.calls(
        scoring.SERVICE_NAME, ENTRY_NOT_FOUND,
        (ErrorCode.SEPARATION_OF_DUTIES, "no one approves their own entry: another person decides it"),
        (ErrorCode.NOT_PENDING, "the entry has been approved or rejected already"),
        (ErrorCode.YEAR_CLOSED, "an approval: the entry's year has been graded since it was submitted"),
        (ErrorCode.NO_RULE_SET, "an approval: the entry's day is before the county's first rule set"),
        idempotent=True,
    )
    @blp.requires(scoring.SCORE_ENTRIES_APPROVE, operation_id="decideScoreEntry",
                  audit_action="score_entries.decide", resource_type="score_entry")
    def post(self, decision, entry_id):
        """Approve or reject someone else's entry, once, with a note

        An approval credits the entry to the ledger (within its category's limits for the year; ``line_id``
        names the line). Announced as ``score_entry_decided``.
        """
        return call(scoring.SERVICE_NAME, "decide_score_entry", str(entry_id),
                    scoring.ScoreEntryDecisionSchema().dump(decision), reply_schema=scoring.ScoreEntrySchema)


@blp.route("/batch")
class ScoreEntryBatch(MethodView):
    @blp.arguments(scoring.ScoreEntryBatchSchema)
    @blp.response(200, scoring.ScoreEntryBatchResultSchema)
    @blp.calls(scoring.SERVICE_NAME, idempotent=True)
    @blp.requires(scoring.SCORE_ENTRIES_WRITE, operation_id="submitScoreEntries",
                  audit_action="score_entries.submit_batch", resource_type="score_entry")
    def post(self, payload):
        """Submit up to 500 entries at once (a branch's paper ledger, 纸质积分台账, entered in one go)

        One answer per item, in order: ``status`` 201 with the entry, or the 4xx status and ``error`` its
        single request would have had (nothing of a refused item is written). The batch itself is 422 only
        when ``items`` is not a list of 1 to 500 objects.
        """
        answer = call(scoring.SERVICE_NAME, "submit_score_entries", scoring.ScoreEntryBatchSchema().dump(payload),
                      reply_schema=scoring.ScoreEntryBatchResultSchema)
        return _audited_items("score_entries.submit_batch", answer, 201)


@blp.route("/decisions/batch")
class ScoreDecisionBatch(MethodView):
    @blp.arguments(scoring.ScoreDecisionBatchSchema)
    @blp.response(200, scoring.ScoreEntryBatchResultSchema)
    @blp.calls(scoring.SERVICE_NAME, idempotent=True)
    @blp.requires(scoring.SCORE_ENTRIES_APPROVE, operation_id="decideScoreEntries",
                  audit_action="score_entries.decide_batch", resource_type="score_entry")
    def post(self, payload):
        """Approve or reject up to 500 entries at once (the town checks a branch's ledger), each an entry_id
        beside the body of ``decideScoreEntry``

        One answer per item, in order: ``status`` 200 with the entry as decided, or the 4xx status and
        ``error`` its single request would have had: ``separation_of_duties`` for an entry the caller
        submitted, ``not_pending`` for one decided already.
        """
        answer = call(scoring.SERVICE_NAME, "decide_score_entries", scoring.ScoreDecisionBatchSchema().dump(payload),
                      reply_schema=scoring.ScoreEntryBatchResultSchema)
        return _audited_items("score_entries.decide_batch", answer, 200)


def _audited_items(action, answer, succeeded):
    """The batch's own record names each entry it wrote or decided, and the items it refused."""
    ids = [str(item["entry"]["id"]) for item in answer["items"] if item["status"] == succeeded]
    refused = {str(item["index"]): item["error"]["code"] for item in answer["items"] if item["status"] != succeeded}
    audit.record(f"{action}.items", outcome="succeeded", status=200, resource_type="score_entry", resource_ids=ids,
                 details={"refused": refused} if refused else None)
    return answer
