"""Year-end grading (``services.scoring.grading.grade_year``) against one plain SQL
aggregate over the same ledger, in the same run.

A throwaway PostgreSQL database at scoring's head (its own migrations) is loaded with
``--members`` members (the ``members`` projection) and about ``--lines`` ledger lines
each for last year (COPY; the ledger's indexes built after it), spread over the rule
set's four categories and its rules, with the caps applied as crediting applies them,
so that the grades spread (about 18% excellent, 64% qualified, 9% warned, 9%
unqualified; 1.5% of the members are off the roll by the year's end, not graded).
Then ``--repeats`` times, in an order that rotates from one repeat to the next:

- ``aggregate`` (the baseline): ``SELECT member_id, SUM(points) FROM ledger_lines
  WHERE year = :y GROUP BY member_id``, every row fetched;
- ``grading``: the service's ``grade_year(db, run_id, clock)`` on a fresh grading
  run (state ``requested``) through a ``services.common.db.UnitOfWork`` built as
  the ``Database`` provider builds it (scoring's tables, scoring's ``EVENTS``),
  then its ``commit`` (which writes the outbox rows). A fixed clock;
- with ``--variants``, also the prototypes of ``grade_year_prototypes.py``
  (``prototype bulk``, ``prototype server``), timed the same way.

Before each measurement (not timed) the grades, follow-ups, outbox rows and the
grading run are removed (``TRUNCATE`` / ``DELETE``) and a ``CHECKPOINT`` is taken,
so each grading does the same work and no measurement pays for another's writes.
Grading is broken down into: the ``INSERT ... SELECT`` of the grades; what follows
it to the end of ``grade_year`` (the per-member loop: reading the grades back,
``add_event`` for each event, the follow-ups insert, the rest); and the commit (the
outbox rows' INSERT, the COMMIT, and the rest: building the rows and serialising the
envelopes). Each grader's outbox is checked in the first repeat (not timed): one
``member_graded`` per grade and one ``follow_up_opened`` per follow-up, with the
grade's data, and every envelope loaded by ``contracts.events.load_envelope``.

    .venv/bin/python benchmarks/grade_year.py                              # 100,000 x 30, ~3 minutes
    .venv/bin/python benchmarks/grade_year.py --members 5000 --repeats 2    # a quick look
    .venv/bin/python -m benchmarks.grade_year --variants "grading,prototype bulk,prototype server" --json /tmp/g.json
    .venv/bin/python benchmarks/grade_year.py --keep                       # keep the loaded database, then
    .venv/bin/python benchmarks/grade_year.py --database postgresql://postgres@127.0.0.1:5432/liudong_bench_grading_...

The database is dropped at the end, also on Ctrl-C, SIGTERM or SIGHUP (unless
``--keep`` or ``--database``).
"""
import argparse
import io
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from sqlalchemy import event, func, select, text  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from benchmarks import grade_year_prototypes as prototypes  # noqa: E402
from benchmarks.common import (  # noqa: E402
    handle_termination,
    log,
    machine_notes,
    median,
    run,
    shielded,
    spread,
    write_json,
)
from contracts.events import load_envelope  # noqa: E402
from persistence.engine import make_engine  # noqa: E402
from persistence.migrations import upgrade_to_head  # noqa: E402
from services.common.clock import new_id  # noqa: E402
from services.common.db import UnitOfWork  # noqa: E402
from services.scoring import grading  # noqa: E402
from services.scoring.models import follow_ups, grades, grading_runs, metadata  # noqa: E402
from services.scoring.usecases import EVENTS  # noqa: E402
from tests.support import create_database, drop_database  # noqa: E402

MIGRATIONS = "services.scoring:migrations"
AGGREGATE, GRADING = "aggregate", "grading"  # GRADING: the service's own grade_year
GRADERS = {GRADING: grading.grade_year, **{f"prototype {name}": grade for name, grade in prototypes.VARIANTS.items()}}
outbox = metadata.tables["outbox"]
AGGREGATE_SQL = "SELECT member_id, SUM(points) FROM ledger_lines WHERE year = :y GROUP BY member_id"

# ---- the data ----------------------------------------------------------------------------

# (rule, category, points in tenths, cap per month in tenths or None, weight, source, source event type), as
# services.scoring.domain.defaults.DEFAULT_DOCUMENT has them. The weights favour the rules capped by month, so
# that a member active in few months hits those caps: how many months a member is active spreads the grades.
RULES = [
    ("session_attended", "organisational_life", 20, 40, 5, "education", "session_attended"),
    ("study_recorded", "organisational_life", 10, 20, 5, "education", "study_recorded"),
    ("training_attended", "organisational_life", 20, None, 0.2, "education", "training_attended"),
    ("contact_kept", "role", 10, 10, 4, "roster", "contact_recorded"),
    ("volunteer_service", "role", 20, None, 0.5, "roster", "volunteer_service_recorded"),
    ("help_given", "role", 20, None, 0.2, "roster", "help_given"),
    ("departure_reported_in_advance", "duty", 30, None, 0.2, "roster", "member_departed"),
    ("checked_in_in_time", "duty", 30, None, 0.2, "roster", "member_checked_in"),
    ("return_reported", "duty", 20, None, 0.2, "roster", "member_returned"),
    ("talk_held", "duty", 20, None, 0.2, "roster", "talk_held"),
]
WEIGHTS = [rule[4] for rule in RULES]
CATEGORY_MAXIMUM = {"organisational_life": 200, "role": 100, "duty": 100}  # tenths
ACTIVE_MONTHS, ACTIVE_MONTHS_WEIGHTS = [1, 2, 3, 4, 6, 9, 12], [25, 22, 18, 13, 10, 7, 5]
DISCIPLINED = 0.25  # share of members with a manual discipline line
DISCIPLINE = [50, 100, 150, 200, 300, 400]  # tenths taken away
ORGANISATIONS = 500
MEMBERS_PER_COPY = 5000


def tenths(value):
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 10}.{value % 10}"


def copy_rows(cursor, table, columns, rows):
    buffer = io.StringIO()
    buffer.writelines("\t".join(row) + "\n" for row in rows)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


MEMBER_COLUMNS = ["member_id", "organisation_id", "status", "status_effective_on", "registered_on", "updated_at"]
LINE_COLUMNS = ["id", "member_id", "organisation_id", "year", "occurred_on", "category", "rule", "points",
                "rule_points", "capped_by", "source", "source_event_id", "source_event_type", "rule_set_id", "reason",
                "credited_at"]
NULL = "\\N"


def member_lines(rng, member_id, organisation_id, year, rule_set_id, lines):
    """About ``lines`` ledger lines of one member's year, credited in date order within the caps."""
    months = rng.sample(range(1, 13), rng.choices(ACTIVE_MONTHS, ACTIVE_MONTHS_WEIGHTS)[0])
    count = rng.randint(max(1, lines * 4 // 5), lines * 6 // 5)
    dated = sorted((date(year, rng.choice(months), rng.randint(1, 28)), rng.choices(RULES, WEIGHTS)[0])
                   for _ in range(count))
    in_category, in_period = defaultdict(int), defaultdict(int)
    for occurred_on, (rule, category, points, period_cap, _weight, source, event_type) in dated:
        credited, capped_by = points, NULL
        if period_cap is not None:
            room = max(0, period_cap - in_period[rule, occurred_on.month])
            in_period[rule, occurred_on.month] += points
            if room < credited:
                credited, capped_by = room, "period"
        room = max(0, CATEGORY_MAXIMUM[category] - in_category[category])
        if room < credited:
            credited, capped_by = room, "category"
        in_category[category] += credited
        day = occurred_on.isoformat()
        yield (str(uuid.uuid4()), member_id, organisation_id, str(year), day, category, rule, tenths(credited),
               tenths(points), capped_by, source, str(uuid.uuid4()), event_type, rule_set_id, NULL, day + " 09:00:00+00")
    if rng.random() < DISCIPLINED:
        day = date(year, rng.randint(1, 12), rng.randint(1, 28)).isoformat()
        points = tenths(-rng.choice(DISCIPLINE))
        yield (str(uuid.uuid4()), member_id, organisation_id, str(year), day, "discipline", "manual", points, points,
               NULL, "manual", str(uuid.uuid4()), "score_entry_decided", rule_set_id,
               "benchmark: a discipline entry", day + " 09:00:00+00")


def load(engine, members, lines, year, seed):
    """Members and their ledger lines, by COPY; the ledger's indexes built after it. Answers the line count."""
    rng = random.Random(seed)
    organisations = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(ORGANISATIONS)]
    year_end = date(year, 12, 31)
    loaded = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SELECT id FROM rule_sets ORDER BY effective_from LIMIT 1")  # the migration's first version
        rule_set_id = cursor.fetchone()[0]
        # Drop the ledger's indexes and constraints for the load and build them again after it, as the migration
        # declared them: building an index once is much quicker than 3 million random inserts into it.
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'ledger_lines'::regclass AND contype IN ('p', 'u')")
        constraints = cursor.fetchall()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ledger_lines'")
        indexes = [(name, definition) for name, definition in cursor.fetchall()
                   if name not in {constraint for constraint, _ in constraints}]
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE ledger_lines DROP CONSTRAINT "{name}"')
        raw.commit()
        for start in range(0, members, MEMBERS_PER_COPY):
            member_rows, line_rows = [], []
            for number in range(start, min(members, start + MEMBERS_PER_COPY)):
                member_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                organisation_id = organisations[number % ORGANISATIONS]
                status, effective_on, registered_on = "normal", NULL, date(year - 1 - number % 30, 7, 1).isoformat()
                share = rng.random()
                if share < 0.01:  # removed during the year: off the roll, not graded
                    status, effective_on = "removed", date(year, 9, 1).isoformat()
                elif share < 0.02:  # suspended only from next year: graded
                    status, effective_on = "suspended", date(year + 1, 1, 10).isoformat()
                elif share < 0.03:  # joined during the year: graded
                    registered_on = date(year, 6, 1).isoformat()
                elif share < 0.035:  # registered after the year: not graded, no lines
                    registered_on = date(year + 1, 2, 1).isoformat()
                member_rows.append((member_id, organisation_id, status, effective_on, registered_on,
                                    f"{year_end.isoformat()} 12:00:00+00"))
                if registered_on <= year_end.isoformat():
                    line_rows.extend(member_lines(rng, member_id, organisation_id, year, rule_set_id, lines))
            copy_rows(cursor, "members", MEMBER_COLUMNS, member_rows)
            copy_rows(cursor, "ledger_lines", LINE_COLUMNS, line_rows)
            raw.commit()
            loaded += len(line_rows)
            if (start // MEMBERS_PER_COPY) % 4 == 3 or start + MEMBERS_PER_COPY >= members:
                log(f"loaded {min(members, start + MEMBERS_PER_COPY)} members, {loaded} lines")
        began = time.perf_counter()
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE ledger_lines ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            cursor.execute(definition)
        raw.commit()
        log(f"ledger indexes built again in {time.perf_counter() - began:.1f} s")
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        began = time.perf_counter()
        connection.exec_driver_sql("VACUUM (ANALYZE) members")
        connection.exec_driver_sql("VACUUM (ANALYZE) ledger_lines")
        log(f"VACUUM ANALYZE in {time.perf_counter() - began:.1f} s")
    return loaded


# ---- the measurements ----------------------------------------------------------------------

@dataclass(frozen=True)
class FixedClock:
    at: datetime

    def now(self):
        return self.at

    def today(self):
        return self.at.date()


def statement_kind(statement):
    head = " ".join(statement.split()[:3]).upper()
    if head.startswith("INSERT INTO GRADES"):
        return "insert_select"
    if head.startswith("SELECT GRADES."):
        return "read_grades"
    if head.startswith("INSERT INTO FOLLOW_UPS"):
        return "follow_ups_insert"
    if head.startswith("INSERT INTO OUTBOX"):
        return "outbox_insert"
    return "other_sql"


class Meter:
    """Time spent in the database driver per kind of statement, and in COMMIT, while ``on``."""

    def __init__(self, engine):
        self.times, self.statements, self.on = defaultdict(float), Counter(), False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        do_commit = engine.dialect.do_commit

        def timed_commit(dbapi_connection):
            began = time.perf_counter()
            try:
                return do_commit(dbapi_connection)
            finally:
                if self.on:
                    self.times["commit_sql"] += time.perf_counter() - began

        engine.dialect.do_commit = timed_commit

    def reset(self):
        self.times.clear()
        self.statements.clear()

    def _before(self, connection, _cursor, _statement, _parameters, _context, _executemany):
        connection.info["bench_began"] = time.perf_counter()

    def _after(self, connection, _cursor, statement, _parameters, _context, _executemany):
        began = connection.info.pop("bench_began", None)
        if self.on and began is not None:
            kind = statement_kind(statement)
            self.times[kind] += time.perf_counter() - began
            self.statements[kind] += 1


def clean(engine):
    """Remove what a grading wrote (not timed), and checkpoint so that no side pays for the other's writes."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("TRUNCATE grades, follow_ups, outbox")
        connection.exec_driver_sql("DELETE FROM grading_runs")
        connection.exec_driver_sql("CHECKPOINT")


def time_aggregate(engine, year):
    clean(engine)
    with engine.connect() as connection:
        began = time.perf_counter()
        rows = connection.execute(text(AGGREGATE_SQL), {"y": year}).all()
        seconds = time.perf_counter() - began
        connection.rollback()
    return {"seconds": seconds, "rows": len(rows)}


def time_grading(engine, sessions, meter, year, clock, grade_year=grading.grade_year, check=False):
    clean(engine)
    run_id = new_id()
    with engine.begin() as connection:
        connection.execute(grading_runs.insert().values(id=run_id, year=year, state=grading.REQUESTED,
                                                        requested_by="benchmark", requested_at=clock.now()))
    db = UnitOfWork(sessions, metadata.tables, events=EVENTS)
    add_event, in_add_event = db.add_event, [0.0, 0]

    def timed_add_event(domain_event):
        began = time.perf_counter()
        add_event(domain_event)
        in_add_event[0] += time.perf_counter() - began
        in_add_event[1] += 1

    db.add_event = timed_add_event
    meter.reset()
    prototypes.COPY_SECONDS.clear()
    meter.on = True
    try:
        began = time.perf_counter()
        grade_year(db, run_id, clock)
        graded = time.perf_counter()
        meter.times["follow_ups_insert"] += prototypes.COPY_SECONDS["follow_ups"]  # the bulk prototype's COPY
        meter.times["outbox_insert"] += prototypes.COPY_SECONDS["outbox"]
        commit_times = dict(meter.times)
        db.commit()
        committed = time.perf_counter()
    finally:
        meter.on = False
        db.close()
    times = dict(meter.times)
    grade_year_s, commit_s = graded - began, committed - graded
    loop_s = grade_year_s - times.get("insert_select", 0.0) - commit_times.get("other_sql", 0.0)
    outbox_in_commit = times.get("outbox_insert", 0.0) - commit_times.get("outbox_insert", 0.0)
    result = {
        "seconds": committed - began,
        "grade_year": grade_year_s,
        "insert_select": times.get("insert_select", 0.0),
        "other_sql": commit_times.get("other_sql", 0.0),
        "loop": loop_s,
        "read_grades": times.get("read_grades", 0.0),
        "add_event": in_add_event[0],
        "add_event_calls": in_add_event[1],
        "follow_ups_insert": times.get("follow_ups_insert", 0.0),
        "outbox_insert_in_loop": commit_times.get("outbox_insert", 0.0),
        "loop_rest": loop_s - times.get("read_grades", 0.0) - in_add_event[0] - times.get("follow_ups_insert", 0.0)
        - commit_times.get("outbox_insert", 0.0),
        "commit": commit_s,
        "outbox_insert": outbox_in_commit,
        "commit_sql": times.get("commit_sql", 0.0),
        "commit_rest": commit_s - outbox_in_commit - times.get("commit_sql", 0.0),
        "statements": dict(meter.statements),
    }
    with engine.connect() as connection:
        result["grades"] = connection.scalar(select(func.count()).select_from(grades))
        result["follow_ups"] = connection.scalar(select(func.count()).select_from(follow_ups))
        result["outbox"] = connection.scalar(select(func.count()).select_from(outbox))
        result["by_grade"] = dict(connection.execute(select(grades.c.grade, func.count()).group_by(grades.c.grade)).all())
        if check:
            check_outbox(connection, result)
    return result


def check_outbox(connection, result):
    """Every envelope loads with the contract; one member_graded per grade, one follow_up_opened per follow-up."""
    began = time.perf_counter()
    kinds, graded, opened = Counter(), set(), set()
    for (envelope,) in connection.execute(select(outbox.c.envelope)).yield_per(10000):
        loaded = load_envelope(envelope)
        kinds[loaded["event_type"]] += 1
        if loaded["event_type"] == "member_graded":
            graded.add((str(loaded["data"]["member_id"]), loaded["data"]["grade"], str(loaded["data"]["score"])))
        elif loaded["event_type"] == "follow_up_opened":
            opened.add(str(loaded["data"]["follow_up_id"]))
    expected_grades = {(row.member_id, row.grade, str(row.score))
                       for row in connection.execute(select(grades.c.member_id, grades.c.grade, grades.c.score))}
    expected_opened = set(connection.execute(select(follow_ups.c.id)).scalars())
    assert graded == expected_grades, "member_graded events differ from the grades"
    assert opened == expected_opened, "follow_up_opened events differ from the follow-ups"
    assert kinds == {"member_graded": len(expected_grades), "follow_up_opened": len(expected_opened),
                     "grading_run_completed": 1}, kinds
    result["checked"] = {"envelopes": sum(kinds.values()), "seconds": time.perf_counter() - began}
    log(f"outbox checked: {dict(kinds)}, every envelope loads with contracts.events.load_envelope "
        f"({time.perf_counter() - began:.1f} s)")


def aggregate_plan(engine, year):
    with engine.connect() as connection:
        plan = connection.execute(text("EXPLAIN " + AGGREGATE_SQL), {"y": year}).scalars().all()
        connection.rollback()
    return plan


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000, help="members on the roll [100000]")
    parser.add_argument("--lines", type=int, default=30, help="ledger lines per member, on average [30]")
    parser.add_argument("--repeats", type=int, default=3, help="timings of each side, alternating [3]")
    parser.add_argument("--variants", default=GRADING,
                        help=f"what to time beside the aggregate, comma-separated, of: {', '.join(GRADERS)} "
                             f"(benchmarks/grade_year_prototypes.py) [{GRADING}]")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end (prints its URL)")
    parser.add_argument("--database", metavar="URL",
                        help="time on a database an earlier run loaded and kept (--keep), without loading; kept too")
    parser.add_argument("--json", help="also write the raw per-repeat figures here")
    return parser.parse_args()


def main():
    args = parse_args()
    variants = [name.strip() for name in args.variants.split(",") if name.strip()]
    unknown = [name for name in variants if name not in GRADERS]
    if unknown or not variants:
        raise SystemExit(f"unknown variants {unknown}: choose from {', '.join(GRADERS)}")
    handle_termination()
    clock = FixedClock(datetime.now(timezone.utc).replace(month=1, day=20, hour=2, minute=0, second=0, microsecond=0))
    year = clock.today().year - 1
    notes = machine_notes({"members": args.members, "lines": args.lines, "repeats": args.repeats, "year": year})
    url = args.database or create_database("liudong_bench_grading")
    engine = make_engine(url)  # the services' own engine settings
    try:
        if args.database:
            with engine.connect() as connection:
                notes["members"] = connection.scalar(text("SELECT count(*) FROM members"))
                notes["ledger_lines"] = connection.scalar(text("SELECT count(*) FROM ledger_lines"))
                notes["load_seconds"] = float("nan")
            log(f"reusing {url}: {notes['members']} members, {notes['ledger_lines']} ledger lines")
        else:
            upgrade_to_head(engine, MIGRATIONS, metadata=metadata)
            began = time.perf_counter()
            notes["ledger_lines"] = load(engine, args.members, args.lines, year, args.seed)
            notes["load_seconds"] = time.perf_counter() - began
            log(f"loaded {args.members} members and {notes['ledger_lines']} ledger lines in "
                f"{notes['load_seconds']:.0f} s")
        notes["aggregate_plan"] = aggregate_plan(engine, year)
        sessions = sessionmaker(bind=engine, expire_on_commit=False)  # as services.common.db.Database
        meter = Meter(engine)
        time_aggregate(engine, year)  # warm-up: the ledger into the caches
        rounds = []
        sides = [AGGREGATE, *variants]
        for number in range(args.repeats):
            shift = number % len(sides)  # the order rotates from one repeat to the next
            order = sides[shift:] + sides[:shift]
            round_ = {"order": " then ".join(order), "ratio": {}}
            for side in order:
                if side == AGGREGATE:
                    round_[side] = time_aggregate(engine, year)
                else:
                    round_[side] = time_grading(engine, sessions, meter, year, clock, GRADERS[side], check=number == 0)
            for variant in variants:
                g = round_[variant]
                round_["ratio"][variant] = g["seconds"] / round_[AGGREGATE]["seconds"]
                log(f"repeat {number + 1}: {variant} {g['seconds']:.2f} s (insert-select {g['insert_select']:.2f}, "
                    f"loop {g['loop']:.2f}, commit {g['commit']:.2f}), aggregate {round_[AGGREGATE]['seconds']:.2f} s, "
                    f"ratio {round_['ratio'][variant]:.2f}")
            rounds.append(round_)
        notes["load_average_after"] = machine_notes()["load_average"]
    finally:
        shielded(engine.dispose)()
        if args.keep or args.database:
            log(f"kept {url}")
        else:
            shielded(drop_database)(url)
    report(notes, rounds, variants)
    write_json(args.json, {"notes": notes, "rounds": rounds})


def seconds(value):
    return f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def report(notes, rounds, variants):
    def m(side, key):
        return median([r[side][key] for r in rounds])

    def cell(side, key):
        values = [r[side][key] for r in rounds]
        return f"{seconds(median(values))} ({seconds(min(values))}–{seconds(max(values))})"

    print(f"\n{notes['date']}, load {notes['load_average']} before, {notes['load_average_after']} after; "
          f"commit {notes['commit']}; {notes['cpu']}; Python {notes['python']}\n`{notes['command']}`\n")
    g = rounds[0][variants[0]]
    reused = notes["load_seconds"] != notes["load_seconds"]  # NaN: --database
    loaded = "on an earlier run's database" if reused else f"loaded in {notes['load_seconds']:.0f} s"
    print(f"{notes['members']} members, {notes['ledger_lines']} ledger lines of {notes['year']} "
          f"({loaded}); graded {g['grades']} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(g['by_grade'].items()))}), {g['follow_ups']} follow-ups, "
          f"{g['outbox']} outbox rows\n")
    print("aggregate plan: " + " / ".join(line.strip() for line in notes["aggregate_plan"]) + "\n")
    print("| repeat | order | aggregate s | " + " | ".join(f"{v} s | ratio" for v in variants) + " |")
    print("|---|---|---|" + "---|---|" * len(variants))
    for number, r in enumerate(rounds, 1):
        print(f"| {number} | {r['order']} | {seconds(r[AGGREGATE]['seconds'])} | "
              + " | ".join(f"{seconds(r[v]['seconds'])} | {r['ratio'][v]:.2f}" for v in variants) + " |")
    medians = []
    for v in variants:
        ratios = [r["ratio"][v] for r in rounds]
        medians.append(f"**{seconds(m(v, 'seconds'))}** | **{median(ratios):.2f}** ({spread(ratios)})")
    print(f"| **median** | | **{seconds(m(AGGREGATE, 'seconds'))}** | " + " | ".join(medians) + " |\n")
    print("| where the time goes, s: median (range) | " + " | ".join(variants) + " |")
    print("|---|" + "---|" * len(variants))
    for label, key in [
        ("total", "seconds"),
        ("`INSERT ... SELECT` of the grades", "insert_select"),
        ("other statements before the commit (the run, the rule set, the run completed; prototypes: counts, checks)", "other_sql"),
        ("after it, to the end of grade_year (the per-member loop)", "loop"),
        ("&nbsp;&nbsp;reading the grades back (driver)", "read_grades"),
        ("&nbsp;&nbsp;`add_event` (build each event, validate it against the contract)", "add_event"),
        ("&nbsp;&nbsp;the follow-ups `INSERT` (driver)", "follow_ups_insert"),
        ("&nbsp;&nbsp;outbox rows written before the commit (driver)", "outbox_insert_in_loop"),
        ("&nbsp;&nbsp;the rest (rows, rules, ids, envelopes, SQLAlchemy)", "loop_rest"),
        ("`commit`", "commit"),
        ("&nbsp;&nbsp;the outbox `INSERT` (driver)", "outbox_insert"),
        ("&nbsp;&nbsp;`COMMIT`", "commit_sql"),
        ("&nbsp;&nbsp;the rest (outbox rows built, envelopes serialised to JSON, SQLAlchemy)", "commit_rest"),
    ]:
        print(f"| {label} | " + " | ".join(
            f"{cell(v, key)}, {m(v, key) / m(v, 'seconds'):.0%}" for v in variants) + " |")
    for v in variants:
        g = rounds[0][v]
        print(f"\n{v}: {g['add_event_calls']} add_event calls; statements {g['statements']}")


if __name__ == "__main__":
    run(main)
