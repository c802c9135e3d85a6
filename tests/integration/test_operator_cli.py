"""The operator's command, ``liudong``, on the real broker and PostgreSQL: dead
letters listed, shown and replayed without one being lost, and the outbox's
backlog read from a service's database, or an error row when it cannot be."""
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kombu import Connection, Producer, Queue
from sqlalchemy import insert

from contracts.events import Event
from persistence.engine import make_engine
from persistence.migrations import upgrade_to_head
from services.common import deadletter, operator
from services.common.messaging import (
    ATTEMPTS_HEADER,
    DEAD_LETTER_EXCHANGE,
    ERROR_HEADER,
    ORIGINAL_QUEUE_HEADER,
    dead_letter_queue,
)
from services.roster.models import outbox
from tests.support import dead_letters

ROOT = Path(__file__).resolve().parents[2]
SERVICE = "education"
HANDLER_QUEUE = "evt-roster-member_returned--education.enrol_returnee"
DEAD_DATABASE = "postgresql://postgres@127.0.0.1:1/nowhere"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def member_returned():
    return Event(source="roster", event_type="member_returned", data={
        "member_id": str(uuid.uuid4()), "departure_id": "3f0c8c4e-1d5e-4b8e-a0a4-2b9f8e7d6c51",
        "organisation_id": "7d9e3a1c-5b2f-4c6d-8e0f-1a2b3c4d5e6f", "returned_on": "2026-12-25",
        "departed_on": "2026-03-01", "departure_reported": True,
    }).envelope()


def dead_letter(amqp_uri, body, *, message_id, error, attempts=3, original_queue=HANDLER_QUEUE,
                routing_key="member_returned", content_type="application/json"):
    """Put a message in ``education.dead-letter`` as messaging's ``_dead_letter`` does: the
    raw body and its message id, with the reason and the origin in headers; confirmed."""
    raw = json.dumps(body).encode() if content_type == "application/json" else body
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        Producer(channel).publish(
            raw,
            exchange=DEAD_LETTER_EXCHANGE,
            routing_key=SERVICE,
            declare=[DEAD_LETTER_EXCHANGE, dead_letter_queue(SERVICE)],
            content_type=content_type,
            content_encoding=None if content_type == "application/octet-stream" else "utf-8",
            message_id=message_id,
            headers={
                ATTEMPTS_HEADER: attempts,
                ERROR_HEADER: error,
                ORIGINAL_QUEUE_HEADER: original_queue,
                "x-liudong-original-exchange": "roster.events",
                "x-liudong-original-routing-key": routing_key,
                "x-liudong-dead-lettered-at": "2026-03-01T10:00:00+00:00",
            },
        )


def declare(amqp_uri, name):
    with Connection(amqp_uri) as connection:
        Queue(name, durable=True)(connection.channel()).declare()


def take_all(amqp_uri, name):
    """Every message in queue ``name``, consumed."""
    with Connection(amqp_uri) as connection:
        queue = Queue(name, durable=True)(connection.channel())
        messages = []
        while (message := queue.get(no_ack=True)) is not None:
            messages.append(message)
        return messages


def ids_left(amqp_uri):
    return [body["event_id"] if isinstance(body, dict) else body for _headers, body in dead_letters(amqp_uri, SERVICE)]


def run(capsys, *argv):
    """``liudong *argv`` in this process: (exit status, stdout, stderr)."""
    status = operator.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def amqp_uri(rabbit_config):
    return rabbit_config["AMQP_URI"]


@pytest.fixture
def refused(amqp_uri):
    """Three events a handler of education refused, in the order they were dead-lettered."""
    envelopes = [member_returned() for _ in range(3)]
    for number, envelope in enumerate(envelopes, 1):
        dead_letter(amqp_uri, envelope, message_id=envelope["event_id"],
                    error=f"RuntimeError: the training register is down ({number})")
    return envelopes


# --- dead letters ---------------------------------------------------------------------


def test_dead_letters_are_listed_with_reason_and_event_type_and_stay_in_the_queue(amqp_uri, refused, capsys):
    dead_letter(amqp_uri, b"\x00not json", message_id="poison-1", error="ValidationError: not an envelope",
                attempts=1, routing_key="member_departed", content_type="application/octet-stream")

    status, out, _ = run(capsys, "dead-letters", "list", SERVICE, "--amqp-uri", amqp_uri, "--json")
    assert status == 0
    [report] = json.loads(out)
    assert report["service"] == SERVICE and report["error"] is None
    listed = report["messages"]
    assert [m["message_id"] for m in listed] == [e["event_id"] for e in refused] + ["poison-1"]
    assert [m["event_type"] for m in listed] == ["member_returned"] * 3 + ["member_departed"]  # the poison's from its headers
    assert listed[0]["error"] == "RuntimeError: the training register is down (1)"
    assert listed[0]["attempts"] == 3 and listed[3]["attempts"] == 1
    assert listed[0]["original_queue"] == HANDLER_QUEUE
    assert listed[0]["dead_lettered_at"] == "2026-03-01T10:00:00+00:00"

    # The table, for every service when none is named.
    status, out, _ = run(capsys, "dead-letters", "list", "--amqp-uri", amqp_uri)
    assert status == 0
    assert "roster.dead-letter: empty" in out and "education.dead-letter: 4 message(s)" in out
    row = next(line for line in out.splitlines() if line.startswith(refused[1]["event_id"]))
    assert "member_returned" in row and "RuntimeError: the training register is down (2)" in row

    # Listing twice changed nothing: all four are still there, in their order.
    assert ids_left(amqp_uri)[:3] == [e["event_id"] for e in refused] and len(ids_left(amqp_uri)) == 4


def test_the_old_deadletter_command_still_lists(amqp_uri, refused, capsys):
    assert deadletter.main(["list", SERVICE, "--amqp-uri", amqp_uri]) == 0
    [report] = json.loads(capsys.readouterr().out)
    assert [m["message_id"] for m in report["messages"]] == [e["event_id"] for e in refused]


def test_show_gives_one_dead_letter_whole_and_leaves_it(amqp_uri, refused, capsys):
    wanted = refused[1]
    status, out, _ = run(capsys, "dead-letters", "show", SERVICE, wanted["event_id"], "--amqp-uri", amqp_uri)
    assert status == 0
    shown = json.loads(out)
    assert shown["message_id"] == wanted["event_id"] and shown["event_type"] == "member_returned"
    assert shown["body"] == wanted  # parsed, not a string of JSON
    assert shown["headers"][ORIGINAL_QUEUE_HEADER] == HANDLER_QUEUE
    assert shown["headers"]["x-liudong-original-exchange"] == "roster.events"
    assert shown["properties"]["content_type"] == "application/json"
    assert shown["error"] == "RuntimeError: the training register is down (2)"
    assert ids_left(amqp_uri) == [e["event_id"] for e in refused]


def test_a_poison_message_is_shown_as_text(amqp_uri):
    dead_letter(amqp_uri, "没有信封 at all".encode(), message_id="poison-2", error="ValidationError: not an envelope",
                content_type="text/plain")
    shown = deadletter.show_dead_letter(amqp_uri, SERVICE, "poison-2")
    assert shown["body"] == "没有信封 at all"
    assert shown["event_type"] == "member_returned"  # from the original routing key


def test_an_unknown_id_is_not_found(amqp_uri, refused, capsys):
    assert deadletter.show_dead_letter(amqp_uri, SERVICE, "no-such-id") is None
    status, out, err = run(capsys, "dead-letters", "show", SERVICE, "no-such-id", "--amqp-uri", amqp_uri)
    assert status == 1 and out == ""
    assert "education.dead-letter holds no message with id no-such-id" in err
    assert len(ids_left(amqp_uri)) == 3


def test_replay_of_one_id_sends_exactly_that_message_back_with_attempts_reset(amqp_uri, refused, capsys):
    declare(amqp_uri, HANDLER_QUEUE)
    wanted = refused[1]

    status, out, _ = run(capsys, "dead-letters", "replay", SERVICE, wanted["event_id"], "--amqp-uri", amqp_uri)
    assert status == 0
    assert f"replayed {wanted['event_id']} (member_returned) to {HANDLER_QUEUE}" in out

    [replayed] = take_all(amqp_uri, HANDLER_QUEUE)
    assert json.loads(replayed.body) == wanted
    assert replayed.properties["message_id"] == wanted["event_id"]
    assert replayed.headers[ATTEMPTS_HEADER] == 0
    assert "x-delivery-count" not in replayed.headers  # the dead-letter queue's count, not the event's
    # The others are still dead letters, in their order.
    assert ids_left(amqp_uri) == [refused[0]["event_id"], refused[2]["event_id"]]


def test_replay_of_an_unknown_id_replays_nothing(amqp_uri, refused, capsys):
    declare(amqp_uri, HANDLER_QUEUE)
    assert deadletter.replay_dead_letters(amqp_uri, SERVICE, message_id="no-such-id") == 0
    status, _, err = run(capsys, "dead-letters", "replay", SERVICE, "no-such-id", "--amqp-uri", amqp_uri)
    assert status == 1 and "holds no message with id no-such-id" in err
    assert take_all(amqp_uri, HANDLER_QUEUE) == []
    assert ids_left(amqp_uri) == [e["event_id"] for e in refused]


def test_replay_all_empties_the_dead_letter_queue(amqp_uri, refused, capsys):
    declare(amqp_uri, HANDLER_QUEUE)
    status, out, _ = run(capsys, "dead-letters", "replay", SERVICE, "--all", "--amqp-uri", amqp_uri)
    assert status == 0
    assert "education: 3 message(s) replayed" in out
    assert dead_letters(amqp_uri, SERVICE) == []
    replayed = take_all(amqp_uri, HANDLER_QUEUE)
    assert [json.loads(m.body)["event_id"] for m in replayed] == [e["event_id"] for e in refused]
    assert {m.headers[ATTEMPTS_HEADER] for m in replayed} == {0}


def test_a_dead_letter_whose_queue_is_gone_stays(amqp_uri, capsys):
    envelope = member_returned()
    dead_letter(amqp_uri, envelope, message_id=envelope["event_id"], error="RuntimeError: down",
                original_queue="evt-roster-member_returned--education.removed_handler")
    status, _, err = run(capsys, "dead-letters", "replay", SERVICE, "--all", "--amqp-uri", amqp_uri)
    assert status == 1
    assert "queue evt-roster-member_returned--education.removed_handler does not exist" in err
    assert ids_left(amqp_uri) == [envelope["event_id"]]


def test_an_unknown_service_is_refused_with_the_known_ones(capsys):
    with pytest.raises(SystemExit) as refusal:
        operator.main(["dead-letters", "list", "payroll"])
    assert refusal.value.code == 2
    assert "unknown service 'payroll'; the services are: roster, education, scoring, outreach" in capsys.readouterr().err


# --- the outbox -------------------------------------------------------------------------


@pytest.fixture
def roster_database(database_url):
    """A database migrated as roster's, with two events sent and three waiting:
    the oldest an hour old and failing for the fourth time."""
    engine = make_engine(database_url)
    upgrade_to_head(engine, "services.roster:migrations")

    def row(created, published=None, attempts=0, last_error=None):
        event_id = str(uuid.uuid4())
        return {"event_id": event_id, "source": "roster", "event_type": "member_registered", "version": 1,
                "envelope": {"event_id": event_id}, "created_at": created, "published_at": published,
                "attempts": attempts, "last_error": last_error}

    with engine.begin() as connection:
        connection.execute(insert(outbox), [
            row(NOW - timedelta(hours=3), published=NOW - timedelta(hours=3), attempts=1),
            row(NOW - timedelta(hours=2), published=NOW - timedelta(hours=2), attempts=1),
            row(NOW - timedelta(hours=1), attempts=4, last_error="ConnectionError: the broker is down"),
            row(NOW - timedelta(minutes=1), attempts=1, last_error="ConnectionError: still down"),
            row(NOW - timedelta(seconds=5)),
        ])
    engine.dispose()
    return database_url


def test_the_outbox_report_gives_backlog_age_and_attempts(roster_database, monkeypatch):
    monkeypatch.setenv("LIUDONG_ROSTER_DATABASE_URL", roster_database)  # config/roster.yml reads it
    [row] = operator.outbox_report(["roster"], ROOT / "config", now=NOW)
    assert row == {
        "service": "roster",
        "database": roster_database,
        "error": None,
        "backlog": 3,
        "oldest_unsent_at": (NOW - timedelta(hours=1)).isoformat(),
        "oldest_unsent_age_seconds": 3600.0,
        "most_attempts": 4,
        "last_error": "ConnectionError: the broker is down",
        "last_published_at": (NOW - timedelta(hours=2)).isoformat(),
    }


def test_the_outbox_command_prints_the_report(roster_database, monkeypatch, capsys):
    monkeypatch.setenv("LIUDONG_ROSTER_DATABASE_URL", roster_database)
    status, out, _ = run(capsys, "outbox", "roster", "--json")
    assert status == 0
    [row] = json.loads(out)
    assert row["backlog"] == 3 and row["most_attempts"] == 4
    assert row["oldest_unsent_age_seconds"] >= (datetime.now(UTC) - NOW).total_seconds() + 3600 - 1

    status, out, _ = run(capsys, "outbox", "roster")
    assert status == 0
    header, line = out.splitlines()
    assert header.split()[:2] == ["SERVICE", "BACKLOG"]
    assert line.split()[:2] == ["roster", "3"] and line.endswith("ConnectionError: the broker is down")


def test_a_database_that_cannot_be_reached_is_an_error_row(roster_database, monkeypatch, capsys):
    monkeypatch.setenv("LIUDONG_ROSTER_DATABASE_URL", DEAD_DATABASE)
    monkeypatch.setenv("LIUDONG_EDUCATION_DATABASE_URL", roster_database)  # any database with an outbox
    status, out, _ = run(capsys, "outbox", "roster", "education", "--json")
    assert status == 1
    roster, education = json.loads(out)
    assert roster["service"] == "roster" and "backlog" not in roster
    assert roster["database"] == DEAD_DATABASE
    assert roster["error"].startswith("OperationalError: ") and "Connection refused" in roster["error"]
    assert education["error"] is None and education["backlog"] == 3  # one bad database spoils no other

    status, out, _ = run(capsys, "outbox", "roster")
    assert status == 1
    assert "cannot read the outbox: OperationalError" in out.splitlines()[1]


def test_the_sqlite_default_is_found_beside_the_config_directory(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "roster.yml").write_text("DATABASE_URL: ${LIUDONG_TEST_NO_SUCH_VARIABLE:sqlite:///var/roster.db}\n")
    [missing] = operator.outbox_report(["roster"], tmp_path / "config")
    assert missing["error"] == f"no SQLite database at {tmp_path / 'var' / 'roster.db'}: has the service run here?"
    assert not (tmp_path / "var" / "roster.db").exists()  # looking created no empty database

    (tmp_path / "var").mkdir()
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'roster.db'}")
    upgrade_to_head(engine, "services.roster:migrations")
    with engine.begin() as connection:
        connection.execute(insert(outbox), [{"event_id": "e1", "source": "roster", "event_type": "member_registered",
                                             "version": 1, "envelope": {}, "created_at": NOW - timedelta(minutes=2)}])
    engine.dispose()
    [row] = operator.outbox_report(["roster"], tmp_path / "config", now=NOW)
    assert (row["error"], row["backlog"], row["oldest_unsent_age_seconds"]) == (None, 1, 120.0)
    assert row["last_published_at"] is None and row["most_attempts"] == 0


# --- the installed command --------------------------------------------------------------


def command(*argv, **environment):
    return subprocess.run(argv, check=False, capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, **environment})


def test_the_console_script_is_installed():
    done = command(str(Path(sys.executable).parent / "liudong"), "--help")
    assert done.returncode == 0, done.stderr
    assert "dead-letters" in done.stdout and "outbox" in done.stdout


def test_the_command_runs_as_a_process_with_its_settings_from_the_environment(amqp_uri, refused, roster_database):
    done = command(sys.executable, "-m", "services.common.operator", "outbox", "roster", "--json",
                   LIUDONG_ROSTER_DATABASE_URL=roster_database)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["backlog"] == 3

    done = command(str(Path(sys.executable).parent / "liudong"), "dead-letters", "list", SERVICE, "--json",
                   LIUDONG_OPERATOR_AMQP_URI=amqp_uri, LIUDONG_AMQP_URI="amqp://guest:guest@127.0.0.1:1/")
    assert done.returncode == 0, done.stderr
    assert [m["message_id"] for m in json.loads(done.stdout)[0]["messages"]] == [e["event_id"] for e in refused]
