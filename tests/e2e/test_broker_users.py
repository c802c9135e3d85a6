"""The running platform on the broker users of deploy/broker.py: every process is
connected as its own user, and scripts/watch_events.py sees events as the
subscriber (tests/integration/test_broker_permissions.py: what each may not do)."""
import json
import subprocess
import sys
import threading
from pathlib import Path

from contracts.platform import SERVICES
from tests.support import created, wait_for

ROOT = Path(__file__).resolve().parents[2]


def connected_users(platform):
    connections = platform.broker.api.request("GET", ["vhosts", platform.vhost, "connections"]) or []
    return {connection["user"] for connection in connections}


def test_each_process_is_connected_as_its_own_broker_user(platform):
    assert platform.get("/readyz").status_code == 200
    expected = {platform.broker.user(role).name for role in ("gateway", *(spec.name for spec in SERVICES))}
    users = wait_for(lambda: expected <= connected_users(platform) and connected_users(platform),
                     message=f"connections of {sorted(expected)}")
    assert "guest" not in users  # the harness made no connection of its own here


def test_watch_events_shows_events_to_the_subscriber(platform):
    env = {**platform.env, "LIUDONG_SUBSCRIBER_AMQP_URI": platform.broker.uris["subscriber"]}
    watcher = subprocess.Popen([sys.executable, "scripts/watch_events.py", "roster", "organisation_created"], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        started = threading.Event()

        def read(stream, sink, flag=None):
            for line in stream:
                sink.append(line)
                if flag is not None:
                    flag.set()

        errors = []
        threading.Thread(target=read, args=(watcher.stdout, lines), daemon=True).start()
        threading.Thread(target=read, args=(watcher.stderr, errors, started), daemon=True).start()
        wait_for(lambda: started.is_set() or watcher.poll() is not None, message="the watcher to start")
        assert watcher.poll() is None, "".join(errors)
        organisation = created(platform.post("/api/v1/organisations", {"name": "中共高台县委员会", "kind": "party_committee"}))

        def shown():
            text = "".join(lines)
            return organisation["id"] in text and text

        text = wait_for(shown, message=f"the event on the watcher's output: {lines} {errors}")
        event, _ = json.JSONDecoder().raw_decode(text[text.index("{"):])
        assert event["event_type"] == "organisation_created"
    finally:
        watcher.terminate()
        watcher.wait(10)
