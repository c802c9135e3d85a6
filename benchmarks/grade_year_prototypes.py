"""Prototypes of a quicker ``services.scoring.grading.grade_year``, measured by
``benchmarks/grade_year.py --variants``: not the service's code.

Both keep what grading does: one ``INSERT ... SELECT`` of the grades (the service's
own statement), one ``member_graded`` per grade and one ``follow_up_opened`` per
follow-up written to the outbox in the grading's transaction, then the run
completed and ``grading_run_completed`` through ``add_event``. They differ in how
the envelopes are made and checked against ``contracts.events``:

- ``bulk``: in Python, without marshmallow per event: each grade's data is
  built from its row (ids checked to be canonical UUIDs, row by row), the first
  event of every batch of ``BATCH`` goes through ``Event.envelope`` (the
  contract's schema, load and dump) and must give exactly the data the fast
  path gave; the envelopes are serialised with ``json.dumps`` and written, with
  the follow-ups, by COPY (PostgreSQL) in the unit of work's transaction.
- ``server``: in PostgreSQL, with ``INSERT ... SELECT``: the follow-ups from
  the grades, then each event's envelope built by ``json_build_object`` (ids
  cast through ``uuid``, so a malformed one fails the statement; the score as
  numeric text with its one decimal place; dates in ISO form), its event id by
  ``gen_random_uuid()``. The contract is checked once per statement: the last
  envelope written of each type is loaded with ``load_envelope`` and must equal
  the one ``Event.envelope`` makes from the same row, event id and time.
"""
import io
import json
import time
import uuid
from collections import defaultdict
from datetime import datetime, timezone

from sqlalchemy import bindparam, func, insert, literal, select, text, update

from contracts.events import Event, load_envelope
from contracts.scoring import GRADES
from contracts.scoring_events import FOLLOW_UP_OPENED, MEMBER_GRADED, SOURCE
from services.common.clock import new_id
from services.scoring import grading, usecases
from services.scoring.domain import grading as rules
from services.scoring.domain.events import GradingRunCompleted
from services.scoring.models import grades, grading_runs, members

BATCH = 1000
# Seconds spent in COPY per table (the benchmark's statement meter sees only SQLAlchemy's statements).
COPY_SECONDS = defaultdict(float)


def _grade(db, run_id):
    """The start of grade_year, as the service has it: the run, its rule set, and the grades' INSERT ... SELECT."""
    run = db.session.execute(select(grading_runs).where(grading_runs.c.id == str(run_id))).first()
    if run is None or run.state == grading.COMPLETED:
        return None
    year, year_end = run.year, rules.year_end(run.year)
    rule_set = usecases.rule_set_on(db, year_end)
    totals = grading.yearly_totals(year)
    score = grading.score_expression(rule_set, totals.c.total)
    graded = (select(literal(year), members.c.member_id, literal(run.id), members.c.organisation_id,
                     score, grading.grade_expression(rule_set.bands, score))
              .select_from(members.outerjoin(totals, totals.c.member_id == members.c.member_id))
              .where(grading.on_the_roll(year_end)))
    db.session.execute(insert(grades).from_select(
        ["year", "member_id", "run_id", "organisation_id", "score", "grade"], graded))
    return run, rule_set


def _complete(db, run, rule_set, counts, clock):
    db.session.execute(update(grading_runs).where(grading_runs.c.id == run.id).values(
        state=grading.COMPLETED, completed_at=clock.now(), rule_set_id=rule_set.id, graded=sum(counts.values()),
        **counts))
    db.add_event(GradingRunCompleted(run_id=run.id, year=run.year, graded=sum(counts.values()), **counts))


def _occurred_at():
    return Event(source=SOURCE, event_type=MEMBER_GRADED, data={}).occurred_at


def _check_same(event_type, data, fast_data):
    """The contract's own data for one event (``Event.envelope``: schema load and dump) against the fast path's."""
    contract = Event(source=SOURCE, event_type=event_type, data=data).envelope()["data"]
    if contract != fast_data:
        raise AssertionError(f"{event_type}: the fast path gave {fast_data}, the contract {contract}")


def _uuid(value):
    if str(uuid.UUID(value)) != value:
        raise ValueError(f"not a canonical UUID: {value!r}")
    return value


def _copy(db, table, columns, lines):
    began = time.perf_counter()
    buffer = io.StringIO("".join(lines))
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
    cursor.close()
    COPY_SECONDS[table] += time.perf_counter() - began


def _field(value):
    return "\\N" if value is None else str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


OUTBOX_COLUMNS = ["event_id", "source", "event_type", "version", "envelope", "created_at"]


def _outbox_line(event_type, data, occurred_at, created_at):
    event_id = str(uuid.uuid4())
    envelope = {"event_id": event_id, "event_type": event_type, "version": 1, "occurred_at": occurred_at,
                "source": SOURCE, "data": data}
    return f"{event_id}\t{SOURCE}\t{event_type}\t1\t{_field(json.dumps(envelope))}\t{created_at}\n"


def grade_year_bulk(db, run_id, clock):
    started = _grade(db, run_id)
    if started is None:
        return
    run, rule_set = started
    year, today = run.year, clock.today()
    counts = dict.fromkeys(GRADES, 0)
    occurred = _occurred_at()
    occurred_at, created_at = occurred.isoformat(), datetime.now(timezone.utc).isoformat()
    outbox_lines, follow_up_lines = [], []
    rows = db.session.execute(select(grades.c.member_id, grades.c.organisation_id, grades.c.score, grades.c.grade)
                              .where(grades.c.run_id == run.id)).all()
    for number, row in enumerate(rows):
        counts[row.grade] += 1
        data = {"run_id": run.id, "member_id": _uuid(row.member_id), "organisation_id": _uuid(row.organisation_id),
                "year": year, "score": str(row.score), "grade": row.grade}
        if number % BATCH == 0:
            _check_same(MEMBER_GRADED, {**data, "score": row.score}, data)
        outbox_lines.append(_outbox_line(MEMBER_GRADED, data, occurred_at, created_at))
        due = rules.follow_up(row.grade, today, rule_set.follow_up_due_days)
        if due is not None:
            follow_up_id = new_id()
            follow_up_lines.append("\t".join(_field(v) for v in (
                follow_up_id, row.member_id, row.organisation_id, year, row.grade, due.kind, today.isoformat(),
                due.due_on.isoformat(), rules.OPEN)) + "\n")
            opened = {"follow_up_id": follow_up_id, "member_id": row.member_id,
                      "organisation_id": row.organisation_id, "year": year, "grade": row.grade, "kind": due.kind,
                      "due_on": due.due_on.isoformat()}
            if len(follow_up_lines) % BATCH == 1:
                _check_same(FOLLOW_UP_OPENED, {**opened, "due_on": due.due_on}, opened)
            outbox_lines.append(_outbox_line(FOLLOW_UP_OPENED, opened, occurred_at, created_at))
    _copy(db, "follow_ups", ["id", "member_id", "organisation_id", "year", "grade", "kind", "opened_on", "due_on",
                             "state"], follow_up_lines)
    _copy(db, "outbox", OUTBOX_COLUMNS, outbox_lines)
    _complete(db, run, rule_set, counts, clock)


MEMBER_GRADED_SQL = """
INSERT INTO outbox (event_id, source, event_type, version, envelope, created_at)
SELECT e.event_id, :source, :event_type, 1, json_build_object(
    'event_id', e.event_id, 'event_type', :event_type, 'version', 1, 'occurred_at', :occurred_at, 'source', :source,
    'data', json_build_object(
        'run_id', CAST(CAST(:run_id AS uuid) AS text), 'member_id', CAST(CAST(e.member_id AS uuid) AS text),
        'organisation_id', CAST(CAST(e.organisation_id AS uuid) AS text), 'year', e.year,
        'score', CAST(round(e.score, 1) AS text), 'grade', e.grade)), :created_at
FROM (SELECT CAST(gen_random_uuid() AS text) AS event_id, grades.* FROM grades WHERE grades.run_id = :run_id) AS e
"""

FOLLOW_UPS_SQL = """
INSERT INTO follow_ups (id, member_id, organisation_id, year, grade, kind, opened_on, due_on, state)
SELECT CAST(gen_random_uuid() AS text), member_id, organisation_id, year, grade, {kind}, :today, :today + {days}, :open
FROM grades WHERE run_id = :run_id AND grade IN :graded
"""

FOLLOW_UP_OPENED_SQL = """
INSERT INTO outbox (event_id, source, event_type, version, envelope, created_at)
SELECT e.event_id, :source, :event_type, 1, json_build_object(
    'event_id', e.event_id, 'event_type', :event_type, 'version', 1, 'occurred_at', :occurred_at, 'source', :source,
    'data', json_build_object(
        'follow_up_id', CAST(CAST(e.id AS uuid) AS text), 'member_id', CAST(CAST(e.member_id AS uuid) AS text),
        'organisation_id', CAST(CAST(e.organisation_id AS uuid) AS text), 'year', e.year, 'grade', e.grade,
        'kind', e.kind, 'due_on', to_char(e.due_on, 'YYYY-MM-DD'))), :created_at
FROM (SELECT CAST(gen_random_uuid() AS text) AS event_id, follow_ups.* FROM follow_ups
      WHERE follow_ups.year = :year AND follow_ups.opened_on = :today) AS e
"""


def _check_written(db, event_type):
    """The last envelope of ``event_type`` written, loaded with the contract, against ``Event.envelope`` of its row."""
    envelope = db.session.execute(text("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY id DESC LIMIT 1"),
                                  {"t": event_type}).scalar()
    if envelope is None:
        return
    loaded = load_envelope(envelope)
    data = {name: str(value) if isinstance(value, uuid.UUID) else value for name, value in loaded["data"].items()}
    expected = Event(source=SOURCE, event_type=event_type, data=data,
                     event_id=envelope["event_id"], occurred_at=loaded["occurred_at"]).envelope()
    if expected != envelope:
        raise AssertionError(f"{event_type}: the statement wrote {envelope}, the contract makes {expected}")


def grade_year_server(db, run_id, clock):
    started = _grade(db, run_id)
    if started is None:
        return
    run, rule_set = started
    year, today = run.year, clock.today()
    kinds = rules.FOLLOW_UP_OF_GRADE
    days = {grade: int(rule_set.follow_up_due_days[kind]) for grade, kind in kinds.items()}
    case_of = "CASE grade {} END".format
    follow_ups_sql = FOLLOW_UPS_SQL.format(
        kind=case_of(" ".join(f"WHEN '{grade}' THEN '{kind}'" for grade, kind in kinds.items())),
        days=case_of(" ".join(f"WHEN '{grade}' THEN {days[grade]}" for grade in kinds)))
    db.session.execute(text(follow_ups_sql).bindparams(bindparam("graded", expanding=True)),
                       {"run_id": run.id, "today": today, "open": rules.OPEN, "graded": list(kinds)})
    common = {"source": SOURCE, "occurred_at": _occurred_at().isoformat(), "created_at": datetime.now(timezone.utc)}
    db.session.execute(text(MEMBER_GRADED_SQL), {**common, "event_type": MEMBER_GRADED, "run_id": run.id})
    db.session.execute(text(FOLLOW_UP_OPENED_SQL), {**common, "event_type": FOLLOW_UP_OPENED, "year": year,
                                                    "today": today})
    _check_written(db, MEMBER_GRADED)
    _check_written(db, FOLLOW_UP_OPENED)
    counts = dict.fromkeys(GRADES, 0)
    counts.update(db.session.execute(select(grades.c.grade, func.count()).where(grades.c.run_id == run.id)
                                     .group_by(grades.c.grade)).all())
    _complete(db, run, rule_set, counts, clock)


VARIANTS = {"bulk": grade_year_bulk, "server": grade_year_server}
