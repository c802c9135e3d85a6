"""The checker of the return wave, Jepsen-style: what the wave was told (every return answered 201, with the
departure it closed) against what each service holds once the platform has drained, read from each service's
own database.

For every accepted return there must be exactly one of each effect: roster's closed departure and its
``member_returned`` event, the member ``normal`` again; education's enrolment in the winter training; scoring's
``return_reported`` credit; outreach's homecoming visit and reserve-cadre review. Every effect must name a return
roster recorded for a member of the wave (no effect without its cause). Duplicate *deliveries* are expected (a
killed consumer's unacked messages come again, a relay killed after the broker's confirm publishes again) and
counted from the services' logs; duplicate *effects* must be none. Dead letters are listed with their reason:
the poison message the suite sent must be there, in every service that subscribes to returns, and nothing else.
"""
import re
import uuid
from collections import Counter, defaultdict

import kombu
import requests

from services.common.deadletter import list_dead_letters
from tests.support import RABBIT_API, rows, wait_for

POISON_MARK = "chaos-poison"
SUBSCRIBERS_OF_RETURNS = ("education", "scoring", "outreach")

# (service, effect, SQL answering (member_id, the return it names)); the return is named by its departure id
# or by the event id of roster's member_returned, as each service records it.
EFFECTS = (
    ("roster", "return recorded", "SELECT member_id, id FROM departures WHERE returned_on IS NOT NULL", "departure"),
    ("roster", "member_returned announced",
     "SELECT envelope->'data'->>'member_id', event_id FROM outbox WHERE event_type = 'member_returned'", "event"),
    ("education", "enrolled in winter training",
     "SELECT member_id, departure_id FROM enrolments WHERE cause = 'member_returned'", "departure"),
    ("scoring", "return credited",
     "SELECT member_id, source_event_id FROM ledger_lines WHERE rule = 'return_reported'", "event"),
    ("outreach", "homecoming visit scheduled",
     "SELECT member_id, cause_event_id FROM visits WHERE cause = 'homecoming'", "event"),
    ("outreach", "reserve review opened",
     "SELECT member_id, cause_id FROM reserve_reviews WHERE cause = 'member_returned'", "departure"),
)


def publish_poison(platform):
    """A ``member_returned`` whose data no schema accepts, on roster's exchange as roster would send it."""
    event_id = str(uuid.uuid4())
    body = {"event_id": event_id, "event_type": "member_returned", "version": 1, "source": "roster",
            "occurred_at": "2026-12-03T00:00:00+00:00", "data": {"member_id": POISON_MARK, "departure_id": 7}}
    with kombu.Connection(platform.amqp_uri, connect_timeout=5, transport_options={"confirm_publish": True}) as conn:
        exchange = kombu.Exchange("roster.events", type="topic", durable=True)
        kombu.Producer(conn.channel()).publish(body, exchange=exchange, routing_key="member_returned",
                                               serializer="json", message_id=event_id, delivery_mode=2)
    platform.poison_event_id = event_id
    # The fault lasts until every service that takes returns has dead-lettered it (the wave goes on meanwhile).
    wait_for(lambda: all(any(letter["message_id"] == event_id for letter in list_dead_letters(platform.amqp_uri, service))
                         for service in SUBSCRIBERS_OF_RETURNS), timeout=120, message="the poison to be dead-lettered",
             interval=0.2)


# ---- waiting for the platform to drain -----------------------------------------------------------------

def _unsent(platform):
    return sum(rows(url, "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0]
               for url in platform.database_urls.values())


def _queued(platform):
    """Messages ready or being handled in every queue of the vhost but the dead letters (retry queues included)."""
    answer = requests.get(f"{RABBIT_API}/api/queues/{requests.utils.quote(platform.vhost, safe='')}",
                          params={"columns": "name"}, timeout=10)
    answer.raise_for_status()
    names = [queue["name"] for queue in answer.json() if not queue["name"].endswith(".dead-letter")]
    total = 0
    with kombu.Connection(platform.amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        for name in names:
            try:
                total += channel.queue_declare(name, passive=True).message_count
            except Exception:  # noqa: BLE001 - an exclusive reply queue gone meanwhile
                channel = connection.channel()
    return total


def settled(platform, timeout=300):
    """Nothing left to publish and nothing queued, three times in a row (a handler busy with the last
    message has it unacked, not queued; the next look finds what it published)."""
    quiet = []

    def calm():
        quiet.append(_unsent(platform) == 0 and _queued(platform) == 0)
        return len(quiet) >= 3 and all(quiet[-3:])

    wait_for(calm, timeout=timeout, message="the platform to settle", interval=1.0)


def drained(platform, wave, timeout=900):
    """Every accepted return's effects all there and the platform settled; or the deadline (the check then
    reports what is missing)."""
    def complete():
        found = effects(platform, set(wave.accepted))
        return all(len(found[effect]) >= len(wave.accepted) for effect in found)

    try:
        wait_for(complete, timeout=timeout, message="every effect of every return", interval=2.0)
        settled(platform, timeout=timeout)
    except AssertionError:
        pass


# ---- the check ---------------------------------------------------------------------------------------

def effects(platform, members):
    """effect name -> {member id: [the return each of its rows names]}, for the wave's members."""
    found = {}
    for service, effect, sql, _ in EFFECTS:
        by_member = defaultdict(list)
        for member_id, cause in rows(platform.database_urls[service], sql):
            if member_id in members:
                by_member[member_id].append(cause)
        found[effect] = by_member
    return found


def duplicate_deliveries(platform):
    """Events a handler was given again and skipped (its inbox had them): per service, per handler."""
    seen = {}
    for service in platform.instances:
        handlers = Counter(re.findall(r"(\S+) already handled event", platform.logs(service)))
        if handlers:
            seen[service] = dict(handlers)
    return seen


def check(platform, wave):
    members = set(wave.members)
    accepted = wave.accepted  # member -> departure id
    found = effects(platform, members)
    # roster's returns as its events name them: event id -> departure id
    returns = {event_id: departure_id for event_id, departure_id in rows(
        platform.database_urls["roster"],
        "SELECT event_id, envelope->'data'->>'departure_id' FROM outbox WHERE event_type = 'member_returned'")}
    departures = set(returns.values())
    effects_report = {}
    for service, effect, _, named_by in EFFECTS:
        by_member = found[effect]
        lost = sorted(member for member in accepted if not by_member.get(member))
        duplicated = sorted(member for member, causes in by_member.items() if len(causes) > 1)
        orphans = []
        for member, causes in by_member.items():
            for cause in causes:
                departure = returns.get(cause) if named_by == "event" else cause
                if member not in accepted or departure not in departures or departure != accepted[member]:
                    orphans.append((member, cause))
        effects_report[f"{service}: {effect}"] = {
            "count": sum(len(causes) for causes in by_member.values()),
            "lost": len(lost), "duplicates": len(duplicated), "without_cause": len(orphans),
            "examples": {"lost": lost[:5], "duplicates": duplicated[:5], "without_cause": orphans[:5]},
        }
    statuses = Counter(status for member, status in rows(platform.database_urls["roster"],
                                                         "SELECT id, status FROM members") if member in accepted)
    dead = {service: list_dead_letters(platform.amqp_uri, service) for service in platform.instances}
    poison = getattr(platform, "poison_event_id", None)
    return {
        "effects": effects_report,
        "roster_status_of_returned": dict(statuses),
        "duplicate_deliveries": duplicate_deliveries(platform),
        "dead_letters": {service: [{"message_id": letter["message_id"], "queue": letter["original_queue"],
                                    "reason": letter["error"]} for letter in letters]
                         for service, letters in dead.items() if letters},
        "poison_dead_lettered_in": sorted(service for service, letters in dead.items()
                                          if any(letter["message_id"] == poison for letter in letters)),
        "unexpected_dead_letters": sum(1 for letters in dead.values() for letter in letters
                                       if letter["message_id"] != poison),
        "totals": {
            "accepted": len(accepted),
            "lost": sum(effect["lost"] for effect in effects_report.values()),
            "duplicate_effects": sum(effect["duplicates"] for effect in effects_report.values()),
            "effects_without_cause": sum(effect["without_cause"] for effect in effects_report.values()),
            "duplicate_deliveries": sum(n for handlers in duplicate_deliveries(platform).values()
                                        for n in handlers.values()),
        },
    }


def passed(report):
    totals = report["totals"]
    wave = report["wave"]
    return (totals["lost"] == 0 and totals["duplicate_effects"] == 0 and totals["effects_without_cause"] == 0
            and wave["accepted"] == wave["returns"] and wave["refused"] == 0
            and report["roster_status_of_returned"] == {"normal": wave["accepted"]}
            and report["unexpected_dead_letters"] == 0
            and set(SUBSCRIBERS_OF_RETURNS) <= set(report["poison_dead_lettered_in"])
            and all(fault["ok"] for fault in wave["faults"]))
