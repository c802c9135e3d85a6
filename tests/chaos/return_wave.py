"""The Spring Festival return wave under faults (issue 12): nothing lost, nothing done twice, measured.

    .venv/bin/python -m tests.chaos.return_wave                   # full size: 10,000 returns
    .venv/bin/python -m tests.chaos.return_wave --returns 500     # the size CI runs (tests/chaos)

It starts the whole platform as real processes (``tests.chaos.platform``: two instances of every service, each
service's broker link through a proxy), registers N members in a county of village branches and reports their
departures, all through the gateway; then reports their returns through the gateway at ``--rate`` a second while
the faults below are done to the platform one after another, spread over the wave; then waits for the platform
to drain and checks every return's effects in every service (``tests.chaos.checker``).

The faults, each once, in this order: a slow link (education's); every service's first instance killed
(SIGKILL) and restarted; a RabbitMQ restart; a restart of roster's database and of outreach's; roster's broker
link cut and restored on the same address; a consumer stalled (outreach, SIGSTOP); a poison message on
roster's events; and a rolling restart of every instance of every service (SIGTERM, one at a time).

A return is sent with an Idempotency-Key and sent again after any 503 or lost answer until it is answered 201:
that is what a county system does, and what makes a return whose first answer was lost safe to retry. Each fault
starts when its share of the wave has been sent and the previous fault is over, so returns flow during every one.
"""
import argparse
import json
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import requests

from tests.chaos import checker
from tests.chaos.platform import ChaosPlatform
from tests.platform import running
from tests.support import created, id_number

RETURN_DEADLINE = 180.0  # seconds a single return may keep being retried before the wave gives it up
BATCH = 100


@dataclass
class Answer:
    status: int  # 0: no answer (connection refused or reset, or the client's own timeout)
    seconds: float
    code: str | None = None
    at: float = field(default_factory=time.monotonic)  # when it came


@dataclass
class Wave:
    members: list = field(default_factory=list)
    accepted: dict = field(default_factory=dict)  # member id -> the departure its return closed
    given_up: list = field(default_factory=list)
    refusals: list = field(default_factory=list)  # (member id, status, body) of an answer neither 201 nor 503
    retried: list = field(default_factory=list)  # every answer that was retried: Answer
    faults: list = field(default_factory=list)
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def summary(self):
        unavailable = [answer for answer in self.retried if answer.status == 503]
        faults = []
        for record in self.faults:
            # The answers that came while it lasted, and in the few seconds after (what it left behind).
            started, ended = record["between"]
            meanwhile = [answer for answer in self.retried if started <= answer.at <= ended + 5]
            faults.append({**{key: value for key, value in record.items() if key != "between"},
                           "answers_503": sum(1 for answer in meanwhile if answer.status == 503),
                           "no_answer": sum(1 for answer in meanwhile if answer.status == 0),
                           "slowest_503_seconds": round(max((answer.seconds for answer in meanwhile
                                                             if answer.status == 503), default=0), 2)})
        return {
            "returns": len(self.members), "accepted": len(self.accepted), "given_up": len(self.given_up),
            "refused": len(self.refusals), "answers_503": len(unavailable),
            "answers_503_slowest_seconds": round(max((a.seconds for a in unavailable), default=0.0), 2),
            "answers_503_codes": dict(Counter(answer.code for answer in unavailable)),
            "no_answer": sum(1 for answer in self.retried if answer.status == 0),
            "faults": faults,
        }


# ---- the county ------------------------------------------------------------------------------------

def county(platform, members, per_branch=50):
    """A county committee, two towns and a village branch per ``per_branch`` members; a winter training
    open to all; ``members`` members registered and departed (a month ago) in batches."""
    def org(name, kind, parent=None):
        return created(platform.post("/api/v1/organisations", {
            "name": name, "kind": kind, "parent_id": parent["id"] if parent else None}))

    top = org("中共高台县委员会", "party_committee")
    towns = [org(f"中共高台县第{n + 1}镇委员会", "party_committee", top) for n in range(2)]
    branches = [org(f"第{n + 1}村党支部", "branch", towns[n % 2]) for n in range(-(-members // per_branch))]
    today = date.today()
    created(platform.post("/api/v1/trainings", {
        "organisation_id": top["id"], "kind": "winter", "title": "农村党员冬训",
        "starts_on": today.isoformat(), "ends_on": f"{today.year + 1}-02-28", "capacity": max(members, 1)}))
    people = [{
        "name": f"党员{n:05d}", "gender": "male" if n % 3 else "female", "phone": f"139{n:08d}",
        "birth_date": (birth := date(1960, 1, 1) + timedelta(days=n // 900)).isoformat(),
        "id_number": id_number(birth.isoformat(), n % 900 + 100), "joined_on": "2005-07-01",
        "organisation_id": branches[n // per_branch]["id"],
    } for n in range(members)]
    registered = _in_batches(platform, "/api/v1/members/batch", people, "member")
    away = (today - timedelta(days=30)).isoformat()
    _in_batches(platform, "/api/v1/members/departures/batch", [{
        "member_id": member["id"], "departed_on": away, "destination_province": "新疆维吾尔自治区",
        "destination_city": "昌吉回族自治州", "work": "棉花采摘", "contact": "13900011171"} for member in registered], "departure")
    return [member["id"] for member in registered], [top["id"], *(t["id"] for t in towns), *(b["id"] for b in branches)]


def _in_batches(platform, path, items, made):
    """Sent as a county system sends them: a batch answered 503 (the machine busy) is sent again under its key."""
    answered = []
    for n in range(0, len(items), BATCH):
        for _ in range(5):
            response = platform.http.post(platform.base_url + path, json={"items": items[n:n + BATCH]},
                                          headers={"Idempotency-Key": f"wave-{path}-{n}"}, timeout=60)
            if response.status_code != 503:
                break
        assert response.status_code == 200, response.text
        for item in response.json()["items"]:
            assert item["status"] == 201, item
            answered.append(item[made])
    return answered


# ---- the wave --------------------------------------------------------------------------------------

def faults(platform):
    """(name, fault) in the order they are done; each a callable that returns when the fault is over."""
    first = {name: group[0] for name, group in platform.instances.items()}
    planned = [("slow link: education–broker, 50 ms a chunk for 8 s", lambda: platform.slow_link("education"))]
    planned += [(f"SIGKILL {instance.label}, restarted", instance.kill_and_restart) for instance in first.values()]
    planned += [
        ("RabbitMQ restart", platform.restart_broker),
        ("PostgreSQL: roster's database restarted (down 5 s)", lambda: platform.restart_database("roster")),
        ("PostgreSQL: outreach's database restarted (down 5 s)", lambda: platform.restart_database("outreach")),
        ("roster–broker link cut for 8 s, restored on the same address", lambda: platform.cut_broker_link("roster")),
        ("slow consumer: outreach-1 stalled (SIGSTOP) for 8 s", lambda: platform.pause(first["outreach"])),
        ("poison message on roster.events", lambda: checker.publish_poison(platform)),
    ]
    planned += [(f"rolling restart: SIGTERM {instance.label}, restarted", instance.restart)
                for instance in platform.every_instance()]
    return planned


def report_return(platform, member_id, wave):
    """POST the return until it is answered 201 (same Idempotency-Key each time), or the deadline passes."""
    session = requests.Session()
    session.headers.update(platform.http.headers)
    session.headers["Idempotency-Key"] = f"wave-return-{member_id}"
    deadline = time.monotonic() + RETURN_DEADLINE
    pause = 0.2
    while True:
        started = time.monotonic()
        try:
            response = session.post(f"{platform.base_url}/api/v1/members/{member_id}/returns", json={}, timeout=15)
            answer = Answer(response.status_code, time.monotonic() - started)
        except requests.RequestException:
            response, answer = None, Answer(0, time.monotonic() - started)
        if answer.status == 201:
            with wave.lock:
                wave.accepted[member_id] = response.json()["id"]
            return
        if answer.status not in (0, 503):
            with wave.lock:
                wave.refusals.append((member_id, answer.status, response.text[:500]))
            return
        if response is not None:
            answer.code = response.json().get("error", {}).get("code")
        with wave.lock:
            wave.retried.append(answer)
        if time.monotonic() > deadline:
            with wave.lock:
                wave.given_up.append(member_id)
            return
        time.sleep(pause)  # a client's back-off before it retries
        pause = min(pause * 2, 3.0)


def run_wave(platform, members, rate, concurrency=16, skip=(), log=print):
    wave = Wave(members=list(members))
    planned = [(name, fault) for name, fault in faults(platform) if not any(word in name for word in skip)]
    share = max(1, len(members) // (len(planned) + 1))
    fault_thread = None

    def do_fault(name, fault):
        record = {"fault": name, "returns_sent_before": wave.sent}
        started = time.monotonic()
        try:
            fault()
            record["ok"] = True
        except Exception as exc:  # noqa: BLE001 - a fault the suite could not do is reported, not hidden
            record["ok"], record["error"] = False, f"{type(exc).__name__}: {exc}"
        ended = time.monotonic()
        record["seconds"] = round(ended - started, 1)
        record["returns_sent_during"] = wave.sent - record["returns_sent_before"]
        record["between"] = (started, ended)
        wave.faults.append(record)
        log(f"  fault done: {name} ({record['seconds']} s, {record['returns_sent_during']} returns sent meanwhile)")

    started = time.monotonic()
    # The pace: return n is due at paced_from + (n - paced_since) / rate. A wait for a fault to end starts the
    # pace again from there, so the returns held back do not then go out in a burst.
    paced_from, paced_since = started, 0
    # At most `concurrency` returns in flight: a return counts as sent when it goes, not when it is queued.
    in_flight = threading.Semaphore(concurrency)

    def send(member_id):
        try:
            report_return(platform, member_id, wave)
        finally:
            in_flight.release()

    with ThreadPoolExecutor(concurrency) as pool:
        for n, member_id in enumerate(members):
            if planned and n and n % share == 0:
                if fault_thread is not None and fault_thread.is_alive():
                    fault_thread.join()  # faults never overlap: the wave waits for the last one to end
                    paced_from, paced_since = time.monotonic(), n
                name, fault = planned.pop(0)
                log(f"  fault: {name} (after {n} returns)")
                fault_thread = threading.Thread(target=do_fault, args=(name, fault), daemon=True)
                fault_thread.start()
            if (ahead := paced_from + (n - paced_since) / rate - time.monotonic()) > 0:
                time.sleep(ahead)  # the wave's pace
            in_flight.acquire()
            pool.submit(send, member_id)
            wave.sent += 1
        if fault_thread is not None:
            fault_thread.join()
        for name, fault in planned:  # a wave shorter than its faults still has them all, after the last return
            do_fault(name, fault)
    wave.seconds = round(time.monotonic() - started, 1)
    return wave


def run(returns=10_000, rate=40.0, instances=2, log_dir=None, skip=(), log=print):
    """The whole run on a platform of its own: county, wave, drain, check. Answers the report (a dict)."""
    log_dir = Path(log_dir or f"var/chaos-{int(time.time())}")
    log_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with running(ChaosPlatform(log_dir, instances=instances)) as platform:
        log(f"platform up: {instances} instance(s) of each service ({time.monotonic() - started:.0f} s); "
            f"logs in {log_dir}")
        return run_on(platform, returns, rate, skip, log)


def run_on(platform, returns, rate, skip=(), log=print):
    started = time.monotonic()
    members, organisations = county(platform, returns)
    for service in ("education", "scoring", "outreach"):
        platform.knows(service, members, organisations, timeout=600)
    checker.settled(platform, timeout=600)
    log(f"county: {len(members)} members registered and away ({time.monotonic() - started:.0f} s)")
    wave = run_wave(platform, members, rate, skip=skip, log=log)
    log(f"wave: {wave.sent} returns sent in {wave.seconds} s; {len(wave.accepted)} accepted")
    started = time.monotonic()
    checker.drained(platform, wave, timeout=900)
    drain_seconds = round(time.monotonic() - started, 1)
    return {"wave": {**wave.summary(), "seconds": wave.seconds, "rate": rate, "instances": platform.count},
            "drain_seconds": drain_seconds, **checker.check(platform, wave)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--returns", type=int, default=10_000, help="members who depart and return (10,000)")
    parser.add_argument("--rate", type=float, default=40.0, help="returns reported a second (40)")
    parser.add_argument("--instances", type=int, default=2, help="instances of each service (2)")
    parser.add_argument("--log-dir", default=None, help="where the processes' logs go (var/chaos-<time>)")
    parser.add_argument("--json", default=None, help="also write the report to this file")
    parser.add_argument("--skip", action="append", default=[], metavar="WORDS",
                        help="leave out the faults whose name contains WORDS (repeatable), e.g. 'RabbitMQ'")
    args = parser.parse_args(argv)
    report = run(args.returns, args.rate, args.instances, args.log_dir, skip=args.skip)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0 if checker.passed(report) else 1


if __name__ == "__main__":
    sys.exit(main())
