"""帮扶联系 and the five projects' people work at the gateway, against a fake outreach service:
bad input at every outreach operation refused (naming the field) before anything is sent, what
a valid request sends over RPC, a contact logged twice answered 200 with the one already there,
how the service's refusals are answered, and who may call what.

The tests that only send a request and read its answer share one app and one county system's
key (``keyed``): building an app migrates its access database, which costs more than all their
requests together. What reads the audit record or signs people in gets an app of its own."""
import secrets
import uuid
from types import SimpleNamespace

import pytest

from contracts import outreach
from contracts.errors import ErrorCode, ServiceError
from gateway.access import management, policy, store
from gateway.access.authorisation import KEY
from gateway.app import create_app
from gateway.auth import ACCESS_EXTENSION

OUTREACH = outreach.SERVICE_NAME
MEMBER, CADRE, BRANCH = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
PAIRING_ID, CAMPAIGN_ID, VISIT_ID, CASE_ID = (str(uuid.uuid4()) for _ in range(4))
ACTIVITY_ID, REVIEW_ID, CANDIDATE_ID = (str(uuid.uuid4()) for _ in range(3))
FIRST_PAGE = {"page": 1, "per_page": 20}  # what a list asked for without paging sends


# ---- replies as outreach sends them (JSON), which are also what the gateway answers ----------------

def page(items, page=1, per_page=20, **fields):
    return {"items": items, "page": page, "per_page": per_page, "total": len(items), **fields}


def pairing_reply(**fields):
    return {"id": PAIRING_ID, "organisation_id": BRANCH, "cadre_member_id": CADRE, "member_ids": [MEMBER],
            "kind": "one_to_one", "period": "quarter", "starts_on": "2026-01-01", "ended_on": None, "end_reason": None,
            "created_by": "key:k1", **fields}


def four_ones_reply():
    items = [{"pairing_id": PAIRING_ID, "organisation_id": BRANCH, "cadre_member_id": CADRE, "member_id": MEMBER,
              "period_start": "2026-01-01", "period_end": "2026-03-31", "item": item, "state": "due", "done_on": None}
             for item in outreach.FOUR_ONES]
    return page(items, on="2026-03-02",
                by_organisation=[{"organisation_id": BRANCH, "done": 0, "due": 4, "overdue": 0}])


def contact_reply(**fields):
    return {"id": str(uuid.uuid4()), "member_id": MEMBER, "organisation_id": BRANCH, "channel": "phone",
            "occurred_at": "2026-03-01T01:30:00+00:00", "contacted_by": "支委赵淑芬", "summary": "询问在外务工情况",
            "follow_up_needed": False, "follow_up": None, "pairing_id": None, "source": "logged", "source_id": None,
            "recorded_by": "key:k1", "recorded_at": "2026-03-02T08:00:00+00:00", "duplicate": False, **fields}


def campaign_reply(**fields):
    return {"id": CAMPAIGN_ID, "name": "2027年春节慰问", "occasion": "spring_festival", "organisation_id": BRANCH,
            "starts_on": "2027-01-20", "ends_on": "2027-02-10", "groups": ["away_families", "hardship"],
            "state": "listed", "visits_scheduled": 3, "visits_completed": 0, "created_by": "key:k1", **fields}


def visit_reply(**fields):
    return {"id": VISIT_ID, "member_id": MEMBER, "organisation_id": BRANCH, "cause": "manual", "campaign_id": None,
            "group": None, "purpose": "了解务工情况", "due_on": "2026-03-20", "state": "scheduled", "visited_on": None,
            "visited_by": None, "summary": None, "overdue": False, **fields}


def case_reply(**fields):
    return {"id": CASE_ID, "member_id": MEMBER, "organisation_id": BRANCH, "kind": "unpaid_wages",
            "care_service": "wages_and_rights", "summary": "工地拖欠工资", "owner": "镇劳动保障所",
            "opened_on": "2026-03-01", "due_on": "2026-04-01", "state": "open", "overdue": False, "closed_on": None,
            "outcome": None, "money_recovered": 0.0, "jobs_found": 0, "disputes_settled": 0,
            "timeline": [{"on": "2026-03-01", "kind": "opened", "note": "工地拖欠工资", "due_on": "2026-04-01",
                          "recorded_by": "key:k1"}], **fields}


def contact_batch_reply():
    refused = {"code": "unknown_reference", "message": "member_id names no member the caller sees",
               "details": {"member_id": ["no such member"]}}
    return {"items": [{"index": 0, "status": 201, "error": None, "contact": contact_reply()},
                      {"index": 1, "status": 200, "error": None, "contact": contact_reply(duplicate=True)},
                      {"index": 2, "status": 422, "error": refused, "contact": None}],
            "succeeded": 2, "refused": 1}


CARD = {"services": [{"key": key, "name": name} for key, name in outreach.CARE_SERVICES.items()]}


def activity_reply(**fields):
    return {"id": ACTIVITY_ID, "organisation_id": BRANCH, "title": "义务植树", "held_on": "2026-03-01",
            "description": None, "volunteers": 1, "hours": 2.5, **fields}


def service_reply(**fields):
    return {"id": str(uuid.uuid4()), "activity_id": ACTIVITY_ID, "member_id": MEMBER, "organisation_id": BRANCH,
            "served_on": "2026-03-01", "hours": 2.5, "national_record_ref": None, **fields}


def project_reply(**fields):
    return {"id": str(uuid.uuid4()), "member_id": MEMBER, "organisation_id": BRANCH, "name": "骆驼城设施农业合作社",
            "industry": "设施农业", "registered_on": "2026-02-01", "investment": 500000.0, "jobs_created": 12,
            "support": None, **fields}


def hometown_event_reply(**fields):
    return {"id": str(uuid.uuid4()), "organisation_id": BRANCH, "kind": "blueprint", "title": "为家乡绘蓝图座谈会",
            "held_on": "2026-02-10", "participants": 30, "member_ids": [], **fields}


def figures_reply(**fields):
    counts = ("contacts_logged", "visits_made", "problems_solved", "jobs_found", "disputes_settled",
              "volunteer_activities", "projects", "project_jobs", "hometown_events", "village_cadres",
              "reserve_cadres", "vanguard", "members_cultivated")
    return {"organisation_id": BRANCH, "from": "2026-01-01", "to": "2026-03-02", **dict.fromkeys(counts, 1),
            "wages_recovered": 12000.5, "volunteer_hours": 2.5, "project_investment": 500000.0, **fields}


def review_reply(**fields):
    return {"id": REVIEW_ID, "member_id": MEMBER, "organisation_id": BRANCH, "opened_on": "2026-02-20",
            "cause": "member_returned", "returned_on": "2026-02-20", "months_away": 10, "last_grade": "excellent",
            "last_grade_year": 2025, "state": "open", "decision": None, "decided_on": None, "note": None, **fields}


def vanguard_reply(**fields):
    return {"id": str(uuid.uuid4()), "member_id": MEMBER, "organisation_id": BRANCH, "kind": "party_business",
            "title": "红柳湾农家乐", "designated_on": "2026-03-01", **fields}


def candidate_reply(**fields):
    return {"id": CANDIDATE_ID, "organisation_id": BRANCH, "candidate_ref": "GT-2026-017", "host": "嘉峪关市某建筑公司",
            "identified_on": "2026-03-01", "state": "following", "steps": [], **fields}


# ---- valid bodies ------------------------------------------------------------------------------------

PAIRING = {"organisation_id": BRANCH, "cadre_member_id": CADRE, "member_ids": [MEMBER], "starts_on": "2026-01-01"}
END = {"ended_on": "2026-03-01", "reason": "党员返乡定居"}
CONTACT = {"member_id": MEMBER, "channel": "phone", "occurred_at": "2026-03-01T09:30:00+08:00",
           "contacted_by": "支委赵淑芬", "summary": "询问在外务工情况"}
CAMPAIGN = {"name": "2027年春节慰问", "occasion": "spring_festival", "organisation_id": BRANCH,
            "starts_on": "2027-01-20", "ends_on": "2027-02-10", "groups": ["away_families", "hardship"]}
VISIT = {"member_id": MEMBER, "due_on": "2026-03-20", "purpose": "了解务工情况"}
COMPLETION = {"visited_on": "2026-03-02", "visited_by": "李书记", "summary": "家中老人身体健康, 送去慰问品"}
CASE = {"member_id": MEMBER, "kind": "unpaid_wages", "care_service": "wages_and_rights", "summary": "工地拖欠工资",
        "owner": "镇劳动保障所", "opened_on": "2026-03-01", "due_on": "2026-04-01"}
NOTE = {"noted_on": "2026-03-02", "note": "已联系用工单位", "due_on": "2026-04-15"}
CLOSURE = {"closed_on": "2026-03-02", "outcome": "solved", "note": "追回全部工资", "money_recovered": 12000.5}
ACTIVITY = {"organisation_id": BRANCH, "title": "义务植树", "held_on": "2026-03-01"}
SERVICE = {"member_id": MEMBER, "hours": 2.5, "national_record_ref": "ZYZ-620724-0001"}
PROJECT = {"member_id": MEMBER, "name": "骆驼城设施农业合作社", "industry": "设施农业", "registered_on": "2026-02-01",
           "investment": 500000, "jobs_created": 12}
HOMETOWN_EVENT = {"organisation_id": BRANCH, "kind": "blueprint", "title": "为家乡绘蓝图座谈会",
                  "held_on": "2026-02-10", "participants": 30}
DECISION = {"decision": "reserve_cadre", "decided_on": "2026-03-02", "note": "在外经营有成, 群众认可"}
VANGUARD = {"member_id": MEMBER, "kind": "party_business", "title": "红柳湾农家乐", "designated_on": "2026-03-01"}
CANDIDATE = {"organisation_id": BRANCH, "candidate_ref": "GT-2026-017", "host": "嘉峪关市某建筑公司",
             "identified_on": "2026-03-01"}
STEP = {"step": "home_inspection", "on": "2026-03-02"}

WRITES = {  # path: a valid body
    "/api/v1/help-pairings": PAIRING,
    f"/api/v1/help-pairings/{PAIRING_ID}/end": END,
    "/api/v1/contacts": CONTACT,
    "/api/v1/contacts/batch": {"items": [CONTACT]},
    "/api/v1/care-campaigns": CAMPAIGN,
    "/api/v1/visits": VISIT,
    f"/api/v1/visits/{VISIT_ID}/completion": COMPLETION,
    "/api/v1/help-cases": CASE,
    f"/api/v1/help-cases/{CASE_ID}/notes": NOTE,
    f"/api/v1/help-cases/{CASE_ID}/closure": CLOSURE,
    "/api/v1/volunteer-activities": ACTIVITY,
    f"/api/v1/volunteer-activities/{ACTIVITY_ID}/services": SERVICE,
    "/api/v1/return-projects": PROJECT,
    "/api/v1/hometown-events": HOMETOWN_EVENT,
    f"/api/v1/reserve-reviews/{REVIEW_ID}/decision": DECISION,
    "/api/v1/vanguard": VANGUARD,
    "/api/v1/cultivation-candidates": CANDIDATE,
    f"/api/v1/cultivation-candidates/{CANDIDATE_ID}/steps": STEP,
}


# ---- one app for the tests that send a request and read its answer ------------------------------

class FakeOutreach:
    """The shared app's outreach: records calls (the scope last), answers what it was told."""

    def __init__(self):
        self.calls, self._replies = [], {}

    def will_answer(self, method, reply, service=OUTREACH):
        self._replies[(service, method)] = reply

    def reset(self):
        self.calls.clear()
        self._replies.clear()

    def call(self, service, method, *args, scope=None, timeout=None):
        self.calls.append((service, method, (*args, scope)))
        reply = self._replies[(service, method)]
        if isinstance(reply, BaseException):
            raise reply
        return reply


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    rpc = FakeOutreach()
    app = create_app({
        "TESTING": True, "LIUDONG_TOKEN_SECRET": secrets.token_urlsafe(48), "LIUDONG_RATE_LIMIT": "100000/minute",
        "LIUDONG_RATE_LIMIT_STORAGE": "memory://", "LIUDONG_GATEWAY_MIGRATION_DATABASE_URL": None,
        "LIUDONG_GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('outreach')}/gateway.db",
    }, rpc=rpc)
    with app.extensions[ACCESS_EXTENSION].store.begin() as conn:
        key, plaintext = management.create_api_key(
            conn, name="县人社局对接", owner="县委组织部", actor="tests",
            scopes=sorted(policy.ROLE_PERMISSIONS[policy.SYSTEM_INTEGRATION]))
        management.create_grant(conn, kind=KEY, principal_id=key["id"], role=policy.SYSTEM_INTEGRATION,
                                organisation_id=None, actor="tests")
    client = app.test_client()
    client.environ_base["HTTP_X_API_KEY"] = plaintext
    # The scope the key's calls carry, as the gateway sends it.
    rpc.will_answer("care_service_card", CARD)
    assert client.get("/api/v1/care-service-card").status_code == 200
    (_, _, (scope,)), = rpc.calls
    assert scope["organisation_ids"] is None and scope["principal"] == f"key:{key['id']}"
    return SimpleNamespace(client=client, rpc=rpc, scope=scope, app=app)


@pytest.fixture
def keyed(shared):
    """The shared app's client (a platform-wide key with every scope), its fake outreach, cleared, and its scope."""
    shared.rpc.reset()
    return shared


# ---- bad input: 422 naming the field, and nothing sent ------------------------------------------

def _refused(response, location, field, status=422):
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed", error
    assert field in error["details"][location], error
    return error["details"][location][field]


def _changed(body, change):
    return {key: value for key, value in {**body, **change}.items() if value is not None}


TOO_LONG = "长" * (outreach.MAX_TEXT + 1)


@pytest.mark.parametrize("path, change, field", [
    ("/api/v1/help-pairings", {"member_ids": []}, "member_ids"),
    ("/api/v1/help-pairings", {"member_ids": [MEMBER, MEMBER]}, "member_ids"),             # a member named twice
    ("/api/v1/help-pairings", {"member_ids": [MEMBER, CADRE]}, "member_ids"),              # not paired with themself
    ("/api/v1/help-pairings", {"member_ids": [str(uuid.uuid4()) for _ in range(51)]}, "member_ids"),
    ("/api/v1/help-pairings", {"member_ids": ["M1"]}, "member_ids"),
    ("/api/v1/help-pairings", {"period": "week"}, "period"),
    ("/api/v1/help-pairings", {"starts_on": None}, "starts_on"),
    ("/api/v1/help-pairings", {"cadre_member_id": None}, "cadre_member_id"),
    ("/api/v1/help-pairings", {"kind": "one_to_one"}, "kind"),                             # derived, never sent
    (f"/api/v1/help-pairings/{PAIRING_ID}/end", {"ended_on": None}, "ended_on"),
    (f"/api/v1/help-pairings/{PAIRING_ID}/end", {"reason": TOO_LONG}, "reason"),
    ("/api/v1/contacts", {"channel": "pigeon"}, "channel"),
    ("/api/v1/contacts", {"occurred_at": "2026-03-01T09:30:00"}, "occurred_at"),          # no offset: which minute?
    ("/api/v1/contacts", {"occurred_at": "2026-03-01"}, "occurred_at"),
    ("/api/v1/contacts", {"follow_up": "下月再联系"}, "follow_up"),                          # but follow_up_needed false
    ("/api/v1/contacts", {"summary": ""}, "summary"),
    ("/api/v1/contacts", {"contacted_by": None}, "contacted_by"),
    ("/api/v1/contacts", {"member_id": "M1"}, "member_id"),
    ("/api/v1/contacts", {"pairing_id": "pairing 3"}, "pairing_id"),
    ("/api/v1/care-campaigns", {"ends_on": "2027-01-19"}, "ends_on"),                     # ends before it starts
    ("/api/v1/care-campaigns", {"groups": []}, "groups"),
    ("/api/v1/care-campaigns", {"groups": ["hardship", "hardship"]}, "groups"),
    ("/api/v1/care-campaigns", {"groups": ["everyone"]}, "groups"),
    ("/api/v1/care-campaigns", {"occasion": "birthday"}, "occasion"),
    ("/api/v1/care-campaigns", {"name": ""}, "name"),
    ("/api/v1/visits", {"due_on": None}, "due_on"),
    ("/api/v1/visits", {"purpose": ""}, "purpose"),
    ("/api/v1/visits", {"cause": "homecoming"}, "cause"),                                 # the platform's own causes
    (f"/api/v1/visits/{VISIT_ID}/completion", {"visited_by": None}, "visited_by"),
    (f"/api/v1/visits/{VISIT_ID}/completion", {"visited_on": "yesterday"}, "visited_on"),
    (f"/api/v1/visits/{VISIT_ID}/completion", {"summary": TOO_LONG}, "summary"),
    ("/api/v1/help-cases", {"kind": "loan"}, "kind"),
    ("/api/v1/help-cases", {"care_service": "massage"}, "care_service"),
    ("/api/v1/help-cases", {"due_on": "2026-02-28"}, "due_on"),                           # due before it opened
    ("/api/v1/help-cases", {"owner": None}, "owner"),
    (f"/api/v1/help-cases/{CASE_ID}/notes", {"note": ""}, "note"),
    (f"/api/v1/help-cases/{CASE_ID}/notes", {"noted_on": None}, "noted_on"),
    (f"/api/v1/help-cases/{CASE_ID}/closure", {"outcome": "maybe"}, "outcome"),
    (f"/api/v1/help-cases/{CASE_ID}/closure", {"money_recovered": -1}, "money_recovered"),
    (f"/api/v1/help-cases/{CASE_ID}/closure", {"jobs_found": -1}, "jobs_found"),
    (f"/api/v1/help-cases/{CASE_ID}/closure", {"note": None}, "note"),
    ("/api/v1/volunteer-activities", {"title": ""}, "title"),
    ("/api/v1/volunteer-activities", {"held_on": None}, "held_on"),
    (f"/api/v1/volunteer-activities/{ACTIVITY_ID}/services", {"hours": 0.25}, "hours"),  # half an hour at least
    (f"/api/v1/volunteer-activities/{ACTIVITY_ID}/services", {"hours": 25}, "hours"),
    (f"/api/v1/volunteer-activities/{ACTIVITY_ID}/services", {"member_id": None}, "member_id"),
    ("/api/v1/return-projects", {"investment": -5}, "investment"),
    ("/api/v1/return-projects", {"jobs_created": None}, "jobs_created"),
    ("/api/v1/return-projects", {"investment": "五十万"}, "investment"),
    ("/api/v1/hometown-events", {"kind": "party"}, "kind"),
    ("/api/v1/hometown-events", {"participants": -1}, "participants"),
    ("/api/v1/hometown-events", {"member_ids": [str(uuid.uuid4()) for _ in range(501)]}, "member_ids"),
    (f"/api/v1/reserve-reviews/{REVIEW_ID}/decision", {"decision": "maybe"}, "decision"),
    (f"/api/v1/reserve-reviews/{REVIEW_ID}/decision", {"note": None}, "note"),
    ("/api/v1/vanguard", {"kind": "hero"}, "kind"),
    ("/api/v1/vanguard", {"designated_on": None}, "designated_on"),
    ("/api/v1/cultivation-candidates", {"candidate_ref": ""}, "candidate_ref"),
    ("/api/v1/cultivation-candidates", {"host": None}, "host"),
    ("/api/v1/cultivation-candidates", {"name": "王某"}, "name"),                          # the file holds who they are
    (f"/api/v1/cultivation-candidates/{CANDIDATE_ID}/steps", {"step": "sworn_in"}, "step"),
    (f"/api/v1/cultivation-candidates/{CANDIDATE_ID}/steps", {"on": None}, "on"),
])
def test_a_bad_body_is_422_naming_the_field_and_nothing_is_sent(keyed, path, change, field):
    _refused(keyed.client.post(path, json=_changed(WRITES[path], change)), "json", field)
    assert keyed.rpc.calls == []


@pytest.mark.parametrize("path", list(WRITES))
def test_a_body_that_is_not_json_is_400_and_nothing_is_sent(keyed, path):
    response = keyed.client.post(path, data="member_id=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_json"
    assert keyed.rpc.calls == []


@pytest.mark.parametrize("path, field", [
    ("/api/v1/help-pairings?active=maybe", "active"),
    ("/api/v1/help-pairings?cadre=x", "cadre"),                    # a misspelt filter is refused, not ignored
    ("/api/v1/help-pairings?organisation_id=B1", "organisation_id"),
    ("/api/v1/four-ones?state=late", "state"),
    ("/api/v1/four-ones?on=today", "on"),
    ("/api/v1/four-ones?pairing_id=p1", "pairing_id"),
    ("/api/v1/contacts?channel=pigeon", "channel"),
    ("/api/v1/contacts?from=2026-13-01", "from"),
    ("/api/v1/contacts?follow_up_needed=maybe", "follow_up_needed"),
    (f"/api/v1/members/{MEMBER}/contacts?member_id={CADRE}", "member_id"),  # the path says whose
    (f"/api/v1/members/{MEMBER}/contacts?per_page=101", "per_page"),
    ("/api/v1/care-campaigns?organisation_id=x", "organisation_id"),
    ("/api/v1/care-campaigns?occasion=birthday", "occasion"),
    ("/api/v1/care-campaigns?state=listed", "state"),
    ("/api/v1/visits?cause=birthday", "cause"),
    ("/api/v1/visits?state=late", "state"),
    ("/api/v1/visits?campaign_id=c1", "campaign_id"),
    ("/api/v1/help-cases?overdue=maybe", "overdue"),
    ("/api/v1/help-cases?kind=loan", "kind"),
    ("/api/v1/volunteer-activities?per_page=0", "per_page"),
    (f"/api/v1/volunteer-activities/{ACTIVITY_ID}/services?page=0", "page"),
    ("/api/v1/return-projects?member_id=M1", "member_id"),
    ("/api/v1/hometown-events?kind=blueprint", "kind"),
    ("/api/v1/outreach-figures?from=2026-03-01&to=2026-01-01", "from"),  # from after to
    ("/api/v1/outreach-figures?organisation_id=x", "organisation_id"),
    ("/api/v1/outreach-figures?year=2026", "year"),
    ("/api/v1/reserve-reviews?state=late", "state"),
    ("/api/v1/vanguard?kind=hero", "kind"),
    ("/api/v1/cultivation-candidates?state=late", "state"),
    (f"/api/v1/cultivation-candidates?member_id={MEMBER}", "member_id"),  # a candidate is not a member yet
])
def test_bad_filters_are_422_naming_the_parameter_and_nothing_is_sent(keyed, path, field):
    _refused(keyed.client.get(path), "query", field)
    assert keyed.rpc.calls == []


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/help-pairings/p1"),
    ("post", "/api/v1/help-pairings/p1/end"),
    ("get", "/api/v1/members/M1/contacts"),
    ("get", "/api/v1/care-campaigns/2027"),
    ("get", "/api/v1/visits/v1"),
    ("post", "/api/v1/visits/v1/completion"),
    ("get", "/api/v1/help-cases/c1"),
    ("post", "/api/v1/help-cases/c1/notes"),
    ("post", "/api/v1/help-cases/c1/closure"),
    ("get", "/api/v1/volunteer-activities/a1"),
    ("get", "/api/v1/volunteer-activities/a1/services"),
    ("post", "/api/v1/volunteer-activities/a1/services"),
    ("get", "/api/v1/reserve-reviews/r1"),
    ("post", "/api/v1/reserve-reviews/r1/decision"),
    ("get", "/api/v1/cultivation-candidates/GT-2026-017"),
    ("post", "/api/v1/cultivation-candidates/GT-2026-017/steps"),
])
def test_ids_in_the_path_are_uuids(keyed, method, path):
    assert getattr(keyed.client, method)(path, json={}).status_code == 404
    assert keyed.rpc.calls == []


# ---- valid requests: the right RPC with the right arguments -----------------------------------------

# (method, path, body or None, RPC method, its arguments before the scope, reply, status)
FORWARDED = [
    ("post", "/api/v1/help-pairings", PAIRING, "form_pairing", ({**PAIRING, "period": "quarter"},),
     pairing_reply(), 201),
    ("get", f"/api/v1/help-pairings?organisation_id={BRANCH}&active=true&cadre_member_id={CADRE}", None,
     "list_pairings", ({"organisation_id": BRANCH, "active": True, "cadre_member_id": CADRE, **FIRST_PAGE},),
     page([pairing_reply()]), 200),
    ("get", f"/api/v1/help-pairings/{PAIRING_ID}", None, "get_pairing", (PAIRING_ID,), pairing_reply(), 200),
    ("post", f"/api/v1/help-pairings/{PAIRING_ID}/end", END, "end_pairing", (PAIRING_ID, END),
     pairing_reply(ended_on="2026-03-01", end_reason="党员返乡定居"), 200),
    ("get", f"/api/v1/four-ones?pairing_id={PAIRING_ID}&on=2026-03-02&state=due&per_page=50", None, "four_ones",
     ({"pairing_id": PAIRING_ID, "on": "2026-03-02", "state": "due", "page": 1, "per_page": 50},),
     four_ones_reply(), 200),
    ("post", "/api/v1/contacts", CONTACT, "log_contact",
     ({**CONTACT, "follow_up_needed": False, "follow_up": None, "pairing_id": None},), contact_reply(), 201),
    ("post", "/api/v1/contacts/batch", {"items": [CONTACT, CONTACT, {**CONTACT, "member_id": CADRE}]}, "log_contacts",
     ({"items": [CONTACT, CONTACT, {**CONTACT, "member_id": CADRE}]},), contact_batch_reply(), 200),
    ("get", "/api/v1/contacts?channel=letter&follow_up_needed=true&from=2026-01-01&to=2026-03-02", None,
     "list_contacts", ({"channel": "letter", "follow_up_needed": True, "from": "2026-01-01", "to": "2026-03-02",
                        **FIRST_PAGE},), page([contact_reply(channel="letter")]), 200),
    ("get", f"/api/v1/members/{MEMBER}/contacts?channel=visit", None, "list_contacts",
     ({"member_id": MEMBER, "channel": "visit", **FIRST_PAGE},), page([contact_reply(channel="visit")]), 200),
    ("get", f"/api/v1/members/{MEMBER}/contacts", None, "list_contacts", ({"member_id": MEMBER, **FIRST_PAGE},),
     page([]), 200),
    ("post", "/api/v1/care-campaigns", CAMPAIGN, "launch_campaign", (CAMPAIGN,),
     campaign_reply(state="listing", visits_scheduled=0), 202),
    ("get", f"/api/v1/care-campaigns?organisation_id={BRANCH}&occasion=spring_festival&page=2", None,
     "list_campaigns", ({"organisation_id": BRANCH, "occasion": "spring_festival", "page": 2, "per_page": 20},),
     page([campaign_reply()], page=2), 200),
    ("get", f"/api/v1/care-campaigns/{CAMPAIGN_ID}", None, "get_campaign", (CAMPAIGN_ID,), campaign_reply(), 200),
    ("post", "/api/v1/visits", VISIT, "schedule_visit", (VISIT,), visit_reply(), 201),
    ("get", f"/api/v1/visits?campaign_id={CAMPAIGN_ID}&cause=campaign&state=scheduled", None, "list_visits",
     ({"campaign_id": CAMPAIGN_ID, "cause": "campaign", "state": "scheduled", **FIRST_PAGE},),
     page([visit_reply(cause="campaign", campaign_id=CAMPAIGN_ID, group="hardship")]), 200),
    ("get", f"/api/v1/visits/{VISIT_ID}", None, "get_visit", (VISIT_ID,), visit_reply(), 200),
    ("post", f"/api/v1/visits/{VISIT_ID}/completion", COMPLETION, "complete_visit",
     (VISIT_ID, {**COMPLETION, "follow_up_needed": False}),
     visit_reply(state="completed", visited_on="2026-03-02", visited_by="李书记", summary=COMPLETION["summary"]), 200),
    ("post", "/api/v1/help-cases", CASE, "open_help_case", (CASE,), case_reply(), 201),
    ("get", f"/api/v1/help-cases?member_id={MEMBER}&kind=unpaid_wages&state=open&overdue=false", None,
     "list_help_cases", ({"member_id": MEMBER, "kind": "unpaid_wages", "state": "open", "overdue": False,
                          **FIRST_PAGE},), page([{k: v for k, v in case_reply().items() if k != "timeline"}]), 200),
    ("get", f"/api/v1/help-cases/{CASE_ID}", None, "get_help_case", (CASE_ID,), case_reply(), 200),
    ("post", f"/api/v1/help-cases/{CASE_ID}/notes", NOTE, "note_help_case", (CASE_ID, NOTE),
     case_reply(due_on="2026-04-15"), 201),
    ("post", f"/api/v1/help-cases/{CASE_ID}/closure", CLOSURE, "close_help_case",
     (CASE_ID, {**CLOSURE, "jobs_found": 0, "disputes_settled": 0}),
     case_reply(state="closed", closed_on="2026-03-02", outcome="solved", money_recovered=12000.5), 200),
    ("get", "/api/v1/care-service-card", None, "care_service_card", (), CARD, 200),
    ("post", "/api/v1/volunteer-activities", ACTIVITY, "hold_volunteer_activity", ({**ACTIVITY, "description": None},),
     activity_reply(volunteers=0, hours=0), 201),
    ("get", f"/api/v1/volunteer-activities?organisation_id={BRANCH}", None, "list_volunteer_activities",
     ({"organisation_id": BRANCH, **FIRST_PAGE},), page([activity_reply()]), 200),
    ("get", f"/api/v1/volunteer-activities/{ACTIVITY_ID}", None, "get_volunteer_activity", (ACTIVITY_ID,),
     activity_reply(), 200),
    ("post", f"/api/v1/volunteer-activities/{ACTIVITY_ID}/services", SERVICE, "log_volunteer_service",
     (ACTIVITY_ID, SERVICE), service_reply(national_record_ref="ZYZ-620724-0001"), 201),
    ("get", f"/api/v1/volunteer-activities/{ACTIVITY_ID}/services?member_id={MEMBER}", None,
     "list_volunteer_services", (ACTIVITY_ID, {"member_id": MEMBER, **FIRST_PAGE}), page([service_reply()]), 200),
    ("post", "/api/v1/return-projects", PROJECT, "register_project", ({**PROJECT, "support": None},),
     project_reply(), 201),
    ("get", f"/api/v1/return-projects?member_id={MEMBER}", None, "list_projects",
     ({"member_id": MEMBER, **FIRST_PAGE},), page([project_reply()]), 200),
    ("post", "/api/v1/hometown-events", HOMETOWN_EVENT, "hold_hometown_event",
     ({**HOMETOWN_EVENT, "member_ids": []},), hometown_event_reply(), 201),
    ("get", "/api/v1/hometown-events?per_page=5", None, "list_hometown_events", ({"page": 1, "per_page": 5},),
     page([hometown_event_reply()], per_page=5), 200),
    ("get", f"/api/v1/outreach-figures?organisation_id={BRANCH}&from=2026-01-01&to=2026-03-02", None,
     "outreach_figures", ({"organisation_id": BRANCH, "from": "2026-01-01", "to": "2026-03-02"},),
     figures_reply(), 200),
    ("get", "/api/v1/outreach-figures", None, "outreach_figures", ({},), figures_reply(organisation_id=None), 200),
    ("get", f"/api/v1/reserve-reviews?state=open&organisation_id={BRANCH}", None, "list_reserve_reviews",
     ({"state": "open", "organisation_id": BRANCH, **FIRST_PAGE},), page([review_reply()]), 200),
    ("get", f"/api/v1/reserve-reviews/{REVIEW_ID}", None, "get_reserve_review", (REVIEW_ID,), review_reply(), 200),
    ("post", f"/api/v1/reserve-reviews/{REVIEW_ID}/decision", DECISION, "decide_reserve_review",
     (REVIEW_ID, DECISION), review_reply(state="nominated", decision="reserve_cadre", decided_on="2026-03-02",
                                         note=DECISION["note"]), 200),
    ("post", "/api/v1/vanguard", VANGUARD, "designate_vanguard", (VANGUARD,), vanguard_reply(), 201),
    ("get", "/api/v1/vanguard?kind=pioneer_post", None, "list_vanguard", ({"kind": "pioneer_post", **FIRST_PAGE},),
     page([vanguard_reply(kind="pioneer_post")]), 200),
    ("post", "/api/v1/cultivation-candidates", CANDIDATE, "identify_candidate", (CANDIDATE,), candidate_reply(), 201),
    ("get", "/api/v1/cultivation-candidates?state=following", None, "list_candidates",
     ({"state": "following", **FIRST_PAGE},), page([candidate_reply()]), 200),
    ("get", f"/api/v1/cultivation-candidates/{CANDIDATE_ID}", None, "get_candidate", (CANDIDATE_ID,),
     candidate_reply(), 200),
    ("post", f"/api/v1/cultivation-candidates/{CANDIDATE_ID}/steps", STEP, "record_cultivation_step",
     (CANDIDATE_ID, {**STEP, "note": None}),
     candidate_reply(steps=[{"step": "home_inspection", "on": "2026-03-02", "note": None}]), 201),
]
# hours are decimals: their JSON is checked apart (test_hours_are_answered_as_json_numbers)
WITH_HOURS = {"hold_volunteer_activity", "list_volunteer_activities", "get_volunteer_activity",
              "log_volunteer_service", "list_volunteer_services", "outreach_figures"}


def _without_hours(value):
    if isinstance(value, dict):
        return {key: _without_hours(item) for key, item in value.items() if key not in ("hours", "volunteer_hours")}
    if isinstance(value, list):
        return [_without_hours(item) for item in value]
    return value


def test_every_outreach_operation_is_forwarded_here(shared):
    """FORWARDED has a request for every outreach operation of the app."""
    tested = {(method, path.split("?")[0]) for method, path, *_ in FORWARDED}
    served = {(method.lower(), rule.rule) for rule in shared.app.url_map.iter_rules()
              if any(rule.endpoint.startswith(f"{name}.") for name in (
                  "help_pairings", "contacts", "care", "help_cases", "volunteering", "homecoming_projects", "reserve"))
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    as_rules = {(method, _rule_of(path, served)) for method, path in tested}
    assert as_rules == served


def _rule_of(path, served):
    for _, rule in served:
        parts, pattern = path.split("/"), rule.split("/")
        if len(parts) == len(pattern) and all(p == r or r.startswith("<uuid:") for p, r in zip(parts, pattern)):
            return rule
    raise AssertionError(f"no rule serves {path}")


@pytest.mark.parametrize("method, path, body, rpc, args, reply, status", FORWARDED,
                         ids=[f"{case[0]} {case[1].split('?')[0]}" for case in FORWARDED])
def test_a_valid_request_sends_the_right_rpc_and_answers_the_reply(keyed, method, path, body, rpc, args, reply,
                                                                   status):
    keyed.rpc.will_answer(rpc, reply)

    response = keyed.client.post(path, json=body) if method == "post" else keyed.client.get(path)

    assert response.status_code == status, response.get_json()
    assert keyed.rpc.calls == [(OUTREACH, rpc, (*args, keyed.scope))]
    if rpc in WITH_HOURS:
        assert _without_hours(response.get_json()) == _without_hours(reply)
    else:
        assert response.get_json() == reply


def test_a_contact_logged_before_is_answered_200_with_the_contact_already_there(keyed):
    first = contact_reply(duplicate=True, recorded_at="2026-03-01T01:31:00+00:00")
    keyed.rpc.will_answer("log_contact", first)

    response = keyed.client.post("/api/v1/contacts", json=CONTACT)

    assert response.status_code == 200 and response.get_json() == first
    (_, method, _), = keyed.rpc.calls
    assert method == "log_contact"


def test_a_contact_logged_twice_is_audited_with_its_id_both_times(client, fake_rpc, access):
    contact = contact_reply()
    answers = iter([contact, {**contact, "duplicate": True}])
    fake_rpc.will_answer("log_contact", lambda *args: next(answers), service=OUTREACH)

    assert client.post("/api/v1/contacts", json=CONTACT).status_code == 201
    assert client.post("/api/v1/contacts", json=CONTACT).status_code == 200

    with access.store.connect() as conn:
        records, _ = store.list_audit_records(conn, page=1, per_page=10, action="contacts.log")
    succeeded = [record for record in records if record["outcome"] == "succeeded"]
    assert [record["resource_ids"] for record in succeeded] == [[contact["id"]], [contact["id"]]]


def test_a_retried_write_carries_its_idempotency_key_to_the_service(keyed):
    keyed.rpc.will_answer("open_help_case", case_reply())

    keyed.client.post("/api/v1/help-cases", json=CASE, headers={"Idempotency-Key": "case-2026-03-01-1"})

    (_, _, (_, sent_scope)), = keyed.rpc.calls
    assert sent_scope == {**keyed.scope, "idempotency_key": "case-2026-03-01-1"}


def test_hours_are_answered_as_json_numbers(keyed):
    keyed.rpc.will_answer("get_volunteer_activity", activity_reply())
    keyed.rpc.will_answer("outreach_figures", figures_reply())

    assert keyed.client.get(f"/api/v1/volunteer-activities/{ACTIVITY_ID}").get_json()["hours"] == 2.5
    assert keyed.client.get("/api/v1/outreach-figures").get_json()["volunteer_hours"] == 2.5


@pytest.mark.parametrize("body", [{}, {"items": []}, {"items": "x"}, {"items": [CONTACT, "x"]}, {"items": [{}] * 501}])
def test_a_batch_that_is_not_a_list_of_1_to_500_objects_is_refused_whole(keyed, body):
    _refused(keyed.client.post("/api/v1/contacts/batch", json=body), "json", "items")
    assert keyed.rpc.calls == []


def test_a_batch_is_audited_with_every_contact_it_logged_or_found_and_what_it_refused(client, fake_rpc, access):
    answer = contact_batch_reply()
    fake_rpc.will_answer("log_contacts", answer, service=OUTREACH)

    assert client.post("/api/v1/contacts/batch", json={"items": [CONTACT] * 3}).status_code == 200

    with access.store.connect() as conn:
        (record,), _ = store.list_audit_records(conn, page=1, per_page=10, action="contacts.log_batch.items")
    assert record["resource_ids"] == [answer["items"][0]["contact"]["id"], answer["items"][1]["contact"]["id"]]
    assert record["details"] == {"refused": {"2": "unknown_reference"}}


# ---- the service's refusals ------------------------------------------------------------------

@pytest.mark.parametrize("method, path, rpc, error, status", [
    ("post", "/api/v1/help-pairings", "form_pairing",
     ServiceError(ErrorCode.UNKNOWN_REFERENCE, "cadre_member_id is not a member of the branch",
                  {"cadre_member_id": ["not of organisation_id"]}), 422),
    ("get", f"/api/v1/help-pairings/{PAIRING_ID}", "get_pairing",
     ServiceError(ErrorCode.PAIRING_NOT_FOUND, "not found"), 404),
    ("post", f"/api/v1/help-pairings/{PAIRING_ID}/end", "end_pairing",
     ServiceError(ErrorCode.ALREADY_ENDED, "ended already"), 409),
    ("post", f"/api/v1/help-pairings/{PAIRING_ID}/end", "end_pairing",
     ServiceError(ErrorCode.VALIDATION_FAILED, "ended_on is before the pairing started",
                  {"ended_on": ["not before the pairing started"]}), 422),
    ("get", "/api/v1/four-ones", "four_ones",
     ServiceError(ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees"), 422),
    ("post", "/api/v1/contacts", "log_contact",
     ServiceError(ErrorCode.VALIDATION_FAILED, "occurred_at is in the future", {"occurred_at": ["in the future"]}),
     422),
    ("get", f"/api/v1/care-campaigns/{CAMPAIGN_ID}", "get_campaign",
     ServiceError(ErrorCode.CAMPAIGN_NOT_FOUND, "not found"), 404),
    ("get", f"/api/v1/visits/{VISIT_ID}", "get_visit", ServiceError(ErrorCode.VISIT_NOT_FOUND, "not found"), 404),
    ("post", f"/api/v1/visits/{VISIT_ID}/completion", "complete_visit",
     ServiceError(ErrorCode.ALREADY_RECORDED, "recorded already"), 409),
    ("post", f"/api/v1/help-cases/{CASE_ID}/notes", "note_help_case",
     ServiceError(ErrorCode.HELP_CASE_CLOSED, "closed"), 409),
    ("post", f"/api/v1/help-cases/{CASE_ID}/closure", "close_help_case",
     ServiceError(ErrorCode.HELP_CASE_NOT_FOUND, "not found"), 404),
    ("post", f"/api/v1/volunteer-activities/{ACTIVITY_ID}/services", "log_volunteer_service",
     ServiceError(ErrorCode.ALREADY_RECORDED, "recorded already", {"member_id": ["recorded already"]}), 409),
    ("get", f"/api/v1/volunteer-activities/{ACTIVITY_ID}", "get_volunteer_activity",
     ServiceError(ErrorCode.VOLUNTEER_ACTIVITY_NOT_FOUND, "not found"), 404),
    ("post", f"/api/v1/reserve-reviews/{REVIEW_ID}/decision", "decide_reserve_review",
     ServiceError(ErrorCode.NOT_PENDING, "decided already"), 409),
    ("get", f"/api/v1/reserve-reviews/{REVIEW_ID}", "get_reserve_review",
     ServiceError(ErrorCode.RESERVE_REVIEW_NOT_FOUND, "not found"), 404),
    ("post", "/api/v1/cultivation-candidates", "identify_candidate",
     ServiceError(ErrorCode.ALREADY_RECORDED, "followed already", {"candidate_ref": ["followed already"]}), 409),
    ("post", f"/api/v1/cultivation-candidates/{CANDIDATE_ID}/steps", "record_cultivation_step",
     ServiceError(ErrorCode.CULTIVATION_INCOMPLETE, "admission follows inspection and notice in both places"), 409),
    ("post", f"/api/v1/cultivation-candidates/{CANDIDATE_ID}/steps", "record_cultivation_step",
     ServiceError(ErrorCode.CULTIVATION_ENDED, "admitted"), 409),
    ("get", f"/api/v1/cultivation-candidates/{CANDIDATE_ID}", "get_candidate",
     ServiceError(ErrorCode.CANDIDATE_NOT_FOUND, "not found"), 404),
], ids=lambda value: value.code if isinstance(value, ServiceError) else None)
def test_the_services_refusals_are_answered_with_their_status(keyed, method, path, rpc, error, status):
    keyed.rpc.will_answer(rpc, error)

    response = keyed.client.post(path, json=WRITES[path]) if method == "post" else keyed.client.get(path)

    assert response.status_code == status
    assert response.get_json()["error"]["code"] == error.code
    assert response.get_json()["error"]["details"] == error.details
    assert [(service, name) for service, name, _ in keyed.rpc.calls] == [(OUTREACH, rpc)]


# ---- who may call what ------------------------------------------------------------------------

ANSWERS = {"list_visits": page([]), "form_pairing": pairing_reply(), "log_contact": contact_reply(),
           "open_help_case": case_reply(), "hold_volunteer_activity": activity_reply(),
           "designate_vanguard": vanguard_reply()}


@pytest.mark.parametrize("role, reads, pairs, contacts, cares, projects, reserves", [
    ("county_admin", True, True, True, True, True, True),
    ("town_admin", True, True, True, True, True, True),
    ("branch_secretary", True, True, True, True, True, True),
    ("liaison", True, False, True, True, False, False),
    ("auditor", False, False, False, False, False, False),
    ("security_officer", False, False, False, False, False, False),
])
def test_who_may_read_pair_contact_care_run_projects_and_decide_reserves(access, fake_rpc, role, reads, pairs,
                                                                         contacts, cares, projects, reserves):
    client, _ = access.user_client((role, BRANCH) if role not in ("auditor", "security_officer") else role)
    for method, reply in ANSWERS.items():
        fake_rpc.will_answer(method, reply, service=OUTREACH)

    assert client.get("/api/v1/visits").status_code == (200 if reads else 403)
    assert client.post("/api/v1/help-pairings", json=PAIRING).status_code == (201 if pairs else 403)
    assert client.post("/api/v1/contacts", json=CONTACT).status_code == (201 if contacts else 403)
    assert client.post("/api/v1/help-cases", json=CASE).status_code == (201 if cares else 403)
    assert client.post("/api/v1/volunteer-activities", json=ACTIVITY).status_code == (201 if projects else 403)
    assert client.post("/api/v1/vanguard", json=VANGUARD).status_code == (201 if reserves else 403)


def test_a_member_reads_their_own_record_and_writes_nothing(access, fake_rpc):
    client, _ = access.user_client("member", member_id=MEMBER)
    fake_rpc.will_answer("list_contacts", page([contact_reply()]), service=OUTREACH)

    assert client.get(f"/api/v1/members/{MEMBER}/contacts").status_code == 200
    for path, body in WRITES.items():
        assert client.post(path, json=body).status_code == 403, path
    ((_, method, (query, sent_scope)),) = fake_rpc.calls
    assert method == "list_contacts" and query["member_id"] == MEMBER and sent_scope["member_id"] == MEMBER


@pytest.mark.parametrize("role, path, body", [
    ("liaison", "/api/v1/help-pairings", {"member_ids": []}),              # pairing is the committee's
    ("liaison", f"/api/v1/reserve-reviews/{REVIEW_ID}/decision", {"decision": "maybe"}),
    ("liaison", "/api/v1/return-projects", {"investment": -1}),
    ("member", "/api/v1/contacts", {"channel": "pigeon"}),
    ("auditor", "/api/v1/help-cases", "not json"),
])
def test_a_refused_write_is_403_before_its_body_counts(access, fake_rpc, role, path, body):
    if role == "member":
        client, _ = access.user_client("member", member_id=MEMBER)
    else:
        client, _ = access.user_client(role if role == "auditor" else (role, BRANCH))
    response = client.post(path, json=body)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert fake_rpc.calls == []
