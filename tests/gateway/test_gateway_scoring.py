"""积分制考核 at the gateway, against a fake scoring service: bad input at every scoring
operation refused (naming the field) before anything is sent, what a valid request sends
over RPC and in which order, how the service's refusals are answered, and who may call what."""
import uuid
from datetime import UTC, date, datetime

import pytest

from contracts import scoring
from contracts.errors import ErrorCode, ServiceError

SCORING = scoring.SERVICE_NAME
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MEMBER = str(uuid.uuid4())
BRANCH = str(uuid.uuid4())


# ---- replies as scoring sends them: dumped by the contract schemas ------------------------

def page(items, page=1, per_page=20, **fields):
    return {"items": items, "page": page, "per_page": per_page, "total": len(items), **fields}


def line_reply(**fields):
    return {**scoring.LedgerLineSchema().dump({
        "id": uuid.uuid4(), "member_id": MEMBER, "organisation_id": BRANCH, "year": 2026, "occurred_on": date(2026, 3, 1),
        "category": "duty", "rule": "departure_reported_in_advance", "explanation": "外出报备",
        "points": "3.0", "rule_points": "3.0", "capped_by": None, "source": "roster", "source_event_id": uuid.uuid4(),
        "source_event_type": "member_departed", "rule_set_id": uuid.uuid4(), "reason": None, "credited_at": NOW}),
        **fields}


def entry_reply(**fields):
    return {**scoring.ScoreEntrySchema().dump({
        "id": uuid.uuid4(), "member_id": MEMBER, "organisation_id": BRANCH, "category": "role", "points": "2.5",
        "occurred_on": date(2026, 3, 1), "reason": "带头参加抗旱保苗", "corrects_line_id": None, "state": "pending",
        "submitted_by": "user:a", "submitted_at": NOW, "decided_by": None, "decided_at": None, "decision_note": None,
        "line_id": None}), **fields}


def run_reply(**fields):
    return {**scoring.GradingRunSchema().dump({
        "id": uuid.uuid4(), "year": 2025, "state": "requested", "requested_by": "user:a", "requested_at": NOW,
        "completed_at": None, "rule_set_id": None, "graded": None, "excellent": None, "qualified": None,
        "warned": None, "unqualified": None}), **fields}


def follow_up_reply(**fields):
    return {**scoring.FollowUpSchema().dump({
        "id": uuid.uuid4(), "member_id": MEMBER, "organisation_id": BRANCH, "year": 2025, "grade": "unqualified",
        "kind": "disposition", "kind_label": scoring.FOLLOW_UP_KINDS["disposition"], "due_on": date(2026, 3, 31),
        "state": "open", "overdue": False, "outcome": None, "closed_on": None, "decided_by": None, "rectify_by": None,
        "note": None, "recorded_by": None}), **fields}


def standing_reply(**fields):
    categories = [{"category": name, "label": label, "points": 0.0, "minimum": -40.0 if name == "discipline" else 0.0,
                   "maximum": 0.0 if name == "discipline" else 10.0} for name, label in scoring.CATEGORIES.items()]
    return {"member_id": MEMBER, "organisation_id": BRANCH, "year": 2026, "on": "2026-03-01", "starting_score": 60.0,
            "score": 63.0, "grade": "warned", "projected_score": 78.0, "projected_grade": "qualified", "graded": None,
            "categories": categories, "lines": [line_reply()], **fields}


RULES = {
    "starting_score": 60, "bands": {"excellent": 90, "qualified": 70, "warned": 60},
    "categories": {"organisational_life": {"minimum": 0, "maximum": 20}, "duty": {"minimum": 0, "maximum": 10},
                   "discipline": {"minimum": -40, "maximum": 0}, "role": {"minimum": 0, "maximum": 10}},
    "rules": {"talk_held": {"category": "duty", "points": 2},
              "study_recorded": {"category": "organisational_life", "points": 1, "period": "month", "period_cap": 2}},
    "follow_up_due_days": {"commendation": 30, "warning_talk": 30, "disposition": 60},
    "effective_from": "2027-01-01",
}


def rule_set_reply():
    return {**RULES, "id": str(uuid.uuid4()), "effective_until": None, "note": "2027年细则", "published_by": "user:a",
            "published_at": NOW.isoformat(),
            "starting_score": 60.0, "bands": {"excellent": 90.0, "qualified": 70.0, "warned": 60.0}}


ENTRY = {"member_id": MEMBER, "category": "role", "points": 2.5, "occurred_on": "2026-03-01", "reason": "带头参加抗旱保苗"}
FIRST_PAGE = {"page": 1, "per_page": 20}  # what a list asked for without paging sends
CLOSURE = {"outcome": "rectification", "closed_on": "2026-03-01", "decided_by": "支部党员大会", "rectify_by": "2026-09-01"}


# ---- bad input: 4xx naming the field, and nothing sent -----------------------------------------

def _refused(response, location, field, status=422):
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed", error
    assert field in error["details"][location], error
    return error["details"][location][field]


@pytest.mark.parametrize("change, field", [
    ({"points": 0}, "points"),
    ({"points": 59.95}, "points"),                 # more than one decimal place (and more than 20)
    ({"points": 1.25}, "points"),                  # more than one decimal place
    ({"points": 20.5}, "points"),                  # at most 20 either way
    ({"points": "three"}, "points"),
    ({"category": "loyalty"}, "category"),
    ({"reason": None}, "reason"),
    ({"reason": ""}, "reason"),
    ({"member_id": "M1"}, "member_id"),
    ({"occurred_on": "01/03/2026"}, "occurred_on"),
    ({"corrects_line_id": "line 3"}, "corrects_line_id"),
    ({"approved_by": "user:b"}, "approved_by"),    # no approving one's own entry by the back door
])
def test_a_bad_score_entry_is_422_naming_the_field_and_nothing_is_sent(client, fake_rpc, change, field):
    body = {key: value for key, value in {**ENTRY, **change}.items() if value is not None}

    _refused(client.post("/api/v1/score-entries", json=body), "json", field)
    assert fake_rpc.calls == []


def test_points_have_one_decimal_place_and_zero_points_change_nothing(client, fake_rpc):
    assert "one decimal place" in _refused(client.post("/api/v1/score-entries", json={**ENTRY, "points": 1.25}),
                                           "json", "points")[0]
    assert "0 points" in _refused(client.post("/api/v1/score-entries", json={**ENTRY, "points": 0}), "json", "points")[0]
    assert fake_rpc.calls == []


@pytest.mark.parametrize("change, field", [
    ({"bands": {"excellent": 70, "qualified": 90, "warned": 60}}, "bands"),  # not rising
    ({"bands": {"excellent": 90, "qualified": 70}}, "bands"),
    ({"rules": {"logged_in": {"category": "role", "points": 1}}}, "rules"),  # no such rule: no points for logging in
    ({"rules": {"talk_held": {"category": "duty", "points": 2, "period": "month"}}}, "rules"),  # a period with no cap
    ({"rules": {"talk_held": {"category": "duty", "points": 0.25}}}, "rules"),
    ({"categories": {key: value for key, value in RULES["categories"].items() if key != "role"}}, "categories"),
    ({"categories": {**RULES["categories"], "loyalty": {"minimum": 0, "maximum": 5}}}, "categories"),
    ({"starting_score": -1}, "starting_score"),
    ({"effective_from": None}, "effective_from"),
    ({"follow_up_due_days": {"commendation": 30, "warning_talk": 30}}, "follow_up_due_days"),
])
def test_a_bad_rule_set_is_422_naming_the_field_and_nothing_is_sent(client, fake_rpc, change, field):
    body = {key: value for key, value in {**RULES, **change}.items() if value is not None}

    _refused(client.post("/api/v1/scoring-rules", json=body), "json", field)
    assert fake_rpc.calls == []


def test_bands_that_do_not_rise_are_named(client, fake_rpc):
    details = _refused(client.post("/api/v1/scoring-rules", json={
        **RULES, "bands": {"excellent": 70, "qualified": 90, "warned": 60}}), "json", "bands")
    assert "must rise" in details["excellent"][0]
    details = _refused(client.post("/api/v1/scoring-rules", json={
        **RULES, "rules": {"logged_in": {"category": "role", "points": 1}}}), "json", "rules")
    assert "logged_in" in str(details)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("body, field", [
    ({"year": "x"}, "year"),
    ({"year": 1999}, "year"),
    ({}, "year"),
    ({"year": 2025, "organisation_id": BRANCH}, "organisation_id"),  # a year is graded for the whole county
])
def test_a_bad_grading_run_is_422_naming_the_field_and_nothing_is_sent(client, fake_rpc, body, field):
    _refused(client.post("/api/v1/grading-runs", json=body), "json", field)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("change, field", [
    ({"rectify_by": None}, "rectify_by"),                          # a rectification has its deadline
    ({"outcome": "talk_held"}, "rectify_by"),                      # and only a rectification has one
    ({"outcome": "pardoned"}, "outcome"),
    ({"decided_by": None}, "decided_by"),
    ({"decided_by": ""}, "decided_by"),
    ({"closed_on": "soon"}, "closed_on"),
])
def test_a_bad_closure_is_422_naming_the_field_and_nothing_is_sent(client, fake_rpc, change, field):
    body = {key: value for key, value in {**CLOSURE, **change}.items() if value is not None}

    _refused(client.post(f"/api/v1/follow-ups/{uuid.uuid4()}/closure", json=body), "json", field)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("body, field", [
    ({"decision": "maybe"}, "decision"),
    ({}, "decision"),
    ({"decision": "approved", "points": 5}, "points"),
])
def test_a_bad_decision_is_422_naming_the_field_and_nothing_is_sent(client, fake_rpc, body, field):
    _refused(client.post(f"/api/v1/score-entries/{uuid.uuid4()}/decision", json=body), "json", field)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("path, field", [
    ("/api/v1/grades", "year"),                                    # a year's grades: which year
    ("/api/v1/grades?year=2025&grade=great", "grade"),
    ("/api/v1/grades?year=twenty", "year"),
    ("/api/v1/grade-distribution", "year"),
    ("/api/v1/grade-distribution?year=2025&organisation_id=B1", "organisation_id"),
    ("/api/v1/score-ledger?source=gossip", "source"),
    ("/api/v1/score-ledger?year=1999", "year"),
    ("/api/v1/score-ledger?member=x", "member"),                   # a misspelt filter is refused, not ignored
    (f"/api/v1/members/{MEMBER}/score?on=yesterday", "on"),
    ("/api/v1/score-standings/at-risk?organisation_id=x", "organisation_id"),
    ("/api/v1/score-entries?state=waiting", "state"),
    ("/api/v1/scoring-rules?on=2026-02-30", "on"),
    ("/api/v1/grading-runs?per_page=0", "per_page"),
    ("/api/v1/follow-ups?overdue=maybe", "overdue"),
    ("/api/v1/follow-ups?kind=reprimand", "kind"),
])
def test_bad_filters_are_422_naming_the_parameter_and_nothing_is_sent(client, fake_rpc, path, field):
    _refused(client.get(path), "query", field)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/score-entries/not-a-uuid"),
    ("post", "/api/v1/score-entries/not-a-uuid/decision"),
    ("get", "/api/v1/grading-runs/2025"),
    ("post", "/api/v1/follow-ups/1/closure"),
    ("get", "/api/v1/members/M1/score"),
])
def test_ids_in_the_path_are_uuids(client, fake_rpc, method, path):
    assert getattr(client, method)(path, json={}).status_code == 404
    assert fake_rpc.calls == []


# ---- valid requests: the right RPC with the right arguments ----------------------------------------

def test_a_score_entry_is_sent_exactly_and_answered_201(client, fake_rpc, scope):
    reply = entry_reply()
    fake_rpc.will_answer("submit_score_entry", reply, service=SCORING)

    response = client.post("/api/v1/score-entries", json={**ENTRY, "points": -2.5, "category": "discipline"})

    assert response.status_code == 201 and response.get_json() == reply
    assert fake_rpc.calls == [(SCORING, "submit_score_entry", (
        {**ENTRY, "points": -2.5, "category": "discipline", "corrects_line_id": None}, scope))]


def test_a_retried_write_carries_its_idempotency_key_to_the_service(client, fake_rpc, scope):
    fake_rpc.will_answer("submit_score_entry", entry_reply(), service=SCORING)

    client.post("/api/v1/score-entries", json=ENTRY, headers={"Idempotency-Key": "entry-2026-03-01-1"})

    (_, _, (_, sent_scope)), = fake_rpc.calls
    assert sent_scope == {**scope, "idempotency_key": "entry-2026-03-01-1"}


def test_the_entries_list_one_entry_and_its_decision(client, fake_rpc, scope):
    entry_id = str(uuid.uuid4())
    fake_rpc.will_answer("list_score_entries", page([entry_reply()], page=2, per_page=5), service=SCORING)
    fake_rpc.will_answer("get_score_entry", entry_reply(id=entry_id), service=SCORING)
    decided = entry_reply(id=entry_id, state="approved", decided_by="user:b", decided_at=NOW.isoformat(),
                          decision_note="属实", line_id=str(uuid.uuid4()))
    fake_rpc.will_answer("decide_score_entry", decided, service=SCORING)

    listed = client.get(f"/api/v1/score-entries?organisation_id={BRANCH}&state=pending&page=2&per_page=5")
    one = client.get(f"/api/v1/score-entries/{entry_id}")
    decision = client.post(f"/api/v1/score-entries/{entry_id}/decision", json={"decision": "approved", "note": "属实"})

    assert listed.status_code == 200 and listed.get_json()["items"][0]["state"] == "pending"
    assert one.status_code == 200 and one.get_json()["id"] == entry_id
    assert decision.status_code == 200 and decision.get_json() == decided
    assert fake_rpc.calls == [
        (SCORING, "list_score_entries", ({"organisation_id": BRANCH, "state": "pending", "page": 2, "per_page": 5}, scope)),
        (SCORING, "get_score_entry", (entry_id, scope)),
        (SCORING, "decide_score_entry", (entry_id, {"decision": "approved", "note": "属实"}, scope)),
    ]


def test_a_rejection_without_a_note_sends_none(client, fake_rpc, scope):
    entry_id = str(uuid.uuid4())
    fake_rpc.will_answer("decide_score_entry", entry_reply(id=entry_id, state="rejected"), service=SCORING)
    assert client.post(f"/api/v1/score-entries/{entry_id}/decision", json={"decision": "rejected"}).status_code == 200
    assert fake_rpc.calls == [(SCORING, "decide_score_entry", (entry_id, {"decision": "rejected", "note": None}, scope))]


def test_a_rule_set_is_published_whole(client, fake_rpc, scope):
    reply = rule_set_reply()
    fake_rpc.will_answer("publish_rule_set", reply, service=SCORING)

    response = client.post("/api/v1/scoring-rules", json={**RULES, "note": "2027年细则"})

    assert response.status_code == 201 and response.get_json()["id"] == reply["id"]
    ((service, method, (sent, sent_scope)),) = fake_rpc.calls
    assert (service, method, sent_scope) == (SCORING, "publish_rule_set", scope)
    assert sent["effective_from"] == "2027-01-01" and sent["note"] == "2027年细则"
    assert sent["bands"] == {"excellent": 90.0, "qualified": 70.0, "warned": 60.0}
    assert sent["rules"]["study_recorded"] == {"category": "organisational_life", "points": 1.0, "period": "month",
                                               "period_cap": 2.0}
    assert sent["rules"]["talk_held"] == {"category": "duty", "points": 2.0, "period": None, "period_cap": None}
    assert set(sent["categories"]) == set(scoring.CATEGORIES) and sent["follow_up_due_days"]["disposition"] == 60


def test_the_rule_sets_are_listed_by_day(client, fake_rpc, scope):
    fake_rpc.will_answer("list_rule_sets", page([rule_set_reply()]), service=SCORING)
    assert client.get("/api/v1/scoring-rules?on=2026-03-01").status_code == 200
    assert fake_rpc.calls == [(SCORING, "list_rule_sets", ({"on": "2026-03-01", **FIRST_PAGE}, scope))]


def test_the_ledger_and_a_members_score(client, fake_rpc, scope):
    fake_rpc.will_answer("list_ledger_lines", page([line_reply()]), service=SCORING)
    standing = standing_reply()
    fake_rpc.will_answer("member_standing", standing, service=SCORING)

    ledger = client.get(f"/api/v1/score-ledger?member_id={MEMBER}&year=2026&source=roster")
    on_a_day = client.get(f"/api/v1/members/{MEMBER}/score?on=2026-03-01")
    today = client.get(f"/api/v1/members/{MEMBER}/score")

    assert ledger.status_code == 200 and ledger.get_json()["items"][0]["points"] == 3.0
    assert on_a_day.status_code == 200 and on_a_day.get_json() == standing
    assert today.status_code == 200
    assert fake_rpc.calls == [
        (SCORING, "list_ledger_lines", ({"member_id": MEMBER, "year": 2026, "source": "roster", **FIRST_PAGE}, scope)),
        (SCORING, "member_standing", (MEMBER, {"on": "2026-03-01"}, scope)),
        (SCORING, "member_standing", (MEMBER, {}, scope)),
    ]


def test_members_at_risk_and_the_distribution(client, fake_rpc, scope):
    at_risk = page([{"member_id": MEMBER, "organisation_id": BRANCH, "score": 60.0, "projected_score": 62.0,
                     "projected_grade": "warned"}], year=2026, on="2026-03-01")
    counts = {"organisation_id": BRANCH, "name": "南华镇义和村党支部", "kind": "branch", "members": 1,
              "excellent": 0, "qualified": 0, "warned": 1, "unqualified": 0}
    distribution = {"year": 2025, "graded": True, "total": {**counts, "organisation_id": None, "name": None, "kind": None},
                    "rows": [counts]}
    fake_rpc.will_answer("members_at_risk", at_risk, service=SCORING)
    fake_rpc.will_answer("grade_distribution", distribution, service=SCORING)

    assert client.get(f"/api/v1/score-standings/at-risk?organisation_id={BRANCH}&on=2026-03-01").get_json() == at_risk
    assert client.get(f"/api/v1/grade-distribution?year=2025&organisation_id={BRANCH}").get_json() == distribution
    assert fake_rpc.calls == [
        (SCORING, "members_at_risk", ({"organisation_id": BRANCH, "on": "2026-03-01", **FIRST_PAGE}, scope)),
        (SCORING, "grade_distribution", ({"year": 2025, "organisation_id": BRANCH}, scope)),
    ]


def test_a_grading_run_is_accepted_202_and_read_back(client, fake_rpc, scope):
    requested = run_reply()
    completed = run_reply(id=requested["id"], state="completed", completed_at=NOW.isoformat(),
                          rule_set_id=str(uuid.uuid4()), graded=3, excellent=0, qualified=1, warned=1, unqualified=1)
    fake_rpc.will_answer("request_grading_run", requested, service=SCORING)
    fake_rpc.will_answer("get_grading_run", completed, service=SCORING)
    fake_rpc.will_answer("list_grading_runs", page([completed]), service=SCORING)

    response = client.post("/api/v1/grading-runs", json={"year": 2025})

    assert response.status_code == 202 and response.get_json() == requested
    assert client.get(f"/api/v1/grading-runs/{requested['id']}").get_json()["state"] == "completed"
    assert client.get("/api/v1/grading-runs?per_page=10").status_code == 200
    assert fake_rpc.calls == [
        (SCORING, "request_grading_run", ({"year": 2025}, scope)),
        (SCORING, "get_grading_run", (requested["id"], scope)),
        (SCORING, "list_grading_runs", ({"page": 1, "per_page": 10}, scope)),
    ]


def test_grades_follow_ups_and_a_closure(client, fake_rpc, scope):
    follow_up_id = str(uuid.uuid4())
    grade = {"member_id": MEMBER, "organisation_id": BRANCH, "year": 2025, "score": 55.0, "grade": "unqualified",
             "grade_label": "不合格", "run_id": str(uuid.uuid4())}
    closed = follow_up_reply(id=follow_up_id, state="closed", outcome="rectification", closed_on="2026-03-01",
                             decided_by="支部党员大会", rectify_by="2026-09-01", recorded_by="key:x")
    fake_rpc.will_answer("list_grades", page([grade]), service=SCORING)
    fake_rpc.will_answer("list_follow_ups", page([follow_up_reply(id=follow_up_id)]), service=SCORING)
    fake_rpc.will_answer("close_follow_up", closed, service=SCORING)

    assert client.get(f"/api/v1/grades?year=2025&grade=unqualified&member_id={MEMBER}").get_json()["items"] == [grade]
    assert client.get("/api/v1/follow-ups?overdue=true&kind=disposition&year=2025").status_code == 200
    response = client.post(f"/api/v1/follow-ups/{follow_up_id}/closure", json=CLOSURE)

    assert response.status_code == 200 and response.get_json() == closed
    assert fake_rpc.calls == [
        (SCORING, "list_grades", ({"year": 2025, "grade": "unqualified", "member_id": MEMBER, **FIRST_PAGE}, scope)),
        (SCORING, "list_follow_ups", ({"overdue": True, "kind": "disposition", "year": 2025, **FIRST_PAGE}, scope)),
        (SCORING, "close_follow_up", (follow_up_id, {**CLOSURE, "note": None}, scope)),
    ]


def test_a_warning_talk_closes_without_a_deadline(client, fake_rpc, scope):
    follow_up_id = str(uuid.uuid4())
    fake_rpc.will_answer("close_follow_up", follow_up_reply(id=follow_up_id, kind="warning_talk", state="closed"),
                         service=SCORING)
    body = {"outcome": "talk_held", "closed_on": "2026-03-01", "decided_by": "李书记", "note": "已谈心谈话"}
    assert client.post(f"/api/v1/follow-ups/{follow_up_id}/closure", json=body).status_code == 200
    assert fake_rpc.calls == [(SCORING, "close_follow_up", (follow_up_id, {**body, "rectify_by": None}, scope))]


# ---- the service's refusals --------------------------------------------------------------------

@pytest.mark.parametrize("method, path, body, rpc, error, status", [
    ("post", f"/api/v1/score-entries/{uuid.uuid4()}/decision", {"decision": "approved"}, "decide_score_entry",
     ServiceError(ErrorCode.SEPARATION_OF_DUTIES, "no one approves their own entry"), 409),
    ("post", f"/api/v1/score-entries/{uuid.uuid4()}/decision", {"decision": "approved"}, "decide_score_entry",
     ServiceError(ErrorCode.NOT_PENDING, "the entry was approved already"), 409),
    ("post", f"/api/v1/score-entries/{uuid.uuid4()}/decision", {"decision": "approved"}, "decide_score_entry",
     ServiceError(ErrorCode.YEAR_CLOSED, "2025 has been graded"), 409),
    ("get", f"/api/v1/score-entries/{uuid.uuid4()}", None, "get_score_entry",
     ServiceError(ErrorCode.SCORE_ENTRY_NOT_FOUND, "not found"), 404),
    ("post", "/api/v1/score-entries", ENTRY, "submit_score_entry",
     ServiceError(ErrorCode.UNKNOWN_REFERENCE, "member_id names no member", {"member_id": ["no such member"]}), 422),
    ("post", "/api/v1/score-entries", ENTRY, "submit_score_entry",
     ServiceError(ErrorCode.YEAR_CLOSED, "graded", {"occurred_on": ["in a year already graded"]}), 409),
    ("post", "/api/v1/scoring-rules", RULES, "publish_rule_set",
     ServiceError(ErrorCode.RULE_SET_RETROACTIVE, "not before today", {"effective_from": ["not before today"]}), 422),
    ("post", "/api/v1/scoring-rules", RULES, "publish_rule_set",
     ServiceError(ErrorCode.ALREADY_RECORDED, "a version takes effect that day already"), 409),
    ("post", "/api/v1/grading-runs", {"year": 2026}, "request_grading_run",
     ServiceError(ErrorCode.YEAR_NOT_OVER, "2026 is not over", {"year": ["not over yet"]}), 422),
    ("post", "/api/v1/grading-runs", {"year": 2025}, "request_grading_run",
     ServiceError(ErrorCode.YEAR_CLOSED, "graded already", {"year": ["graded already"]}), 409),
    ("get", f"/api/v1/grading-runs/{uuid.uuid4()}", None, "get_grading_run",
     ServiceError(ErrorCode.GRADING_RUN_NOT_FOUND, "not found"), 404),
    ("get", f"/api/v1/members/{MEMBER}/score", None, "member_standing",
     ServiceError(ErrorCode.MEMBER_NOT_FOUND, "not found"), 404),
    ("get", f"/api/v1/members/{MEMBER}/score?on=2014-06-01", None, "member_standing",
     ServiceError(ErrorCode.NO_RULE_SET, "no rule set is in force on 2014-06-01"), 409),
    ("post", f"/api/v1/follow-ups/{uuid.uuid4()}/closure", CLOSURE, "close_follow_up",
     ServiceError(ErrorCode.FOLLOW_UP_NOT_FOUND, "not found"), 404),
    ("post", f"/api/v1/follow-ups/{uuid.uuid4()}/closure", CLOSURE, "close_follow_up",
     ServiceError(ErrorCode.FOLLOW_UP_CLOSED, "closed already"), 409),
    ("post", f"/api/v1/follow-ups/{uuid.uuid4()}/closure", CLOSURE, "close_follow_up",
     ServiceError(ErrorCode.VALIDATION_FAILED, "a warning_talk is closed with talk_held",
                  {"outcome": ["not an outcome of a warning_talk"]}), 422),
], ids=lambda value: value.code if isinstance(value, ServiceError) else None)
def test_the_services_refusals_are_answered_with_their_status(client, fake_rpc, method, path, body, rpc, error,
                                                              status):
    fake_rpc.will_answer(rpc, error, service=SCORING)

    response = client.get(path) if method == "get" else client.post(path, json=body)

    assert response.status_code == status
    assert response.get_json()["error"]["code"] == error.code
    assert [(service, name) for service, name, _ in fake_rpc.calls] == [(SCORING, rpc)]


# ---- who may call what ------------------------------------------------------------------------

@pytest.mark.parametrize("role, reads, submits, approves, grades, closes, publishes", [
    ("county_admin", True, True, True, True, True, True),
    ("town_admin", True, True, True, False, True, False),
    ("branch_secretary", True, True, True, False, True, False),
    ("liaison", True, True, False, False, False, False),
    ("auditor", False, False, False, False, False, False),
    ("security_officer", False, False, False, False, False, False),
])
def test_who_may_read_submit_approve_grade_close_and_publish(access, fake_rpc, role, reads, submits, approves, grades,
                                                             closes, publishes):
    client, _ = access.user_client((role, BRANCH) if role not in ("auditor", "security_officer") else role)
    fake_rpc.will_answer("list_ledger_lines", page([]), service=SCORING)
    fake_rpc.will_answer("submit_score_entry", entry_reply(), service=SCORING)
    fake_rpc.will_answer("decide_score_entry", entry_reply(state="approved"), service=SCORING)
    fake_rpc.will_answer("request_grading_run", run_reply(), service=SCORING)
    fake_rpc.will_answer("close_follow_up", follow_up_reply(state="closed"), service=SCORING)
    fake_rpc.will_answer("publish_rule_set", rule_set_reply(), service=SCORING)

    assert client.get("/api/v1/score-ledger").status_code == (200 if reads else 403)
    assert client.post("/api/v1/score-entries", json=ENTRY).status_code == (201 if submits else 403)
    assert client.post(f"/api/v1/score-entries/{uuid.uuid4()}/decision",
                       json={"decision": "approved"}).status_code == (200 if approves else 403)
    assert client.post("/api/v1/grading-runs", json={"year": 2025}).status_code == (202 if grades else 403)
    assert client.post(f"/api/v1/follow-ups/{uuid.uuid4()}/closure", json=CLOSURE).status_code == (
        200 if closes else 403)
    assert client.post("/api/v1/scoring-rules", json=RULES).status_code == (201 if publishes else 403)


def test_a_member_reads_their_own_score_and_writes_nothing(access, fake_rpc):
    client, _ = access.user_client("member", member_id=MEMBER)
    fake_rpc.will_answer("member_standing", standing_reply(), service=SCORING)

    assert client.get(f"/api/v1/members/{MEMBER}/score").status_code == 200
    for path, body in (("/api/v1/score-entries", ENTRY), (f"/api/v1/score-entries/{uuid.uuid4()}/decision",
                                                          {"decision": "approved"}),
                       ("/api/v1/grading-runs", {"year": 2025}), ("/api/v1/scoring-rules", RULES),
                       (f"/api/v1/follow-ups/{uuid.uuid4()}/closure", CLOSURE)):
        assert client.post(path, json=body).status_code == 403, path
    ((_, method, (_, _, sent_scope)),) = fake_rpc.calls
    assert method == "member_standing" and sent_scope["member_id"] == MEMBER


def test_a_refused_write_is_403_before_its_body_counts(access, fake_rpc):
    """A liaison may not approve: even a body that would be refused is answered 403, not 422."""
    client, _ = access.user_client(("liaison", BRANCH))
    response = client.post(f"/api/v1/score-entries/{uuid.uuid4()}/decision", json={"decision": "maybe"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert fake_rpc.calls == []


# ---- batches: a branch's paper ledger, the town's check ---------------------------------------------

def test_a_batch_of_entries_goes_to_the_service_whole_and_comes_back_item_by_item(client, fake_rpc):
    answer = {"items": [{"index": 0, "status": 201, "error": None, "entry": entry_reply()},
                        {"index": 1, "status": 422, "entry": None,
                         "error": {"code": "validation_failed", "message": "the request is not valid",
                                   "details": {"category": ["Must be one of: organisational_life, duty."]}}}],
              "succeeded": 1, "refused": 1}
    fake_rpc.will_answer("submit_score_entries", answer, service=SCORING)
    response = client.post("/api/v1/score-entries/batch", json={"items": [ENTRY, {**ENTRY, "category": "x"}]})
    assert response.status_code == 200, response.get_json()
    assert [item["status"] for item in response.get_json()["items"]] == [201, 422]
    [(service, name, args)] = fake_rpc.calls
    assert (service, name, args[0]["items"][1]["category"]) == (SCORING, "submit_score_entries", "x")


@pytest.mark.parametrize("path", ["/api/v1/score-entries/batch", "/api/v1/score-entries/decisions/batch"])
@pytest.mark.parametrize("body", [{}, {"items": []}, {"items": "x"}, {"items": [{}] * 501}])
def test_a_batch_that_is_not_a_list_of_1_to_500_objects_is_refused_whole(client, fake_rpc, path, body):
    response = client.post(path, json=body)
    assert response.status_code == 422
    assert "items" in response.get_json()["error"]["details"]["json"]
    assert fake_rpc.calls == []
