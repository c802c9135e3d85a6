"""Manual entries: a branch gives or takes points with a reason; another person
approves (a ledger line follows) or rejects. Rules: ``domain.entries``."""
from sqlalchemy import select, update

from contracts import scoring as contract
from contracts.errors import ErrorCode, RuleViolation
from services.common.batch import each_item
from services.common.clock import new_id
from services.common.rpc import load
from services.scoring import ledger, usecases
from services.scoring.domain import entries as rules
from services.scoring.domain.events import ScoreEntryDecided, ScoreEntrySubmitted
from services.scoring.models import ledger_lines, score_entries


def submit(db, command, clock, scope):
    member = usecases.visible_member(db, command["member_id"], scope, field="member_id")
    rules.check_submission(command["occurred_on"], clock.today(), usecases.closed_years(db))
    usecases.rule_set_on(db, command["occurred_on"])  # no_rule_set: before the county's first rule set
    corrects = command.get("corrects_line_id")
    if corrects is not None:
        line = db.session.execute(select(ledger_lines.c.member_id).where(ledger_lines.c.id == str(corrects))).first()
        if line is None or line.member_id != member.member_id:
            raise RuleViolation(ErrorCode.UNKNOWN_REFERENCE, "corrects_line_id names no line of this member",
                                {"corrects_line_id": ["no such line on the member's ledger"]})
    entry_id = new_id()
    db.session.execute(score_entries.insert().values(
        id=entry_id, member_id=member.member_id, organisation_id=member.organisation_id,
        category=command["category"], points=command["points"], occurred_on=command["occurred_on"],
        reason=command["reason"], corrects_line_id=str(corrects) if corrects else None, state=rules.PENDING,
        submitted_by=scope.principal, submitted_at=clock.now()))
    db.add_event(ScoreEntrySubmitted(
        entry_id=entry_id, member_id=member.member_id, organisation_id=member.organisation_id,
        category=command["category"], points=command["points"], occurred_on=command["occurred_on"],
        corrects_line_id=str(corrects) if corrects else None))
    return get(db, entry_id, scope)


def _visible(db, entry_id, scope):
    row = db.session.execute(select(score_entries).where(score_entries.c.id == str(entry_id))).first()
    if row is None or not usecases.sees_member_of(db, scope, row.member_id, row.organisation_id):
        raise RuleViolation(ErrorCode.SCORE_ENTRY_NOT_FOUND, f"score entry {entry_id} not found")
    return row


def get(db, entry_id, scope):
    return dict(_visible(db, entry_id, scope)._mapping)


def decide(db, entry_id, command, clock, scope):
    """Approve (the entry becomes a ledger line) or reject; never by the person who submitted it."""
    row = _visible(db, entry_id, scope)
    rules.check_decision(row.state, row.submitted_by, scope.principal)
    if command["decision"] == "approved" and row.occurred_on.year in usecases.closed_years(db):
        raise RuleViolation(ErrorCode.YEAR_CLOSED, f"{row.occurred_on.year} has been graded since the entry was made")
    line_id = None
    if command["decision"] == "approved":
        line_id = ledger.credit(
            db, clock, member_id=row.member_id, organisation_id=row.organisation_id, rule="manual",
            occurred_on=row.occurred_on, source_event_id=row.id, source_event_type="score_entry_decided",
            category=row.category, points=row.points, reason=row.reason)
    decided = {"state": command["decision"], "decided_by": scope.principal, "decided_at": clock.now(),
               "decision_note": command.get("note"), "line_id": line_id}
    db.session.execute(update(score_entries).where(score_entries.c.id == row.id).values(**decided))
    db.add_event(ScoreEntryDecided(entry_id=row.id, member_id=row.member_id, organisation_id=row.organisation_id,
                                   decision=command["decision"], decided_on=clock.today()))
    return {**row._mapping, **decided}


def list_entries(db, query, scope):
    statement = select(score_entries).where(
        usecases.scope_clause(db, scope, score_entries.c.organisation_id, score_entries.c.member_id))
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)
        statement = statement.where(usecases.within(db, query["organisation_id"], score_entries.c.organisation_id))
    if query.get("member_id"):
        statement = statement.where(score_entries.c.member_id == str(query["member_id"]))
    if query.get("state"):
        statement = statement.where(score_entries.c.state == query["state"])
    return usecases.paged(db, statement, query, (score_entries.c.submitted_at, score_entries.c.id))


def submit_batch(db, payload, clock, scope):
    items = load(contract.ScoreEntryBatchSchema(), payload)["items"]
    schema = contract.ScoreEntryCreateSchema()  # one per batch: building a schema costs more than loading an item
    return each_item(items, lambda item: {"entry": submit(db, load(schema, item), clock, scope)})


def decide_batch(db, payload, clock, scope):
    items = load(contract.ScoreDecisionBatchSchema(), payload)["items"]
    schema = contract.ScoreDecisionItemSchema()

    def run(item):
        command = load(schema, item)
        return {"entry": decide(db, command["entry_id"], command, clock, scope)}

    return each_item(items, run, status=200)
