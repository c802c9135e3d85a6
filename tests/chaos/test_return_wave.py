"""The Spring Festival return wave under faults, at the size CI runs (issue 12), and the outbox's windows.

One platform for the module (``tests.chaos.platform``: two instances of each service, every service's broker
link through a proxy). The wave (``tests.chaos.return_wave``) reports ``LIUDONG_CHAOS_RETURNS`` returns (500)
while every fault is done once; the checker then finds every return's effects once in every service. Then the
window between the broker's confirm and the outbox row marked sent: a relay killed there publishes the return
again, and every service's inbox absorbs the second copy.

Restarting RabbitMQ touches every vhost on the broker: run this module alone (scripts/test runs it last).
"""
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.chaos import checker, return_wave
from tests.chaos.platform import ChaosPlatform
from tests.platform import ROOT, running
from tests.support import created, id_number, scalar, wait_for

RETURNS = int(os.environ.get("LIUDONG_CHAOS_RETURNS", "500"))
RATE = float(os.environ.get("LIUDONG_CHAOS_RATE", "8"))
RETURN_HANDLERS = {"education": "enrol_on_return", "scoring": "credit_return", "outreach": "welcome_home"}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with running(ChaosPlatform(tmp_path_factory.mktemp("chaos-logs"), instances=2)) as platform:
        yield platform


def test_the_return_wave_under_every_fault_loses_nothing_and_does_nothing_twice(platform, capsys):
    report = return_wave.run_on(platform, RETURNS, RATE, log=lambda line: None)
    with capsys.disabled():
        print("\n" + json.dumps({"wave": {k: v for k, v in report["wave"].items() if k != "faults"},
                                 "drain_seconds": report["drain_seconds"], "totals": report["totals"],
                                 "duplicate_deliveries": report["duplicate_deliveries"],
                                 "dead_letters": report["dead_letters"]}, ensure_ascii=False, indent=1))
        for fault in report["wave"]["faults"]:
            print(f"  {fault['fault']}: {fault['seconds']} s, {fault['returns_sent_during']} returns sent meanwhile, "
                  f"{fault['answers_503']} answered 503 (slowest {fault['slowest_503_seconds']} s)")

    wave, totals = report["wave"], report["totals"]
    # Every fault was done, and returns were being reported while it lasted.
    assert [(fault["fault"], fault["ok"]) for fault in wave["faults"] if not fault["ok"]] == []
    assert [fault["fault"] for fault in wave["faults"] if fault["returns_sent_during"] == 0] == []
    assert len(wave["faults"]) == len(return_wave.faults(platform))
    # Every return was accepted in the end; what was not answered at once was a clear 503.
    assert (wave["accepted"], wave["refused"], wave["given_up"]) == (RETURNS, 0, 0)
    assert set(wave["answers_503_codes"]) <= {"service_unavailable"}
    # Jepsen's question: each return's effects once in every service, none without its cause.
    assert {name: (effect["lost"], effect["duplicates"], effect["without_cause"])
            for name, effect in report["effects"].items()} == {name: (0, 0, 0) for name in report["effects"]}
    assert {name: effect["count"] for name, effect in report["effects"].items()} == {
        name: RETURNS for name in report["effects"]}
    assert (totals["lost"], totals["duplicate_effects"], totals["effects_without_cause"]) == (0, 0, 0)
    assert report["roster_status_of_returned"] == {"normal": RETURNS}
    # The poison was dead-lettered, with its reason, by every service that takes returns, and nothing else was.
    assert set(checker.SUBSCRIBERS_OF_RETURNS) <= set(report["poison_dead_lettered_in"])
    assert all("ValidationError" in letter["reason"] for letters in report["dead_letters"].values()
               for letter in letters)
    assert report["unexpected_dead_letters"] == 0
    # The operator's view of the same, through `liudong`: no outbox holds anything back, and the poison waits in
    # the dead letters of each service that takes returns.
    outboxes = json.loads(liudong(platform, "outbox", "--json"))
    assert {row["service"]: (row["error"], row["backlog"]) for row in outboxes} == {
        service: (None, 0) for service in platform.instances}
    listed = json.loads(liudong(platform, "dead-letters", "list", "--json"))
    assert {entry["service"]: [letter["message_id"] for letter in entry["messages"]] for entry in listed
            if entry["messages"]} == {service: [platform.poison_event_id] for service in checker.SUBSCRIBERS_OF_RETURNS}


def liudong(platform, *args):
    """The operator's command, as an operator runs it, on this platform's databases and broker."""
    done = subprocess.run([str(Path(sys.executable).parent / "liudong"), *args], cwd=ROOT, env=platform.env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_relay_killed_between_the_confirm_and_marking_the_row_sent_sends_it_again_and_the_inboxes_absorb_it(
        platform):
    county = created(platform.post("/api/v1/organisations", {"name": "窗口县委", "kind": "party_committee",
                                                              "parent_id": None}))
    branch = created(platform.post("/api/v1/organisations", {"name": "窗口村党支部", "kind": "branch",
                                                              "parent_id": county["id"]}))
    member = created(platform.post("/api/v1/members", {
        "name": "窗口党员", "gender": "male", "birth_date": "1979-05-04", "id_number": id_number("1979-05-04", 441),
        "phone": "13900044411", "joined_on": "2001-07-01", "organisation_id": branch["id"]}))
    created(platform.post(f"/api/v1/members/{member['id']}/departures", {
        "departed_on": date.today().isoformat(), "destination_province": "新疆维吾尔自治区",
        "destination_city": "昌吉回族自治州", "work": "棉花采摘", "contact": "13900044411"}))
    for service in RETURN_HANDLERS:
        platform.knows(service, [member["id"]], [county["id"], branch["id"]])
    created(platform.post("/api/v1/trainings", {
        "organisation_id": county["id"], "kind": "winter", "title": "冬训", "starts_on": date.today().isoformat(),
        "ends_on": f"{date.today().year + 1}-02-28", "capacity": 10}))
    checker.settled(platform)
    roster = platform.instances["roster"]
    for instance in roster:  # no relay but the one that dies
        instance.restart(LIUDONG_ROSTER_OUTBOX_RELAY="false")
    departure = created(platform.post(f"/api/v1/members/{member['id']}/returns", {}))
    roster_db = platform.database_urls["roster"]
    event_id = scalar(roster_db, "SELECT event_id FROM outbox WHERE event_type = 'member_returned' "
                                 "AND envelope->'data'->>'member_id' = %s", member["id"])

    died = subprocess.run([sys.executable, "-m", "tests.chaos.relay_dies_after_confirm", roster_db,
                           platform.amqp_uri, "member_returned"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)

    assert died.returncode == -9, died.stdout + died.stderr  # SIGKILL
    assert f"confirmed {event_id}" in died.stdout
    assert scalar(roster_db, "SELECT published_at FROM outbox WHERE event_id = %s", event_id) is None
    # The copy that went out before the crash has its effects everywhere.
    wait_for(lambda: all(effect.get(member["id"]) for effect in checker.effects(platform, {member["id"]}).values()),
             timeout=60, message="every effect of the return")

    for instance in roster:  # the relays back: the row is published again
        instance.restart()
    wait_for(lambda: scalar(roster_db, "SELECT published_at FROM outbox WHERE event_id = %s", event_id),
             timeout=60, message="the row to be published again and marked sent")
    for service, handler in RETURN_HANDLERS.items():
        pattern = rf"{service}\.{handler} already handled event {event_id}"
        wait_for(lambda service=service, pattern=pattern: re.search(pattern, platform.logs(service)),
                 timeout=60, message=f"{service}'s inbox to absorb the second copy")
    found = checker.effects(platform, {member["id"]})
    assert {effect: len(by_member[member["id"]]) for effect, by_member in found.items()} == {
        effect: 1 for effect in found}
    assert found["reserve review opened"][member["id"]] == [departure["id"]]
