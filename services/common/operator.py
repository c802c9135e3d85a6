"""``liudong``: the operator's command, for every service of the platform.

    liudong dead-letters list [SERVICE ...] [--json]
    liudong dead-letters show SERVICE MESSAGE_ID
    liudong dead-letters replay SERVICE (MESSAGE_ID | --all)
    liudong outbox [SERVICE ...] [--json]

The two places where an event can wait without anyone noticing: the
dead-letter queue of a service (events its handlers refused, which wait for a
fix and a replay) and its outbox (events committed but not yet published, which
wait for the broker). Both are kept per service; an operator wants them for all
services at once, so each command takes service names and, given none, covers
every service of ``contracts.platform.SERVICES``.

Dead letters are read through the broker (``services.common.deadletter``, which
never loses one); the outbox is read straight from each service's database, at
the ``DATABASE_URL`` of its config file, so it answers while the service is
down too, which is when it matters.

Exit status: 0 done; 1 a service could not be read, a message is not there or
was left unreplayed; 2 a usage error.
"""
import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import column, func, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from contracts.platform import SERVICES
from contracts.text import escape_invisible
from persistence.engine import make_engine
from persistence.schema import UTCDateTime
from services.common import deadletter

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REASON_WIDTH = 80
DATABASE_CONNECT_TIMEOUT = 5  # seconds: a database that does not answer is reported, not waited on

# Only the columns the report reads (services.common.tables.outbox_table has them all).
outbox = table(
    "outbox",
    column("id"),
    column("created_at", UTCDateTime()),
    column("published_at", UTCDateTime()),
    column("attempts"),
    column("last_error"),
)


class ConfigError(Exception):
    """A service's config file is missing or does not name a usable database."""


# --- the outbox ---------------------------------------------------------------------


def default_config_dir():
    """The checkout's ``config/``; from an installed package (the image), the one the
    processes run beside, ``./config``."""
    beside_code = PROJECT_ROOT / "config"
    return beside_code if beside_code.is_dir() else Path("config")


def load_config(path):
    """A service's nameko config, with ``${VAR:default}`` read from the environment as ``nameko run`` does."""
    import yaml
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()
    try:
        with open(path, encoding="utf-8") as stream:
            return yaml.safe_load(stream) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None


def database_url(service_name, config_dir):
    """The service's ``DATABASE_URL``. A relative SQLite path is taken from the
    directory the services run in, the one holding the config directory, so the
    command finds the same file from wherever it is run."""
    path = Path(config_dir) / f"{service_name}.yml"
    url = load_config(path).get("DATABASE_URL")
    if not url:
        raise ConfigError(f"{path} has no DATABASE_URL")
    url = make_url(str(url))
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ConfigError(f"{path}: DATABASE_URL names no SQLite file")
        file = Path(url.database)
        if not file.is_absolute():
            file = Path(config_dir).resolve().parent / file
        # Connecting would create an empty database where there was none.
        if not file.exists():
            raise ConfigError(f"no SQLite database at {file}: has the service run here?")
        url = url.set(database=str(file))
    return url


def _error_text(exc):
    """One line: the driver's own message (SQLAlchemy's wrapper adds the statement and a link)."""
    cause = getattr(exc, "orig", None) or exc
    return " ".join(f"{type(cause).__name__}: {cause}".split())


def outbox_state(url, now=None):
    """The outbox of one database: its backlog (unsent rows), the age of the
    oldest, the most attempts among them, the last error of the oldest failing
    one and the time of the last publish."""
    now = now or datetime.now(UTC)
    # make_engine sets SQLite's connect_args itself.
    options = {"connect_args": {"connect_timeout": DATABASE_CONNECT_TIMEOUT}} if url.get_backend_name() == "postgresql" else {}
    engine = make_engine(url.render_as_string(hide_password=False), **options)
    unsent = outbox.c.published_at.is_(None)
    try:
        with engine.connect() as connection:
            # The partial index on unsent rows (ix_outbox_unpublished) keeps these to the backlog.
            backlog, oldest, most_attempts = connection.execute(
                select(func.count(), func.min(outbox.c.created_at), func.max(outbox.c.attempts)).where(unsent)).one()
            last_error = connection.scalar(
                select(outbox.c.last_error).where(unsent, outbox.c.last_error.is_not(None)).order_by(outbox.c.id).limit(1))
            # The relay publishes in id order, so the newest sent row is the last publish (to within
            # a batch when several instances relay); found by the key, not by scanning every sent row.
            last_published = connection.scalar(
                select(outbox.c.published_at).where(outbox.c.published_at.is_not(None)).order_by(outbox.c.id.desc()).limit(1))
    finally:
        engine.dispose()
    return {
        "backlog": backlog,
        "oldest_unsent_at": oldest.isoformat() if oldest else None,
        "oldest_unsent_age_seconds": round((now - oldest).total_seconds(), 3) if oldest else None,
        "most_attempts": most_attempts,
        "last_error": last_error,
        "last_published_at": last_published.isoformat() if last_published else None,
    }


def outbox_report(service_names, config_dir, now=None):
    """One row per service; a service whose database cannot be read has an ``error`` instead of figures."""
    rows = []
    for name in service_names:
        row = {"service": name, "database": None, "error": None}
        try:
            url = database_url(name, config_dir)
            row["database"] = url.render_as_string(hide_password=True)
            row.update(outbox_state(url, now))
        except (ConfigError, SQLAlchemyError, OSError, ImportError) as exc:  # ImportError: no driver for the URL
            row["error"] = str(exc) if isinstance(exc, ConfigError) else _error_text(exc)
        rows.append(row)
    return rows


def _print_outbox(rows):
    table_rows = []
    for row in rows:
        if row["error"]:
            table_rows.append([row["service"], "?", "?", "?", "?", f"cannot read the outbox: {row['error']}"])
            continue
        age = row["oldest_unsent_age_seconds"]
        table_rows.append([
            row["service"], row["backlog"], "-" if age is None else f"{age:.0f}", row["most_attempts"],
            _timestamp(row["last_published_at"]), row["last_error"],
        ])
    print(_table(["SERVICE", "BACKLOG", "OLDEST UNSENT (S)", "MOST ATTEMPTS", "LAST PUBLISH", "LAST ERROR"],
                 table_rows))


def run_outbox(args):
    rows = outbox_report(args.services or _all_services(), args.config_dir)
    if args.json:
        _print_json(rows)
    else:
        _print_outbox(rows)
    return 1 if any(row["error"] for row in rows) else 0


# --- dead letters -------------------------------------------------------------------


def run_list(args):
    status = 0
    report = []
    errors = deadletter.broker_errors()
    for name in args.services or _all_services():
        entry = {"service": name, "queue": f"{name}.dead-letter", "messages": [], "error": None}
        try:
            entry["messages"] = deadletter.list_dead_letters(args.amqp_uri, name, args.limit)
        except errors as exc:
            entry["error"] = _broker_error_text(exc)
            status = 1
        report.append(entry)
    if args.json:
        _print_json(report)
        return status
    for number, entry in enumerate(report):
        if number:
            print()
        if entry["error"]:
            print(f"{entry['queue']}: cannot be read: {entry['error']}")
            continue
        messages = entry["messages"]
        print(f"{entry['queue']}: {len(messages)} message(s)" if messages else f"{entry['queue']}: empty")
        if messages:
            print(_table(["MESSAGE ID", "EVENT TYPE", "ATTEMPTS", "DEAD-LETTERED AT", "REASON"],
                         [[m["message_id"], m["event_type"], m["attempts"], _timestamp(m["dead_lettered_at"]),
                           _truncated(m["error"], REASON_WIDTH)] for m in messages]))
    return status


def run_show(args):
    try:
        message = deadletter.show_dead_letter(args.amqp_uri, args.service, args.message_id)
    except deadletter.broker_errors() as exc:
        print(f"liudong: {args.service}.dead-letter cannot be read: {_broker_error_text(exc)}", file=sys.stderr)
        return 1
    if message is None:
        print(f"liudong: {args.service}.dead-letter holds no message with id {escape_invisible(args.message_id)}",
              file=sys.stderr)
        return 1
    _print_json(message)
    return 0


def run_replay(args):
    try:
        outcome = deadletter.replay(args.amqp_uri, args.service, limit=args.limit, message_id=args.message_id)
    except deadletter.broker_errors() as exc:
        # What was replayed before the failure is gone from the queue; `list` shows what is left.
        print(f"liudong: replay from {args.service}.dead-letter stopped: {_broker_error_text(exc)}", file=sys.stderr)
        return 1
    for message in outcome.replayed:
        print(f"replayed {_plain(message['message_id'])} ({_plain(message['event_type'])}) "
              f"to {_plain(message['original_queue'])}")
    for message in outcome.left:
        print(f"left {_plain(message['message_id'])} ({_plain(message['event_type'])}) in "
              f"{args.service}.dead-letter: {_plain(message['reason'])}", file=sys.stderr)
    print(f"{args.service}: {len(outcome.replayed)} message(s) replayed")
    if args.message_id is not None and not outcome.replayed and not outcome.left:
        print(f"liudong: {args.service}.dead-letter holds no message with id {escape_invisible(args.message_id)}",
              file=sys.stderr)
        return 1
    return 1 if outcome.left else 0


def _broker_error_text(exc):
    return " ".join(f"{type(exc).__name__}: {exc}".split())


# --- output -------------------------------------------------------------------------


def _all_services():
    return [spec.name for spec in SERVICES]


def _print_json(value):
    # default=str: AMQP headers may carry timestamps and decimals.
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _plain(value):
    """A value for one cell or line: what a message carried may hold newlines or a
    terminal's escape sequences, shown as escapes instead."""
    if value is None or value == "":
        return "-"
    return escape_invisible(" ".join(str(value).split()))


def _truncated(value, width):
    text = _plain(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def _timestamp(value):
    """An ISO timestamp to the second in UTC; anything else (a header is what a message says) as it is."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + ("Z" if moment.tzinfo is not None else "")


def _table(headings, rows):
    """Left-aligned columns; the last one unpadded, as it is the long one."""
    cells = [[_plain(value) for value in row] for row in rows]
    widths = [max([len(heading)] + [len(row[i]) for row in cells]) for i, heading in enumerate(headings)]
    lines = []
    for row in [headings, *cells]:
        lines.append("  ".join(value.ljust(width) for value, width in zip(row[:-1], widths)) + "  " + row[-1])
    return "\n".join(line.rstrip() for line in lines)


# --- the command line ---------------------------------------------------------------


def service_name(text):
    names = _all_services()
    if text not in names:
        raise argparse.ArgumentTypeError(f"unknown service {text!r}; the services are: {', '.join(names)}")
    return text


def make_parser():
    parser = argparse.ArgumentParser(
        prog="liudong",
        description="Operator tools for every service of the platform: the dead letters its handlers\n"
                    "refused and the events its outbox has not yet published.",
        epilog="Examples:\n"
               "  liudong dead-letters list\n"
               "  liudong dead-letters show roster 0c1b1f8e-7a59-4a4e-9c52-0d8a3b1b6e01\n"
               "  liudong dead-letters replay education --all\n"
               "  liudong outbox roster --json\n\n"
               "Exit status: 0 done; 1 a service could not be read, a message is not there or was not\n"
               "replayed; 2 a usage error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    service_help = f"one of {', '.join(_all_services())}"
    services_help = f"any of {', '.join(_all_services())} (default: all of them)"

    broker = argparse.ArgumentParser(add_help=False)
    broker.add_argument(
        "--amqp-uri", default=deadletter.default_amqp_uri(), metavar="URI",
        # Not %(default)s: that would print the URI found in the environment, password and all.
        help="the broker, as a user that may read every dead-letter queue (default: $LIUDONG_OPERATOR_AMQP_URI, "
             f"else $LIUDONG_AMQP_URI, else {deadletter.DEFAULT_AMQP_URI})")

    dead_letters = commands.add_parser(
        "dead-letters", help="list, show and replay the events a service's handlers refused",
        description="The events a service's handlers refused for good or gave up on after their retries wait in "
                    "<service>.dead-letter with the reason. List and show leave them there; replay sends them "
                    "back to the queue they failed on once the cause is fixed (handlers are idempotent, so a "
                    "replay is safe).")
    actions = dead_letters.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser(
        "list", parents=[broker], help="the dead letters of some or all services, oldest first",
        description="The dead letters of each service, oldest first: message id, event type, attempts, when it "
                    "was dead-lettered and why. They stay in the queue.")
    listing.add_argument("services", nargs="*", type=service_name, metavar="SERVICE", help=services_help)
    listing.add_argument("--limit", type=int, metavar="N", help="at most N messages per service")
    listing.add_argument("--json", action="store_true", help="machine-readable output, with each message's body")
    listing.set_defaults(run=run_list)

    show = actions.add_parser(
        "show", parents=[broker], help="one dead letter whole, as JSON",
        description="One dead letter whole, as JSON: every header and property and the body (parsed when it is "
                    "JSON). It stays in the queue. Exit status 1 when the queue holds no message with that id.")
    show.add_argument("service", type=service_name, metavar="SERVICE", help=service_help)
    show.add_argument("message_id", metavar="MESSAGE_ID", help="the message id (an event's event_id)")
    show.set_defaults(run=run_show)

    replaying = actions.add_parser(
        "replay", parents=[broker], help="send dead letters back to the queues they failed on",
        # argparse cannot draw a choice between a positional and an option.
        usage="liudong dead-letters replay [-h] [--amqp-uri URI] SERVICE (MESSAGE_ID | --all [--limit N])",
        description="Send one dead letter, or all of them, back to the queue it failed on with its attempt count "
                    "reset; each leaves the dead-letter queue only once the broker has confirmed the copy. "
                    "Exit status 1 when the id is not there or a message could not be replayed (it stays).")
    replaying.add_argument("service", type=service_name, metavar="SERVICE", help=service_help)
    which = replaying.add_mutually_exclusive_group(required=True)
    which.add_argument("message_id", nargs="?", metavar="MESSAGE_ID", help="replay this message only")
    which.add_argument("--all", action="store_true", help="replay every message (or the first --limit)")
    replaying.add_argument("--limit", type=int, metavar="N", help="with --all: at most N messages")
    replaying.set_defaults(run=run_replay, check=_check_replay, command_parser=replaying)

    outbox_command = commands.add_parser(
        "outbox", help="the events each service has committed but not yet published",
        description="Per service, from its database: the backlog (events committed but not yet published), the "
                    "age of the oldest in seconds, the most publish attempts among them and the last error of the "
                    "oldest failing one, and when the relay last published. A database that cannot be read is "
                    "reported as such, and the exit status is then 1.")
    outbox_command.add_argument("services", nargs="*", type=service_name, metavar="SERVICE", help=services_help)
    outbox_command.add_argument(
        "--config-dir", type=Path, default=default_config_dir(), metavar="DIR",
        help="where the services' config files are, <service>.yml, whose DATABASE_URL is read with its "
             "${VAR:default} taken from the environment (default: %(default)s)")
    outbox_command.add_argument("--json", action="store_true", help="machine-readable output")
    outbox_command.set_defaults(run=run_outbox)
    return parser


def _check_replay(args):
    if args.limit is not None and not args.all:
        return "--limit goes with --all"
    return None


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    problem = args.check(args) if hasattr(args, "check") else None
    if problem:
        args.command_parser.error(problem)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
