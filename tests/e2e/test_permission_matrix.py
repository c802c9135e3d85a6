"""The permission matrix, generated from the declarations: every route of the app
(``app.url_map`` x methods, the routes outside the OpenAPI document too), for every role,
on the role's own subtree and on another one, is called and answers what its declaration
says: 403 ``forbidden`` when no role of the caller holds the route's permission, 401
``unauthenticated`` for an API key on a person-only operation, 404 ``*_not_found`` or 422
``unknown_reference`` outside the caller's subtrees, and success inside.

Requests come from ``EXAMPLES``, one per operation (keyed by operationId, or by
``METHOD /path`` for a route outside the document); a route without an example fails
``test_every_route_has_an_example``, so a new route is covered by construction.

The world: county C with towns T1 (branch B1, member M1) and T2 (B2, M2), and a
neighbouring county C2 (B3, M3) sharing the platform. Grants sit where the role
lives: county_admin on C, town_admin, system_admin and security_officer on T1,
branch_secretary and liaison on B1, the auditor on the whole platform, a county
system's key on T1 with every scope a key may hold, and M1 as a member. "Other"
is B2/M2, or B3/M3 for the county administrator. The system administrator
manages accounts, and the security officer keys, grants and their approval,
placed on B1 ("own") and on B2 ("other"): a user with a liaison grant, a key, a
user not yet activated, and two grants a platform-wide officer asked for and
the town's officer may approve or reject.
"""
import datetime
import itertools
import secrets
from dataclasses import dataclass, field
from typing import Callable

import pytest

from contracts import education, outreach, roster, scoring
from contracts.access import mask_id_number, mask_phone
from gateway import auth
from gateway.access import policy
from gateway.app import create_app
from tests.platform import KEY_SCOPES
from tests.support import backdate_transfer, id_number, wait_for

_serial = itertools.count(1)

ROLES = ["county_admin", "town_admin", "branch_secretary", "liaison", "auditor", "security_officer",
         "system_admin", "system_integration", "member"]


def member_body(branch_id):
    n = next(_serial)
    return {"name": "矩阵测试", "gender": "female", "birth_date": "1990-01-01", "id_number": id_number("1990-01-01", n % 1000),
            "phone": f"1370000{n:04d}", "joined_on": "2015-07-01", "organisation_id": branch_id}


def ok(response, status):
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content and "json" in response.headers.get("Content-Type", "") else None


# ---- the routes, as the app declares them ---------------------------------------------------

@dataclass(frozen=True)
class Route:
    key: str             # operationId, or "METHOD /path" outside the OpenAPI document
    method: str
    endpoint: str
    requirement: object  # gateway.auth.Requirement, or None when open


def declared_routes(tmp_path):
    app = create_app({
        "LIUDONG_TOKEN_SECRET": secrets.token_urlsafe(48),
        "LIUDONG_GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path}/introspection.db",
    }, rpc=object())
    routes = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation = auth.operation_of(view, method)
            operation_id = getattr(operation, "_apidoc", {}).get("manual_doc", {}).get("operationId")
            routes.append(Route(
                operation_id or f"{method} {rule.rule}", method, rule.endpoint,
                getattr(operation, auth.REQUIREMENT_ATTRIBUTE, None),
            ))
    return app, routes


@pytest.fixture(scope="module")
def declared(tmp_path_factory):
    return declared_routes(tmp_path_factory.mktemp("introspection"))


# ---- the world --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(platform):
    def org(name, kind, parent=None):
        return ok(platform.post("/api/v1/organisations", {"name": name, "kind": kind,
                                                          "parent_id": parent["id"] if parent else None}), 201)

    def member(branch):
        return ok(platform.post("/api/v1/members", member_body(branch["id"])), 201)

    c = org("中共高台县委员会", "party_committee")
    t1, t2 = org("南华镇党委", "party_committee", c), org("巷道镇党委", "party_committee", c)
    b1, b2 = org("南华镇第1村党支部", "branch", t1), org("巷道镇第1村党支部", "branch", t2)
    c2 = org("中共临泽县委员会", "party_committee")
    b3 = org("临泽县第1村党支部", "branch", c2)
    w = {"C": c, "T1": t1, "T2": t2, "B1": b1, "B2": b2, "C2": c2, "B3": b3,
         "M1": member(b1), "M2": member(b2), "M3": member(b3), "credentials": {}, "passwords": {}, "users": {}}

    def person(role, where=None, member_id=None):
        username, password = platform.create_user(role, organisation_id=where["id"] if where else None, member_id=member_id)
        return username, password

    grant_on = {"county_admin": c, "town_admin": t1, "security_officer": t1, "system_admin": t1,
                "branch_secretary": b1, "liaison": b1, "auditor": None}
    for role, where in grant_on.items():
        username, password = person(role, where)
        w["credentials"][role] = platform.token_headers(username, password)
        w["passwords"][role] = (username, password)
    username, password = person("member", b1, member_id=w["M1"]["id"])
    w["credentials"]["member"] = platform.token_headers(username, password)
    w["passwords"]["member"] = (username, password)
    w["credentials"]["system_integration"] = {"X-API-Key": platform.create_key(KEY_SCOPES, organisation_id=t1["id"])}

    # What the town security officer manages (on B1) and does not (on B2), found by a platform-wide officer.
    setup = platform.token_headers(*person("security_officer"))

    def setup_get(path, **params):
        return ok(platform.http.get(platform.base_url + path, params=params, headers=setup, timeout=10), 200)

    def user_id(username):
        return setup_get("/api/v1/users", username=username)["items"][0]["id"]

    def setup_grant(principal, role, branch):
        answer = ok(platform.http.post(platform.base_url + "/api/v1/grants", json={
            "principal": principal, "role": role, "organisation_id": branch["id"]}, headers=setup, timeout=10), 201)
        assert answer["status"] == "pending"
        return answer["id"]

    for side, branch in (("own", b1), ("other", b2)):
        target = user_id(person("liaison", branch)[0])
        grant = setup_get("/api/v1/grants", principal=f"user:{target}")["items"][0]["id"]
        key = platform.create_key([roster.MEMBERS_READ], organisation_id=branch["id"]).split("_")[1]
        fresh = f"fresh-{side}-{secrets.token_hex(3)}"
        platform.access_cli("create-user", "--username", fresh, "--role", "liaison", "--organisation-id", branch["id"])
        w["users"][side] = {
            "user": target, "grant": grant, "key": key, "not_activated": user_id(fresh),
            "to_approve": setup_grant(f"user:{target}", "town_admin", branch),
            "to_reject": setup_grant(f"user:{target}", "county_admin", branch),
        }
    w["platform"] = platform
    platform.knows("education", [w[m]["id"] for m in ("M1", "M2", "M3")], [w[o]["id"] for o in ("C", "T1", "T2", "B1", "B2", "C2", "B3")])
    officer = user_id(w["passwords"]["security_officer"][0])
    w["officer_grant"] = setup_get("/api/v1/grants", principal=f"user:{officer}")["items"][0]["id"]
    w["education"] = _education_world(w)
    w["scoring"] = _scoring_world(w)
    w["outreach"] = _outreach_world(w)
    return w


def sides(w, role):
    """(own, other): the branch and member a role works on, and one it must not reach."""
    own = {"branch": w["B1"], "member": w["M1"], **w["users"]["own"]}
    other_branch, other_member = (w["B3"], w["M3"]) if role == "county_admin" else (w["B2"], w["M2"])
    other = {"branch": other_branch, "member": other_member, **w["users"]["other"]}
    return own, other


# ---- one example request per operation ---------------------------------------------------------

@dataclass
class Example:
    """``request(w, side, role)`` answers ``(path values, query, json)``; ``success`` inside the subtree;
    ``outside``: (status, code) on the other side, or None when the operation has no other side;
    ``member``: (status, code) a member gets inside, where what is read is an organisation's and not part of
    the member's own record (they see their own record only), or None when they get ``success``."""

    request: Callable
    success: int = 200
    outside: tuple | None = None
    check: Callable | None = field(default=None)  # more assertions on the answer inside (or outside)
    member: tuple | None = None


def _ids(body):
    return {item["id"] for item in body["items"]}


def _lists_own_member_only(body, own, other, role):
    ids = _ids(body)
    assert own["member"]["id"] in ids and other["member"]["id"] not in ids
    if role == "member":
        assert ids == {own["member"]["id"]}


def _shows_personal_data_as_the_role_may(body, own, other, role):
    allowed = permissions_of(role)
    full = roster.PERSONAL_DATA_READ in allowed
    assert body["id_number"] == (own["member"]["id_number"] if full else mask_id_number(own["member"]["id_number"]))
    assert body["birth_date"] == ("1990-01-01" if full else None) and body["birth_year"] == 1990
    shown = full or roster.PHONE_READ in allowed
    assert body["phone"] == (own["member"]["phone"] if shown else mask_phone(own["member"]["phone"]))


def _lists_own_branch_only(body, own, other, role):
    ids = _ids(body)
    assert own["branch"]["id"] in ids and other["branch"]["id"] not in ids


def _counts_own_subtree_only(body, own, other, role):
    counted = {row["organisation_id"] for row in body["members_by_organisation"]}
    assert other["branch"]["id"] not in counted, counted
    assert role == "member" or own["branch"]["id"] in counted, counted


def _one_item(body, status):
    assert [item["status"] for item in body["items"]] == [status], body


# Back within six months, so that the departure may have its mobile-member card (issue 8).
DEPARTURE = {"destination_province": "甘肃省", "destination_city": "嘉峪关市", "work": "钢铁厂", "contact": "13700009999",
             "expected_return_on": (datetime.date.today() + datetime.timedelta(days=60)).isoformat()}
ONLINE = {"name": "网络党支部", "kind": "village_online_branch"}
NOT_FOUND = (404, "not_found")
UNKNOWN = (422, "unknown_reference")


def _lists_own_principal_only(kind):
    def check(body, own, other, role):
        ids = _ids(body)
        assert own[kind] in ids and other[kind] not in ids, ids

    return check


def _password(w, role):
    """The role's own password, set again unchanged; a key has none (and is refused before the body counts)."""
    return w["passwords"].get(role, ("", "no-password-for-a-key"))[1]


def _new_username():
    return f"liaison-{next(_serial)}-{secrets.token_hex(2)}"


def _activation(w, s, r):
    """A new account's owner activates it: a fresh account (and code) for every caller."""
    username = _new_username()
    code = w["platform"].access_cli("create-user", "--username", username, "--role", "liaison",
                                    "--organisation-id", w["B1"]["id"])
    return {}, None, {"username": username, "code": code, "password": secrets.token_urlsafe(15)}


def _exclusion_to_withdraw(w):
    """A fresh exclusion in B1 for every caller (each may be withdrawn once), approved by the county."""
    return ok(w["platform"].post(f"/api/v1/organisations/{w['B1']['id']}/attendance-exclusions", {
        "member_id": w["M1"]["id"], "ground": "abroad_at_own_expense", "approved_by_organisation_id": w["C"]["id"],
        "approved_on": "2026-01-05", "agreed_on": "2026-01-10", "valid_from": "2027-01-10"}), 201)["id"]
# ---- issue 8: 双报到 ----
CHECK_IN = {"host_name": "嘉峪关市某社区党委", "host_place": "甘肃省嘉峪关市"}


def _check_in_to_confirm(w, s, r):
    """Inside: a fresh member of the own branch, away and checked in (set up by the platform's
    own key), for the home side to confirm; each side confirms once, so every caller gets its own.
    Outside: the other member, and a check-in id that is not theirs."""
    if not s["own"]:
        return {"member_id": s["member"]["id"], "check_in_id": "00000000-0000-4000-8000-000000000000"}, None, {
            "side": "home"}
    platform = w["platform"]
    member = ok(platform.post("/api/v1/members", member_body(s["branch"]["id"])), 201)
    ok(platform.post(f"/api/v1/members/{member['id']}/departures", DEPARTURE), 201)
    record = ok(platform.post(f"/api/v1/members/{member['id']}/check-ins", CHECK_IN), 201)
    return {"member_id": member["id"], "check_in_id": record["id"]}, None, {"side": "home"}


# The order is the order of the calls: a departure before its return.
EXAMPLES = {
    # organisations
    "listOrganisations": Example(lambda w, s, r: ({}, {"per_page": 100}, None), check=_lists_own_branch_only),
    # one online branch per village (issue 8): each caller that may create gets a fresh village of its own
    "createOrganisation": Example(lambda w, s, r: ({}, None, {**ONLINE, "parent_id": _village(w, s, r)["id"]}), 201,
                                  UNKNOWN),
    "getOrganisation": Example(lambda w, s, r: ({"organisation_id": s["branch"]["id"]}, None, None),
                               outside=(404, "organisation_not_found")),
    "getOrganisationSubtree": Example(lambda w, s, r: ({"organisation_id": s["branch"]["id"]}, None, None),
                                      outside=(404, "organisation_not_found")),
    # members
    "listMembers": Example(lambda w, s, r: ({}, {"per_page": 100} if s["own"] else {"organisation_id": s["branch"]["id"]}, None),
                           outside=UNKNOWN, check=_lists_own_member_only),
    "registerMember": Example(lambda w, s, r: ({}, None, member_body(s["branch"]["id"])), 201, UNKNOWN),
    "getMember": Example(lambda w, s, r: ({"member_id": s["member"]["id"]}, None, None),
                         outside=(404, "member_not_found"), check=_shows_personal_data_as_the_role_may),
    "lookupMember": Example(lambda w, s, r: ({}, None, {"id_number": s["member"]["id_number"]}),
                            outside=(404, "member_not_found")),
    "exportMembers": Example(lambda w, s, r: ({}, {"organisation_id": s["branch"]["id"]}, None), outside=UNKNOWN),
    "reportDeparture": Example(lambda w, s, r: ({"member_id": s["member"]["id"]}, None, DEPARTURE), 201,
                               (404, "member_not_found")),
    # right after reportDeparture: the member is away, so the item is refused (and the return follows)
    "reportDepartures": Example(lambda w, s, r: ({}, None, {"items": [{"member_id": s["member"]["id"], **DEPARTURE}]}),
                                200, (200, None), check=lambda body, own, other, role: _one_item(body, 409)),
    # issue 8: 双报到 (M1 is away here, between the departure and the return)
    "reportCheckIn": Example(lambda w, s, r: ({"member_id": s["member"]["id"]}, None, CHECK_IN), 201,
                             (404, "member_not_found")),
    "listCheckIns": Example(lambda w, s, r: ({"member_id": s["member"]["id"]}, None, None), outside=(404, "member_not_found")),
    "confirmCheckIn": Example(_check_in_to_confirm, 201, (404, "check_in_not_found")),
    "issueMobileMemberCard": Example(lambda w, s, r: ({"member_id": s["member"]["id"]}, None, {"branch_id": w["B2"]["id"]}),
                                     201, (404, "member_not_found")),
    "listMobileMemberCards": Example(lambda w, s, r: ({"member_id": s["member"]["id"]}, None, None),
                                     outside=(404, "member_not_found")),
    "listMembersAwaitingCheckIn": Example(
        lambda w, s, r: ({}, {"per_page": 100} if s["own"] else {"organisation_id": s["branch"]["id"]}, None),
        outside=UNKNOWN),
    "listMembersWhoShouldTransfer": Example(
        lambda w, s, r: ({}, {"per_page": 100} if s["own"] else {"organisation_id": s["branch"]["id"]}, None),
        outside=UNKNOWN),
    "reportReturn": Example(lambda w, s, r: ({"member_id": s["member"]["id"]}, None, {}), 201, (404, "member_not_found")),
    # the county statistics (issue 8): the caller's own subtree, and a branch outside it by name
    "getStatistics": Example(lambda w, s, r: ({}, {} if s["own"] else {"organisation_id": s["branch"]["id"]}, None),
                             outside=(404, "organisation_not_found"), check=_counts_own_subtree_only),
    # batches (issue 8): answered per item, so the batch is a 200 and each item says what its single
    # request would have (outside the caller's subtree: the item's 422 or 404)
    "registerMembers": Example(lambda w, s, r: ({}, None, {"items": [member_body(s["branch"]["id"])]}), 200,
                               (200, None), check=lambda body, own, other, role: _one_item(body, 201)),

    # issue 8: quorum, 留党察看 and exclusions from 应到会 (the branch's own member attends; the town approved)
    "checkQuorum": Example(lambda w, s, r: ({"organisation_id": s["branch"]["id"]}, None,
                                            {"date": "2026-06-06", "present": [s["member"]["id"]]}),
                         outside=(404, "organisation_not_found"),
                         check=lambda body, own, other, role: body["present_with_vote"] == 1 or _fail(body)),
    "listAttendanceExclusions": Example(lambda w, s, r: ({"organisation_id": s["branch"]["id"]}, None, None),
                                        outside=(404, "organisation_not_found")),
    "recordAttendanceExclusion": Example(lambda w, s, r: ({"organisation_id": s["branch"]["id"]}, None, {
        "member_id": s["member"]["id"], "ground": "serving_sentence", "approved_by_organisation_id": w["C"]["id"],
        "approved_on": "2026-01-05", "agreed_on": "2026-01-10", "valid_from": "2027-01-10"}), 201,
        (404, "organisation_not_found")),
    "withdrawAttendanceExclusion": Example(lambda w, s, r: (
        {"organisation_id": s["branch"]["id"], "exclusion_id": _exclusion_to_withdraw(w) if s["own"] else w["B1"]["id"]},
        None, {"effective_from": "2027-02-01", "reason": "已返乡"}), 201, (404, "organisation_not_found")),
    "listPartyProbations": Example(lambda w, s, r: ({"organisation_id": s["branch"]["id"]}, None, None),
                                   outside=(404, "organisation_not_found")),
    "recordPartyProbation": Example(lambda w, s, r: ({"organisation_id": s["branch"]["id"]}, None, {
        "member_id": s["member"]["id"], "starts_on": "2027-01-01", "ends_on": "2027-06-30", "decided_by": "镇纪委",
        "decided_on": "2026-01-05"}), 201, (404, "organisation_not_found")),
    # people's own account and the audit record
    "changeOwnPassword": Example(lambda w, s, r: ({}, None, {"current_password": _password(w, r), "new_password": _password(w, r)}),
                                 204),
    "revokeTokens": Example(lambda w, s, r: ({}, None, None), 204),
    "listAuditRecords": Example(lambda w, s, r: ({}, {"per_page": 5}, None)),
    # access management
    "listUsers": Example(lambda w, s, r: ({}, {"per_page": 100}, None), check=_lists_own_principal_only("user")),
    "createUser": Example(lambda w, s, r: ({}, None, {"username": _new_username(), "display_name": "联络员"}), 201),
    "getUser": Example(lambda w, s, r: ({"user_id": s["user"]}, None, None), outside=NOT_FOUND),
    "updateUser": Example(lambda w, s, r: ({"user_id": s["user"]}, None, {"display_name": "联络员（已核）"}), outside=NOT_FOUND),
    "issueActivation": Example(lambda w, s, r: ({"user_id": s["not_activated"]}, None, None), 201, NOT_FOUND),
    "listApiKeys": Example(lambda w, s, r: ({}, {"per_page": 100}, None), check=_lists_own_principal_only("key")),
    "createApiKey": Example(lambda w, s, r: ({}, None, {"name": "镇便民服务中心", "owner": "镇党委", "scopes": [roster.MEMBERS_READ],
                                                       "organisation_id": s["branch"]["id"]}), 201, UNKNOWN),
    "revokeApiKey": Example(lambda w, s, r: ({"key_id": s["key"]}, None, None), outside=NOT_FOUND),
    "listGrants": Example(lambda w, s, r: ({}, {"per_page": 100}, None)),
    "createGrant": Example(lambda w, s, r: ({}, None, {"principal": f"user:{s['user']}", "role": "branch_secretary",
                                                       "organisation_id": s["branch"]["id"]}), 201, UNKNOWN),
    "approveGrant": Example(lambda w, s, r: ({"grant_id": s["to_approve"]}, None, None), outside=NOT_FOUND,
                            check=lambda body, own, other, role: body["status"] == "approved" or _fail(body)),
    "rejectGrant": Example(lambda w, s, r: ({"grant_id": s["to_reject"]}, None, None), outside=NOT_FOUND,
                           check=lambda body, own, other, role: body["status"] == "rejected" or _fail(body)),
    "revokeGrant": Example(lambda w, s, r: ({"grant_id": s["grant"]}, None, None), outside=NOT_FOUND),
    # open: sign-in, probes and documents
    "issueToken": Example(lambda w, s, r: ({}, None, dict(zip(("username", "password"), w["passwords"]["liaison"])))),
    "activateAccount": Example(_activation, 204),
    "getLiveness": Example(lambda w, s, r: ({}, None, None)),
    "getReadiness": Example(lambda w, s, r: ({}, None, None)),
    "GET /api/v1/openapi.json": Example(lambda w, s, r: ({}, None, None)),
    "GET /api/v1/docs": Example(lambda w, s, r: ({}, None, None)),
    "GET /api/v1/docs/assets/<filename>": Example(lambda w, s, r: ({"filename": "swagger-ui.css"}, None, None)),
    "GET /api/v1/asyncapi.json": Example(lambda w, s, r: ({}, None, None)),
}


# ---- 组织关系转接: letters made for each call, so that every role's call finds one in the state it needs ----

def _transfer_home(w):
    """A branch of a county no grant of the matrix covers: where transferred members come from and go to."""
    if "transfer_home" not in w:
        platform = w["platform"]
        county = ok(platform.post("/api/v1/organisations", {"name": "中共肃南县委员会", "kind": "party_committee"}), 201)
        w["transfer_home"] = ok(platform.post("/api/v1/organisations", {
            "name": "肃南县第1村党支部", "kind": "branch", "parent_id": county["id"]}), 201)
    return w["transfer_home"]


def _fresh_member(w, branch):
    return ok(w["platform"].post("/api/v1/members", member_body(branch["id"])), 201)


def _letter(w, member, to_branch, expired=False):
    letter = ok(w["platform"].post(f"/api/v1/members/{member['id']}/transfers", {
        "to_organisation_id": to_branch["id"], "dues_paid_until": "2026-11"}), 201)
    if expired:
        backdate_transfer(w["platform"].database_url, letter["id"], 31)
    return letter


def _letter_to_read(w, s):
    """Own side: M1's letter (the member reads their own too); other side: one to the other branch."""
    key = f"letter-{s['branch']['id']}"
    if key not in w:
        w[key] = (_letter(w, s["member"], _transfer_home(w)) if s["own"]
                  else _letter(w, _fresh_member(w, _transfer_home(w)), s["branch"]))
    return w[key]


def _letter_to_receive(w, s):
    """Addressed to the side's branch: received by its side, unknown to the other."""
    return _letter(w, _fresh_member(w, _transfer_home(w)), s["branch"])


def _expired_letter(w, s):
    """Own side: sent by the side's branch (which re-issues it); other side: sent to the other branch."""
    if s["own"]:
        return _letter(w, _fresh_member(w, s["branch"]), _transfer_home(w), expired=True)
    return _letter(w, _fresh_member(w, _transfer_home(w)), s["branch"], expired=True)


TRANSFER_NOT_FOUND = (404, "transfer_not_found")
EXAMPLES.update({
    "issueTransfer": Example(lambda w, s, r: (
        {"member_id": (_fresh_member(w, s["branch"]) if s["own"] else s["member"])["id"]}, None,
        {"to_organisation_id": _transfer_home(w)["id"], "dues_paid_until": "2026-11"}), 201, (404, "member_not_found")),
    "listTransfers": Example(lambda w, s, r: ({}, {"per_page": 100} if s["own"] else {"organisation_id": s["branch"]["id"]},
                                              None), outside=UNKNOWN),
    "getTransfer": Example(lambda w, s, r: ({"transfer_id": _letter_to_read(w, s)["id"]}, None, None),
                           outside=TRANSFER_NOT_FOUND),
    "receiveTransfer": Example(lambda w, s, r: ({"transfer_id": _letter_to_receive(w, s)["id"]}, None, {}),
                               outside=TRANSFER_NOT_FOUND,
                               check=lambda body, own, other, role: body["state"] == "received" or _fail(body)),
    "reissueTransfer": Example(lambda w, s, r: ({"transfer_id": _expired_letter(w, s)["id"]}, None, {}), 201,
                               TRANSFER_NOT_FOUND),
})

# ---- issue 8: 失联 ----
LOST = {"lost_since": "2026-01-01", "search_efforts": [
    {"on": "2026-01-10", "how": "电话联系本人", "outcome": "停机"},
    {"on": "2026-02-01", "how": "询问家属", "outcome": "家属亦无联系"}]}


def _lost_member(w, s):
    """Inside: a fresh member of the own branch whose contact is reported lost since 1 January 2026 (suspension
    due from 1 July), so that every caller restores or decides once; outside: the other member."""
    if not s["own"]:
        return s["member"]
    member = _fresh_member(w, s["branch"])
    ok(w["platform"].post(f"/api/v1/members/{member['id']}/lost-contact", LOST), 201)
    return member


EXAMPLES.update({
    "reportLostContact": Example(lambda w, s, r: ({"member_id": (_fresh_member(w, s["branch"]) if s["own"] else
                                                                 s["member"])["id"]}, None, LOST),
                                 201, (404, "member_not_found")),
    "listLostContacts": Example(lambda w, s, r: ({"member_id": s["member"]["id"]}, None, None),
                                outside=(404, "member_not_found")),
    "restoreContact": Example(lambda w, s, r: ({"member_id": _lost_member(w, s)["id"]}, None, {"note": "本人来电"}),
                              201, (404, "member_not_found")),
    "decideMembership": Example(lambda w, s, r: ({"member_id": _lost_member(w, s)["id"]}, None, {"kind": "suspension"}),
                                201, (404, "member_not_found")),
    "listLostMembers": Example(lambda w, s, r: ({}, {"per_page": 100} if s["own"] else
                                                {"organisation_id": s["branch"]["id"]}, None), outside=UNKNOWN),
})

# ---- issue 8: computed member status, its history ----
EXAMPLES["getMemberStatusHistory"] = Example(
    lambda w, s, r: ({"member_id": s["member"]["id"]}, None, None), outside=(404, "member_not_found"),
    check=lambda body, own, other, role: body["items"][0]["cause"] == "member_registered" or _fail(body))


# ---- issue 8: organisation details, stations serving branches, town–community pairings ----
# Writes that may be made once only (a village's online branch, a station's link, a town's pairing)
# get fresh organisations under T1 for each caller that holds organisations:write; the others are
# refused before the body counts, and get the side's branch.

def _writes(role):
    return roster.ORGANISATIONS_WRITE in permissions_of(role)


def _fresh(w, kind, parent=None):
    return ok(w["platform"].post("/api/v1/organisations", {
        "name": f"矩阵{kind}{next(_serial)}", "kind": kind, "parent_id": (parent or w["T1"])["id"]}), 201)


def _village(w, s, r):
    return _fresh(w, "branch") if s["own"] and _writes(r) else s["branch"]


def _station_link(w, s, r):
    if not (s["own"] and _writes(r)):
        return {"station_id": s["branch"]["id"], "link_id": "00000000-0000-4000-8000-000000000000"}
    station = _fresh(w, "red_station")
    link = ok(w["platform"].post(f"/api/v1/organisations/{station['id']}/served-branches",
                                 {"branch_id": s["branch"]["id"]}), 201)
    return {"station_id": station["id"], "link_id": link["id"]}


def _pairing_to_end(w, s, r):
    if not (s["own"] and _writes(r)):
        return "00000000-0000-4000-8000-000000000000"
    return ok(w["platform"].post("/api/v1/town-community-pairings", {
        "town_id": _fresh(w, "party_committee")["id"], "community_name": "甘州区某社区党委"}), 201)["id"]


def _pairing_to_read(w, s):
    """Own side: one pairing of a town of C with B1 as the community (so B1's people see it)."""
    if not s["own"]:
        return "00000000-0000-4000-8000-000000000000"
    if "pairing" not in w:
        w["pairing"] = ok(w["platform"].post("/api/v1/town-community-pairings", {
            "town_id": _fresh(w, "party_committee", w["C"])["id"], "community_organisation_id": w["B1"]["id"]}), 201)
    return w["pairing"]["id"]


ORGANISATION_NOT_FOUND = (404, "organisation_not_found")
EXAMPLES.update({
    "updateOrganisation": Example(lambda w, s, r: ({"organisation_id": s["branch"]["id"]}, None, {"activity_day": 15}),
                                  outside=ORGANISATION_NOT_FOUND),
    "listOrganisationChanges": Example(lambda w, s, r: ({"organisation_id": s["branch"]["id"]}, None, None),
                                       outside=ORGANISATION_NOT_FOUND),
    "linkStation": Example(lambda w, s, r: (
        {"station_id": (_fresh(w, "red_station") if s["own"] and _writes(r) else s["branch"])["id"]}, None,
        {"branch_id": s["branch"]["id"]}), 201, ORGANISATION_NOT_FOUND),
    "endStationLink": Example(lambda w, s, r: (_station_link(w, s, r), None, {}), outside=ORGANISATION_NOT_FOUND),
    "listServedBranches": Example(lambda w, s, r: ({"station_id": s["branch"]["id"]}, None, None),
                                  outside=ORGANISATION_NOT_FOUND),
    "listServingStations": Example(lambda w, s, r: ({"branch_id": s["branch"]["id"]}, None, None),
                                   outside=ORGANISATION_NOT_FOUND),
    "pairTownWithCommunity": Example(lambda w, s, r: ({}, None, {
        "town_id": (_fresh(w, "party_committee") if s["own"] and _writes(r) else s["branch"])["id"],
        "community_name": "甘州区某社区党委"}), 201, UNKNOWN),
    "listTownCommunityPairings": Example(
        lambda w, s, r: ({}, {"per_page": 100} if s["own"] else {"town_id": s["branch"]["id"]}, None), outside=UNKNOWN),
    "getTownCommunityPairing": Example(lambda w, s, r: ({"pairing_id": _pairing_to_read(w, s)}, None, None),
                                       outside=(404, "pairing_not_found")),
    "endTownCommunityPairing": Example(lambda w, s, r: ({"pairing_id": _pairing_to_end(w, s, r)}, None, {}),
                                       outside=(404, "pairing_not_found")),
})

# A success of these ends the caller's tokens: the role signs in again before its next call.
ENDS_TOKENS = {"changeOwnPassword", "revokeTokens"}


def _fail(body):
    raise AssertionError(body)


def permissions_of(role):
    return set(KEY_SCOPES) if role == "system_integration" else set(policy.ROLE_PERMISSIONS[role])


def expected(route, example, role, inside):
    """(status, error code or None) the declaration promises."""
    needed = route.requirement
    if needed is None:
        return (example.success, None) if inside else None
    if role == "system_integration" and not policy.keys_may_use(needed.permission):
        return 401, "unauthenticated"
    if needed.permission is not None and needed.permission not in permissions_of(role):
        return 403, "forbidden"
    if inside:
        return example.member if role == "member" and example.member is not None else (example.success, None)
    return example.outside


def test_every_route_has_an_example(declared):
    _, routes = declared
    keys = [route.key for route in routes]
    assert len(keys) == len(set(keys)), "two routes share an operationId"
    assert set(keys) - set(EXAMPLES) == set(), "routes without an example request: add them to EXAMPLES"
    assert set(EXAMPLES) - set(keys) == set(), "examples of routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_every_role_as_declared(platform, world, declared, role):
    app, routes = declared
    by_key = {route.key: route for route in routes}
    own, other = sides(world, role)
    urls = app.url_map.bind("localhost")
    failures = []
    for key, example in EXAMPLES.items():
        route = by_key[key]
        for inside, side in ((True, own), (False, other)):
            promised = expected(route, example, role, inside)
            if promised is None:
                continue  # nothing lies outside (a list, the caller's own account)
            values, query, body = example.request(world, {**side, "own": inside}, role)
            path = urls.build(route.endpoint, values, method=route.method)
            headers = {"X-API-Key": None} if route.requirement is None else world["credentials"][role]
            response = platform.http.request(route.method, platform.base_url + path, params=query, json=body,
                                             headers=headers, timeout=10)
            status, code = promised
            answer = response.json() if response.content and "json" in response.headers.get("Content-Type", "") else None
            got_code = (answer or {}).get("error", {}).get("code") if isinstance(answer, dict) else None
            if response.status_code != status or (code is not None and got_code != code):
                failures.append(f"{role} {key} {'inside' if inside else 'outside'}: expected {status} {code or ''}, "
                                f"got {response.status_code} {response.text[:300]}")
            elif inside and example.check and status < 300 and route.requirement is not None:
                try:
                    example.check(answer, own, other, role)
                except AssertionError as exc:
                    failures.append(f"{role} {key}: {exc}")
            if key in ENDS_TOKENS and response.status_code < 300:
                world["credentials"][role] = platform.token_headers(*world["passwords"][role])
    assert not failures, "\n".join(failures)


def test_nothing_was_written_outside_the_granted_subtrees(platform, world):
    """Runs after the matrix: the other branches still hold only what the fixture put there."""
    for branch, member in (("B2", "M2"), ("B3", "M3")):
        members = ok(platform.get("/api/v1/members", params={"organisation_id": world[branch]["id"]}), 200)
        assert [m["id"] for m in members["items"]] == [world[member]["id"]]
        assert members["items"][0]["status"] == "normal" and members["items"][0]["current_departure"] is None
        tree = ok(platform.get(f"/api/v1/organisations/{world[branch]['id']}/subtree"), 200)
        assert tree["children"] == []


def test_a_town_security_officer_cannot_revoke_outside_the_town_nor_their_own_grant(platform, world):
    officer = world["credentials"]["security_officer"]

    def delete(path):
        return platform.http.delete(platform.base_url + path, headers=officer, timeout=10)

    other = world["users"]["other"]
    assert ok(delete(f"/api/v1/grants/{other['grant']}"), 404)["error"]["code"] == "not_found"
    assert ok(delete(f"/api/v1/api-keys/{other['key']}"), 404)["error"]["code"] == "not_found"
    assert ok(delete(f"/api/v1/grants/{world['officer_grant']}"), 403)["error"]["code"] == "forbidden"


@pytest.mark.parametrize("headers, why", [
    ({"X-API-Key": None}, "no credentials"),
    ({"X-API-Key": "ld_000000000000_" + "0" * 64}, "an unknown key"),
    ({"X-API-Key": None, "Authorization": "Bearer not.a.token"}, "a malformed token"),
])
def test_without_valid_credentials_everything_is_401(platform, world, headers, why):
    response = platform.get(f"/api/v1/members/{world['M1']['id']}", headers=headers)
    error = ok(response, 401)["error"]
    assert error["code"] == "unauthenticated", why
    assert "WWW-Authenticate" in response.headers


def test_a_security_officer_alone_reaches_no_plaintext_personal_data(platform, world):
    """Issue 7's acceptance point, on the real platform: a platform-wide security officer, alone,
    tries every route to the member's ID number, and none yields it."""
    officer = platform.token_headers(*platform.create_user("security_officer"))
    plaintext = world["M1"]["id_number"]
    answers = []

    def call(method, path, status, code=None, headers=officer, **kwargs):
        response = platform.http.request(method, platform.base_url + path, headers=headers, timeout=10, **kwargs)
        answers.append(response.text)
        body = ok(response, status)
        if code is not None:
            assert body["error"]["code"] == code, body
        return body

    member_path = f"/api/v1/members/{world['M1']['id']}"
    # A key that reads personal data: refused until a second person approves, and not by its issuer.
    key = call("POST", "/api/v1/api-keys", 201, json={"name": "自建对接", "owner": "安全保密管理员",
                                                      "scopes": [roster.MEMBERS_READ, roster.PERSONAL_DATA_READ]})
    assert key["grant"]["status"] == "pending"
    call("GET", member_path, 401, "unauthenticated", headers={"X-API-Key": key["key"]})
    call("POST", f"/api/v1/grants/{key['grant']['id']}/approve", 403, "forbidden")
    call("GET", member_path, 401, "unauthenticated", headers={"X-API-Key": key["key"]})
    # An account of their own: not their duty.
    call("POST", "/api/v1/users", 403, "forbidden", json={"username": "shadow-user", "display_name": "影子"})
    # county_admin for an existing user: pending, so the user still sees the ID number masked.
    username, password = world["passwords"]["liaison"]
    user_id = call("GET", "/api/v1/users", 200, params={"username": username})["items"][0]["id"]
    granted = call("POST", "/api/v1/grants", 201, json={"principal": f"user:{user_id}", "role": "county_admin",
                                                         "organisation_id": world["C"]["id"]})
    assert granted["status"] == "pending"
    call("POST", f"/api/v1/grants/{granted['id']}/approve", 403, "forbidden")
    shown = call("GET", member_path, 200, headers=platform.token_headers(username, password))
    assert shown["id_number"] == mask_id_number(plaintext)
    # The auditor stays, and the audit record is not theirs to read.
    auditor = call("GET", "/api/v1/users", 200, params={"username": world["passwords"]["auditor"][0]})["items"][0]
    call("PATCH", f"/api/v1/users/{auditor['id']}", 403, "forbidden", json={"active": False})
    auditor_grant = call("GET", "/api/v1/grants", 200, params={"role": "auditor"})["items"][0]
    call("DELETE", f"/api/v1/grants/{auditor_grant['id']}", 409, "last_auditor")
    call("GET", "/api/v1/audit-records", 403, "forbidden")
    call("GET", member_path, 403, "forbidden")

    assert not [text for text in answers if plaintext in text]
    # Withdrawn again, so that the rest of the module sees the world as it was.
    call("DELETE", f"/api/v1/grants/{granted['id']}", 200)


# ---- issue 8: member field changes and the member timeline ----
EXAMPLES.update({
    # Inside: a fresh member of the own branch, so that M1 keeps what the other examples check.
    "updateMember": Example(lambda w, s, r: (
        {"member_id": (_fresh_member(w, s["branch"]) if s["own"] else s["member"])["id"]}, None,
        {"name": "马永福", "reason": "户籍更正"}), 200, (404, "member_not_found")),
    "getMemberTimeline": Example(lambda w, s, r: ({"member_id": s["member"]["id"]}, None, None),
                                 outside=(404, "member_not_found")),
})
# ---- issue 8: pocket members (口袋党员) ----
_stranger_serial = itertools.count(1)


def _sighting_body(branch):
    """An ID number no member holds (born 1991-02-03, unlike the matrix's members), recorded by ``branch``."""
    return {"id_number": id_number("1991-02-03", next(_stranger_serial) % 1000), "name": "口袋党员",
            "source": "registration_elsewhere", "organisation_id": branch["id"]}


def _candidate(w, branch):
    """A fresh candidate of ``branch``, recorded by the platform-wide setup key."""
    return ok(w["platform"].post("/api/v1/pocket-members/sightings", _sighting_body(branch)), 200)["pocket_member"]


POCKET_MEMBER_NOT_FOUND = (404, "pocket_member_not_found")
EXAMPLES.update({
    "listPocketMembers": Example(
        lambda w, s, r: ({}, {"per_page": 100} if s["own"] else {"organisation_id": s["branch"]["id"]}, None),
        outside=UNKNOWN),
    "reportSighting": Example(lambda w, s, r: ({}, None, _sighting_body(s["branch"])), 200, UNKNOWN,
                              check=lambda body, own, other, role: body["outcome"] == "candidate" or _fail(body)),
    "getPocketMember": Example(lambda w, s, r: ({"pocket_member_id": _candidate(w, s["branch"])["id"]}, None, None),
                               outside=POCKET_MEMBER_NOT_FOUND),
    "placePocketMember": Example(lambda w, s, r: (
        {"pocket_member_id": _candidate(w, s["branch"])["id"]}, None,
        {"branch_id": s["branch"]["id"], "phone": "13700001111", "joined_on": "2015-07-01"}), 201,
        POCKET_MEMBER_NOT_FOUND),
})


# ---- issue 9: education: talks and trainings ----
# The world's education (set up with the world, before any example moves M1): M1, M2 and M3 each left
# 30 days ago and came home 10 days ago, so each has a talk, and each branch runs a winter training
# (open from 30 days ago to 60 days ahead) in which its member's return enrolled them, with a session today.

def _education_world(w):
    platform, today = w["platform"], datetime.date.today()
    def ago(days):
        return (today - datetime.timedelta(days=days)).isoformat()

    branches, people = ("B1", "B2", "B3"), ("M1", "M2", "M3")
    trainings = {w[b]["id"]: ok(platform.post("/api/v1/trainings", {
        "organisation_id": w[b]["id"], "kind": "winter", "title": f"冬训{b}", "starts_on": ago(30),
        "ends_on": (today + datetime.timedelta(days=60)).isoformat(), "capacity": 1000}), 201) for b in branches}
    for m in people:
        ok(platform.post(f"/api/v1/members/{w[m]['id']}/departures", {**DEPARTURE, "departed_on": ago(30)}), 201)
        ok(platform.post(f"/api/v1/members/{w[m]['id']}/returns", {"returned_on": ago(10)}), 201)
    talks = {w[m]["id"]: _talk_opened(w, w[m]["id"]) for m in people}
    for b, m in zip(branches, people):
        path, member_id = f"/api/v1/trainings/{trainings[w[b]['id']]['id']}/enrolments", w[m]["id"]
        wait_for(lambda path=path, member_id=member_id: [
            e for e in platform.get(path).json()["items"] if e["member_id"] == member_id], message=f"{m} enrolled")
    sessions = {branch_id: ok(platform.post(f"/api/v1/trainings/{training['id']}/sessions", {
        "held_on": today.isoformat(), "topic": "设施农业"}), 201) for branch_id, training in trainings.items()}
    # 主题党日 in each branch, its member present; a study record of each member.
    study_sessions = {}
    for b, m in zip(branches, people):
        held = ok(platform.post("/api/v1/study-sessions", {
            "organisation_id": w[b]["id"], "kind": "fixed_activity_day", "held_on": today.isoformat(), "mode": "both",
            "topic": "主题党日"}), 201)
        ok(platform.post(f"/api/v1/study-sessions/{held['id']}/attendance",
                         {"items": [{"member_id": w[m]["id"], "status": "present"}]}), 200)
        ok(platform.post("/api/v1/study-records", {"member_id": w[m]["id"], "studied_on": today.isoformat(),
                                                   "kind": "online", "channel": "app", "minutes": 30}), 201)
        study_sessions[w[b]["id"]] = held
    # A course of the county's (and one of C2's), pushed over the app to every member of each branch.
    courses = {c: ok(platform.post("/api/v1/materials", {"organisation_id": w[c]["id"], "title": "党章学习",
                                                          "kind": "course"}), 201) for c in ("C", "C2")}
    pushes = {w[b]["id"]: ok(platform.post("/api/v1/pushes", {
        "material_id": courses["C2" if b == "B3" else "C"]["id"], "organisation_id": w[b]["id"], "channel": "app",
        "audience": "all", "message": "网络讲堂: 党章学习"}), 201) for b in branches}
    return {"talks": talks, "trainings": trainings, "sessions": sessions, "study_sessions": study_sessions,
            "course": courses["C"], "pushes": pushes}


def _talk_opened(w, member_id):
    return wait_for(lambda: w["platform"].get("/api/v1/talks", params={"member_id": member_id}).json()["items"],
                    message="education to open the talk")[0]


def _may(role, permission):
    return permission in permissions_of(role)


def _talk_to_record(w, s, r):
    """Inside, for a role that records talks: a fresh member of the own branch who just left; otherwise the side's."""
    if s["own"] and _may(r, education.TALKS_WRITE):
        member = _fresh_member(w, s["branch"])
        ok(w["platform"].post(f"/api/v1/members/{member['id']}/departures", DEPARTURE), 201)
        return _talk_opened(w, member["id"])
    return w["education"]["talks"][s["member"]["id"]]


def _member_to_enrol(w, s, r):
    if s["own"] and _may(r, education.TRAININGS_WRITE):
        member = _fresh_member(w, s["branch"])
        w["platform"].knows("education", [member["id"]])
        return member["id"]
    return s["member"]["id"]


def _training(w, s):
    return {"training_id": w["education"]["trainings"][s["branch"]["id"]]["id"]}


def _session(w, s):
    return {**_training(w, s), "session_id": w["education"]["sessions"][s["branch"]["id"]]["id"]}


def _lists_own_only(kind, member=False):
    def check(body, own, other, role):
        key = "member_id" if member else "organisation_id"
        values = {item[key] for item in body["items"]}
        assert own[kind]["id"] in values and other[kind]["id"] not in values, values
        if role == "member":
            assert values == {own[kind]["id"]}, values

    return check


TALK = {"held_on": datetime.date.today().isoformat(), "held_by": "矩阵书记", "method": "phone",
        "study_plan": "每月学习一次", "reporting_rhythm": "monthly"}
TRAINING_NOT_FOUND = (404, "training_not_found")
EXAMPLES.update({
    "listTalks": Example(lambda w, s, r: ({}, {"per_page": 100} if s["own"] else {"organisation_id": s["branch"]["id"]},
                                          None), outside=UNKNOWN, check=_lists_own_only("member", member=True)),
    "getTalk": Example(lambda w, s, r: ({"talk_id": w["education"]["talks"][s["member"]["id"]]["id"]}, None, None),
                       outside=(404, "talk_not_found")),
    "recordTalk": Example(lambda w, s, r: ({"talk_id": _talk_to_record(w, s, r)["id"]}, None, TALK),
                          outside=(404, "talk_not_found"),
                          check=lambda body, own, other, role: body["state"] == "completed" or _fail(body)),
    "createTraining": Example(lambda w, s, r: ({}, None, {
        "organisation_id": s["branch"]["id"], "kind": "homecoming", "title": "归乡教育", "capacity": 30,
        "starts_on": "2027-01-10", "ends_on": "2027-01-12"}), 201, UNKNOWN),
    "listTrainings": Example(lambda w, s, r: ({}, {"per_page": 100} if s["own"] else {"organisation_id": s["branch"]["id"]},
                                              None), outside=UNKNOWN,
                             check=lambda body, own, other, role: (
                                 own["branch"]["id"] in {t["organisation_id"] for t in body["items"]}
                                 and other["branch"]["id"] not in {t["organisation_id"] for t in body["items"]})
                             or _fail(body)),
    "getTraining": Example(lambda w, s, r: (_training(w, s), None, None), outside=TRAINING_NOT_FOUND),
    "enrolMember": Example(lambda w, s, r: (_training(w, s), None, {"member_id": _member_to_enrol(w, s, r)}), 201,
                           TRAINING_NOT_FOUND),
    "listEnrolments": Example(lambda w, s, r: (_training(w, s), None, None), outside=TRAINING_NOT_FOUND,
                              check=lambda body, own, other, role: (
                                  own["member"]["id"] in {e["member_id"] for e in body["items"]}
                                  and (role != "member" or {e["member_id"] for e in body["items"]} == {own["member"]["id"]}))
                              or _fail(body)),
    "addTrainingSession": Example(lambda w, s, r: (_training(w, s), None, {
        "held_on": datetime.date.today().isoformat(), "topic": "电商运营"}), 201, TRAINING_NOT_FOUND),
    "listTrainingSessions": Example(lambda w, s, r: (_training(w, s), None, None), outside=TRAINING_NOT_FOUND),
    "recordTrainingAttendance": Example(lambda w, s, r: (_session(w, s), None, {
        "items": [{"member_id": s["member"]["id"], "status": "present"}]}), outside=TRAINING_NOT_FOUND),
    "getTrainingAttendance": Example(lambda w, s, r: (_session(w, s), None, None), outside=TRAINING_NOT_FOUND),
    "recordSkill": Example(lambda w, s, r: (_training(w, s), None, {
        "member_id": s["member"]["id"], "skill": "设施农业", "acquired_on": datetime.date.today().isoformat()}), 201,
        TRAINING_NOT_FOUND),
})


def _study_session(w, s):
    return {"session_id": w["education"]["study_sessions"][s["branch"]["id"]]["id"]}


def _lists_own_side_only(key, own_value, other_value):
    def check(body, own, other, role):
        values = {item[key] for item in body["items"]}
        assert own_value(own) in values and other_value(other) not in values, values

    return check


SESSION_NOT_FOUND = (404, "study_session_not_found")
EXAMPLES.update({
    "recordStudySession": Example(lambda w, s, r: ({}, None, {
        "organisation_id": s["branch"]["id"], "kind": "party_lesson", "held_on": datetime.date.today().isoformat(),
        "mode": "online", "topic": "党课"}), 201, UNKNOWN),
    "listStudySessions": Example(lambda w, s, r: ({}, {"per_page": 100} if s["own"] else
                                                  {"organisation_id": s["branch"]["id"]}, None), outside=UNKNOWN,
                                 check=_lists_own_side_only("organisation_id", lambda side: side["branch"]["id"],
                                                            lambda side: side["branch"]["id"])),
    "recordSessionAttendance": Example(lambda w, s, r: (_study_session(w, s), None, {
        "items": [{"member_id": s["member"]["id"], "status": "present"}]}), outside=SESSION_NOT_FOUND),
    "getSessionAttendance": Example(lambda w, s, r: (_study_session(w, s), None, None), outside=SESSION_NOT_FOUND,
                                    check=lambda body, own, other, role: (
                                        own["member"]["id"] in {row["member_id"] for row in body["items"]})
                                    or _fail(body)),
    "recordStudy": Example(lambda w, s, r: ({}, None, {
        "member_id": s["member"]["id"], "studied_on": datetime.date.today().isoformat(), "kind": "read_mailed_material",
        "channel": "mail", "attested_by": "本人"}), 201, UNKNOWN),
    "listStudyRecords": Example(lambda w, s, r: ({}, {"per_page": 100} if s["own"] else
                                                 {"organisation_id": s["branch"]["id"]}, None), outside=UNKNOWN,
                                check=_lists_own_side_only("member_id", lambda side: side["member"]["id"],
                                                           lambda side: side["member"]["id"])),
    # A member asks for their own rate; the others for their branch's.
    "getParticipationRate": Example(lambda w, s, r: ({}, {"member_id": s["member"]["id"]} if r == "member" else
                                                     {"organisation_id": s["branch"]["id"]}, None), outside=UNKNOWN,
                                    check=lambda body, own, other, role: body["expected"] >= 1 or _fail(body)),
})


PUSH_NOT_FOUND = (404, "push_not_found")
EXAMPLES.update({
    "publishMaterial": Example(lambda w, s, r: ({}, None, {"organisation_id": s["branch"]["id"], "title": "致富经",
                                                           "kind": "video"}), 201, UNKNOWN),
    "listMaterials": Example(lambda w, s, r: ({}, None, None)),
    "pushMaterial": Example(lambda w, s, r: ({}, None, {
        "material_id": w["education"]["course"]["id"], "organisation_id": s["branch"]["id"], "channel": "wechat_group",
        "message": "小微课堂: 党章学习"}), 201, UNKNOWN),
    "listPushes": Example(lambda w, s, r: ({}, {"per_page": 100} if s["own"] else {"organisation_id": s["branch"]["id"]},
                                           None), outside=UNKNOWN,
                          check=_lists_own_side_only("organisation_id", lambda side: side["branch"]["id"],
                                                     lambda side: side["branch"]["id"])),
    "getPush": Example(lambda w, s, r: ({"push_id": w["education"]["pushes"][s["branch"]["id"]]["id"]}, None, None),
                       outside=PUSH_NOT_FOUND),
    "listDeliveries": Example(lambda w, s, r: ({"push_id": w["education"]["pushes"][s["branch"]["id"]]["id"]}, None,
                                               None), outside=PUSH_NOT_FOUND,
                              check=lambda body, own, other, role: (
                                  own["member"]["id"] in {d["member_id"] for d in body["items"]}) or _fail(body)),
})

EXAMPLES.update({
    "recordTechnicalLeader": Example(lambda w, s, r: ({}, None, {
        "member_id": s["member"]["id"], "field": f"设施农业{next(_serial)}", "recognised_on": datetime.date.today().isoformat()}),
        201, UNKNOWN),
    "listTechnicalLeaders": Example(lambda w, s, r: ({}, {"per_page": 100} if s["own"] else
                                                     {"organisation_id": s["branch"]["id"]}, None), outside=UNKNOWN),
})
# A member has no subtree: their figures are everything they see (nothing); the others ask for their branch.
EXAMPLES["getEducationFigures"] = Example(lambda w, s, r: ({}, {} if r == "member" and s["own"] else
                                                           {"organisation_id": s["branch"]["id"]}, None), outside=UNKNOWN)


# ---- issue 10: scoring ----
# The world's scoring (set up after education's): scoring has projected M1, M2 and M3 and the tree, and
# credited each member's return; each member has a pending entry submitted by the platform's key; the
# years SCORED_YEARS have been graded (M1, M2 and M3, on the roll since joining in 2015, are 警示 at the
# starting score), so each member has one open 警示谈话 per year to close. The rule set and the grading
# runs are the county's, for the whole platform: they have no other side.
SCORED_YEARS = (2015, 2016, 2017, 2018)
_grading_years = itertools.count(SCORED_YEARS[-1] + 1)  # one year that is over and not graded per caller
RULE_SET_FIELDS = ("starting_score", "bands", "categories", "rules", "follow_up_due_days")


def _score_entry(member_id):
    return {"member_id": member_id, "category": "role", "points": 1, "occurred_on": datetime.date.today().isoformat(),
            "reason": "矩阵: 带头参加志愿服务"}


def _scoring_world(w):
    platform = w["platform"]
    people = [w[m]["id"] for m in ("M1", "M2", "M3")]
    organisations = [w[o]["id"] for o in ("C", "T1", "T2", "B1", "B2", "C2", "B3")]
    # Scoring keeps its own projection of roster's members and tree, a moment after roster answered.
    wait_for(lambda: all(platform.get(f"/api/v1/members/{m}/score").status_code == 200 for m in people),
             timeout=30, message="scoring to project the members")
    wait_for(lambda: all(platform.get("/api/v1/score-ledger", params={"organisation_id": o, "per_page": 1}).status_code
                         == 200 for o in organisations), timeout=30, message="scoring to project the organisations")
    wait_for(lambda: all(platform.get("/api/v1/score-ledger", params={"member_id": m}).json()["items"] for m in people),
             timeout=30, message="scoring to credit the education world's returns")
    entries = {m: ok(platform.post("/api/v1/score-entries", _score_entry(m)), 201) for m in people}
    runs = [ok(platform.post("/api/v1/grading-runs", {"year": year}), 202) for year in SCORED_YEARS]
    for run in runs:
        wait_for(lambda run=run: platform.get(f"/api/v1/grading-runs/{run['id']}").json()["state"] == "completed",
                 timeout=30, message=f"scoring to grade {run['year']}")
    follow_ups = {m: ok(platform.get("/api/v1/follow-ups", params={"member_id": m, "year": SCORED_YEARS[0]}), 200)[
        "items"][0] for m in people}
    rules = ok(platform.get("/api/v1/scoring-rules", params={"on": datetime.date.today().isoformat()}), 200)["items"][0]
    return {"entries": entries, "run": runs[0], "follow_ups": follow_ups, "rules": rules}


def _rule_set_to_publish(w):
    """The version in force, again, from a day of its own far ahead (one version a day)."""
    effective_from = datetime.date(2090, 1, 1) + datetime.timedelta(days=next(_serial))
    return {**{name: w["scoring"]["rules"][name] for name in RULE_SET_FIELDS},
            "effective_from": effective_from.isoformat(), "note": "矩阵"}


def _entry_to_decide(w, s, r):
    """Inside, for a role that approves: a fresh entry of the own member, submitted by another principal
    (the platform's key); otherwise the side's member's entry (refused before its state counts)."""
    if s["own"] and _may(r, scoring.SCORE_ENTRIES_APPROVE):
        return ok(w["platform"].post("/api/v1/score-entries", _score_entry(s["member"]["id"])), 201)["id"]
    return w["scoring"]["entries"][s["member"]["id"]]["id"]


def _year_to_grade(s, r):
    if s["own"] and _may(r, scoring.GRADING_WRITE):
        year = next(_grading_years)
        assert year < datetime.date.today().year, "no year left that is over and not graded"
        return year
    return SCORED_YEARS[0]


def _follow_up_to_close(w, s, r):
    """Inside, for a role that closes: an open follow-up of the own member; otherwise the side's member's."""
    if s["own"] and _may(r, scoring.FOLLOW_UPS_WRITE):
        return ok(w["platform"].get("/api/v1/follow-ups", params={"member_id": s["member"]["id"], "state": "open"}),
                  200)["items"][0]["id"]
    return w["scoring"]["follow_ups"][s["member"]["id"]]["id"]


def _never_lists_the_other_member(body, own, other, role):
    values = {item["member_id"] for item in body["items"]}
    assert other["member"]["id"] not in values, values
    if role == "member":
        assert values <= {own["member"]["id"]}, values


def _own_or_other_subtree(s, **query):
    return {**query, "per_page": 100} if s["own"] else {**query, "organisation_id": s["branch"]["id"]}


EXAMPLES.update({
    "listScoringRules": Example(lambda w, s, r: ({}, None, None),
                                check=lambda body, own, other, role: (
                                    "2015-01-01" in {v["effective_from"] for v in body["items"]}) or _fail(body)),
    "publishScoringRules": Example(lambda w, s, r: ({}, None, _rule_set_to_publish(w)), 201),
    "listScoreLedger": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                               check=_lists_own_only("member", member=True)),
    "getMemberScore": Example(lambda w, s, r: ({"member_id": s["member"]["id"]}, None, None),
                              outside=(404, "member_not_found"),
                              check=lambda body, own, other, role: body["member_id"] == own["member"]["id"]
                              or _fail(body)),
    "listMembersAtRisk": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                                 check=_never_lists_the_other_member),
    # A member has no subtree: their distribution is everything they see; the others ask for their branch.
    "getGradeDistribution": Example(lambda w, s, r: ({}, {"year": SCORED_YEARS[0]} if r == "member" and s["own"] else
                                                     {"year": SCORED_YEARS[0], "organisation_id": s["branch"]["id"]},
                                                     None), outside=UNKNOWN,
                                    check=lambda body, own, other, role: (
                                        body["graded"] and (role == "member" or body["total"]["members"] >= 1))
                                    or _fail(body)),
    "submitScoreEntry": Example(lambda w, s, r: ({}, None, _score_entry(s["member"]["id"])), 201, UNKNOWN,
                                check=lambda body, own, other, role: body["state"] == "pending" or _fail(body)),
    "listScoreEntries": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                                check=_lists_own_only("member", member=True)),
    "getScoreEntry": Example(lambda w, s, r: ({"entry_id": w["scoring"]["entries"][s["member"]["id"]]["id"]}, None,
                                              None), outside=(404, "score_entry_not_found")),
    "decideScoreEntry": Example(lambda w, s, r: ({"entry_id": _entry_to_decide(w, s, r)}, None,
                                                 {"decision": "approved", "note": "属实"}),
                                outside=(404, "score_entry_not_found"),
                                check=lambda body, own, other, role: (
                                    body["state"] == "approved" and body["line_id"]) or _fail(body)),
    "submitScoreEntries": Example(lambda w, s, r: ({}, None, {"items": [_score_entry(s["member"]["id"])]}), 200,
                                  (200, None), check=lambda body, own, other, role: _one_item(body, 201)),
    # outside, the item is refused (404 score_entry_not_found) inside a 200 batch
    "decideScoreEntries": Example(lambda w, s, r: ({}, None, {"items": [
        {"entry_id": _entry_to_decide(w, s, r), "decision": "approved"}]}), 200, (200, None),
        check=lambda body, own, other, role: _one_item(body, 200)),
    "requestGradingRun": Example(lambda w, s, r: ({}, None, {"year": _year_to_grade(s, r)}), 202,
                                 check=lambda body, own, other, role: body["state"] == "requested" or _fail(body)),
    "listGradingRuns": Example(lambda w, s, r: ({}, None, None)),
    "getGradingRun": Example(lambda w, s, r: ({"run_id": w["scoring"]["run"]["id"]}, None, None),
                             check=lambda body, own, other, role: body["state"] == "completed" or _fail(body)),
    "listGrades": Example(lambda w, s, r: ({}, _own_or_other_subtree(s, year=SCORED_YEARS[0]), None), outside=UNKNOWN,
                          check=_lists_own_only("member", member=True)),
    "listFollowUps": Example(lambda w, s, r: ({}, _own_or_other_subtree(s, year=SCORED_YEARS[0]), None),
                             outside=UNKNOWN, check=_lists_own_only("member", member=True)),
    "closeFollowUp": Example(lambda w, s, r: ({"follow_up_id": _follow_up_to_close(w, s, r)}, None, {
        "outcome": "talk_held", "closed_on": datetime.date.today().isoformat(), "decided_by": "矩阵书记"}),
        outside=(404, "follow_up_not_found"),
        check=lambda body, own, other, role: body["state"] == "closed" or _fail(body)),
})


# ---- issue 11: outreach ----
# The world's outreach (set up after scoring's): outreach has projected M1, M2, M3 and the tree; the education
# world's returns opened a homecoming visit and a reserve review for each of them; CADRE, a committee member of
# B1, is paired with M1; on each side (B1/M1, B2/M2, B3/M3) there is a pairing (B2's pairs M2 with M3, B3's M3
# with M2: B2 and B3 have no other members), a care campaign, an open help case, a volunteer activity at which
# the side's member served, a candidate under cultivation, and a contact with the side's member. What may be
# done once (end a pairing, complete a visit, close a case, decide a review, record a step, serve at an activity)
# is done inside on something fresh of the own side for each caller that may; the others get the side's own.
# Organisations' records (campaigns, activities, candidates) are not part of a member's own record: a member
# with outreach:read gets them 404, as if they did not exist.
_CONTACTS_FROM = datetime.datetime.now(datetime.UTC).replace(second=0, microsecond=0) - datetime.timedelta(days=1)


def _today(days=0):
    """The county's day (tests/__init__ runs the tests on the county's calendar), ``days`` later."""
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def _contact(member_id):
    """A call on a minute of its own (one contact per member, channel and minute), a little before now."""
    occurred_at = _CONTACTS_FROM - datetime.timedelta(minutes=next(_serial))
    return {"member_id": member_id, "channel": "phone", "occurred_at": occurred_at.isoformat(),
            "contacted_by": "矩阵支委", "summary": "询问在外务工情况"}


def _help_pairing(w, branch, cadre_id, member_id):
    return ok(w["platform"].post("/api/v1/help-pairings", {
        "organisation_id": branch["id"], "cadre_member_id": cadre_id, "member_ids": [member_id],
        "starts_on": _today()}), 201)


def _help_case(w, member_id):
    return ok(w["platform"].post("/api/v1/help-cases", {
        "member_id": member_id, "kind": "unpaid_wages", "care_service": "wages_and_rights", "summary": "工地拖欠工资",
        "owner": "镇劳动保障所", "opened_on": _today(), "due_on": _today(30)}), 201)


def _volunteer_activity(w, branch):
    return ok(w["platform"].post("/api/v1/volunteer-activities", {
        "organisation_id": branch["id"], "title": "义务植树", "held_on": _today()}), 201)


def _cultivation_candidate(w, branch):
    return ok(w["platform"].post("/api/v1/cultivation-candidates", {
        "organisation_id": branch["id"], "candidate_ref": f"MATRIX-{next(_serial)}", "host": "嘉峪关市某建筑公司",
        "identified_on": _today()}), 201)


def _outreach_world(w):
    platform = w["platform"]
    people = [w[m]["id"] for m in ("M1", "M2", "M3")]
    # Outreach keeps its own projection of roster's members and tree, a moment after roster answered.
    platform.knows("outreach", people, [w[o]["id"] for o in ("C", "T1", "T2", "B1", "B2", "C2", "B3")])
    cadre = _fresh_member(w, w["B1"])
    platform.knows("outreach", [cadre["id"]])

    def first(path, member_id, what, **params):
        return wait_for(lambda: platform.get(path, params={"member_id": member_id, **params}).json()["items"],
                        timeout=30, message=f"outreach to {what}")[0]

    visits = {m: first("/api/v1/visits", m, "schedule the homecoming visits", cause="homecoming") for m in people}
    reviews = {m: first("/api/v1/reserve-reviews", m, "open the reserve reviews") for m in people}
    places = [(w["B1"], w["M1"], cadre["id"]), (w["B2"], w["M2"], w["M3"]["id"]), (w["B3"], w["M3"], w["M2"]["id"])]
    pairings, campaigns, activities, candidates, cases = {}, {}, {}, {}, {}
    for branch, member, paired in places:
        if branch is w["B1"]:
            pairings[branch["id"]] = _help_pairing(w, branch, cadre["id"], member["id"])
        else:  # the side's member is the committee member, paired with the other side's
            pairings[branch["id"]] = _help_pairing(w, branch, member["id"], paired)
        campaigns[branch["id"]] = ok(platform.post("/api/v1/care-campaigns", {
            "name": "矩阵慰问", "occasion": "other", "organisation_id": branch["id"], "starts_on": _today(),
            "ends_on": _today(30), "groups": ["hardship"]}), 202)
        cases[member["id"]] = _help_case(w, member["id"])
        activities[branch["id"]] = _volunteer_activity(w, branch)
        ok(platform.post(f"/api/v1/volunteer-activities/{activities[branch['id']]['id']}/services",
                         {"member_id": member["id"], "hours": 2}), 201)
        candidates[branch["id"]] = _cultivation_candidate(w, branch)
        ok(platform.post("/api/v1/contacts", _contact(member["id"])), 201)
    return {"cadre": cadre, "visits": visits, "reviews": reviews, "pairings": pairings, "campaigns": campaigns,
            "cases": cases, "activities": activities, "candidates": candidates}


def _writes_outreach(s, r, permission):
    return s["own"] and _may(r, permission)


def _help_pairing_to_end(w, s, r):
    if _writes_outreach(s, r, outreach.PAIRINGS_WRITE):
        return _help_pairing(w, s["branch"], w["outreach"]["cadre"]["id"], s["member"]["id"])["id"]
    return w["outreach"]["pairings"][s["branch"]["id"]]["id"]


def _visit_to_complete(w, s, r):
    if _writes_outreach(s, r, outreach.CARE_WRITE):
        return ok(w["platform"].post("/api/v1/visits", {
            "member_id": s["member"]["id"], "due_on": _today(7), "purpose": "矩阵走访"}), 201)["id"]
    return w["outreach"]["visits"][s["member"]["id"]]["id"]


def _case_to_close(w, s, r):
    if _writes_outreach(s, r, outreach.CARE_WRITE):
        return _help_case(w, s["member"]["id"])["id"]
    return w["outreach"]["cases"][s["member"]["id"]]["id"]


def _activity_to_serve_at(w, s, r):
    if _writes_outreach(s, r, outreach.PROJECTS_WRITE):
        return _volunteer_activity(w, s["branch"])["id"]
    return w["outreach"]["activities"][s["branch"]["id"]]["id"]


def _review_to_decide(w, s, r):
    """Inside, for a role that decides: a fresh member of the own branch, away and home again today, whose return
    opened a review; otherwise the side's member's review."""
    if not _writes_outreach(s, r, outreach.RESERVE_WRITE):
        return w["outreach"]["reviews"][s["member"]["id"]]["id"]
    platform, member = w["platform"], _fresh_member(w, s["branch"])
    ok(platform.post(f"/api/v1/members/{member['id']}/departures", DEPARTURE), 201)
    ok(platform.post(f"/api/v1/members/{member['id']}/returns", {}), 201)
    return wait_for(lambda: platform.get("/api/v1/reserve-reviews", params={"member_id": member["id"]}).json()["items"],
                    timeout=30, message="outreach to open the fresh member's review")[0]["id"]


def _candidate_to_step(w, s, r):
    if _writes_outreach(s, r, outreach.RESERVE_WRITE):
        return _cultivation_candidate(w, s["branch"])["id"]
    return w["outreach"]["candidates"][s["branch"]["id"]]["id"]


def _never_lists_the_other_branch(body, own, other, role):
    values = {item["organisation_id"] for item in body["items"]}
    assert other["branch"]["id"] not in values, values


def _lists_the_own_members_contacts_only(body, own, other, role):
    values = {item["member_id"] for item in body["items"]}
    assert values == {own["member"]["id"]}, values


def _outreach_record(kind, key="member"):
    """The side's record of ``kind`` made with the world, by member or by branch."""
    return lambda w, s: w["outreach"][kind][s[key]["id"]]["id"]


_pairing_of, _campaign_of = _outreach_record("pairings", "branch"), _outreach_record("campaigns", "branch")
_activity_of, _candidate_of = _outreach_record("activities", "branch"), _outreach_record("candidates", "branch")
_case_of, _visit_of, _review_of = _outreach_record("cases"), _outreach_record("visits"), _outreach_record("reviews")
PAIRING_NOT_FOUND = (404, "pairing_not_found")
CAMPAIGN_NOT_FOUND = (404, "campaign_not_found")
VISIT_NOT_FOUND = (404, "visit_not_found")
HELP_CASE_NOT_FOUND = (404, "help_case_not_found")
ACTIVITY_NOT_FOUND = (404, "volunteer_activity_not_found")
REVIEW_NOT_FOUND = (404, "reserve_review_not_found")
CANDIDATE_NOT_FOUND = (404, "candidate_not_found")
EXAMPLES.update({
    "formHelpPairing": Example(lambda w, s, r: ({}, None, {
        "organisation_id": s["branch"]["id"], "cadre_member_id": (w["outreach"]["cadre"] if s["own"] else s["member"])[
            "id"], "member_ids": [(s["member"] if s["own"] else w["outreach"]["cadre"])["id"]],
        "starts_on": _today()}), 201, UNKNOWN,
        check=lambda body, own, other, role: body["kind"] == "one_to_one" or _fail(body)),
    "listHelpPairings": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                                check=_lists_own_only("branch")),
    "getHelpPairing": Example(lambda w, s, r: ({"pairing_id": _pairing_of(w, s)}, None, None),
                              outside=PAIRING_NOT_FOUND),
    "endHelpPairing": Example(lambda w, s, r: ({"pairing_id": _help_pairing_to_end(w, s, r)}, None, {
        "ended_on": _today(), "reason": "矩阵"}), outside=PAIRING_NOT_FOUND,
        check=lambda body, own, other, role: body["ended_on"] == _today() or _fail(body)),
    # (B2's pairing pairs M2 with M3: the county administrator sees M3's four ones there, but none of B3's)
    "listFourOnes": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                            check=_never_lists_the_other_branch),
    "logContact": Example(lambda w, s, r: ({}, None, _contact(s["member"]["id"])), 201, UNKNOWN,
                          check=lambda body, own, other, role: body["duplicate"] is False or _fail(body)),
    # outside, the item is refused (422 unknown_reference) inside a 200 batch
    "logContacts": Example(lambda w, s, r: ({}, None, {"items": [_contact(s["member"]["id"])]}), 200, (200, None),
                           check=lambda body, own, other, role: _one_item(body, 201)),
    "listContacts": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                            check=_lists_own_only("member", member=True)),
    # A member the caller does not see has no contacts they may list: an empty page, not a 404.
    "listMemberContacts": Example(lambda w, s, r: ({"member_id": s["member"]["id"]}, None, None), outside=(200, None),
                                  check=_lists_the_own_members_contacts_only),
    "launchCareCampaign": Example(lambda w, s, r: ({}, None, {
        "name": "矩阵慰问", "occasion": "mid_autumn", "organisation_id": s["branch"]["id"], "starts_on": _today(),
        "ends_on": _today(30), "groups": ["hardship"]}), 202, UNKNOWN,
        check=lambda body, own, other, role: body["state"] == "listing" or _fail(body)),
    "listCareCampaigns": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                                 check=_never_lists_the_other_branch),
    "getCareCampaign": Example(lambda w, s, r: ({"campaign_id": _campaign_of(w, s)}, None, None),
                               outside=CAMPAIGN_NOT_FOUND, member=CAMPAIGN_NOT_FOUND),
    "scheduleVisit": Example(lambda w, s, r: ({}, None, {"member_id": s["member"]["id"], "due_on": _today(7),
                                                         "purpose": "矩阵走访"}), 201, UNKNOWN),
    "listVisits": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                          check=_lists_own_only("member", member=True)),
    "getVisit": Example(lambda w, s, r: ({"visit_id": _visit_of(w, s)}, None, None), outside=VISIT_NOT_FOUND,
                        check=lambda body, own, other, role: body["cause"] == "homecoming" or _fail(body)),
    "completeVisit": Example(lambda w, s, r: ({"visit_id": _visit_to_complete(w, s, r)}, None, {
        "visited_on": _today(), "visited_by": "矩阵书记", "summary": "了解务工情况, 送去慰问品"}),
        outside=VISIT_NOT_FOUND, check=lambda body, own, other, role: body["state"] == "completed" or _fail(body)),
    "openHelpCase": Example(lambda w, s, r: ({}, None, {
        "member_id": s["member"]["id"], "kind": "jobs", "summary": "工程结束后需要新工作", "owner": "镇人社所",
        "opened_on": _today(), "due_on": _today(30)}), 201, UNKNOWN),
    "listHelpCases": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                             check=_lists_own_only("member", member=True)),
    "getHelpCase": Example(lambda w, s, r: ({"case_id": _case_of(w, s)}, None, None), outside=HELP_CASE_NOT_FOUND,
                           check=lambda body, own, other, role: body["timeline"][0]["kind"] == "opened"
                           or _fail(body)),
    "addHelpCaseNote": Example(lambda w, s, r: ({"case_id": _case_of(w, s)}, None, {
        "noted_on": _today(), "note": "已联系用工单位"}), 201, HELP_CASE_NOT_FOUND),
    "closeHelpCase": Example(lambda w, s, r: ({"case_id": _case_to_close(w, s, r)}, None, {
        "closed_on": _today(), "outcome": "solved", "note": "追回工资", "money_recovered": 3000}),
        outside=HELP_CASE_NOT_FOUND, check=lambda body, own, other, role: body["state"] == "closed" or _fail(body)),
    "getCareServiceCard": Example(lambda w, s, r: ({}, None, None),
                                  check=lambda body, own, other, role: len(body["services"]) == 12 or _fail(body)),
    "recordVolunteerActivity": Example(lambda w, s, r: ({}, None, {
        "organisation_id": s["branch"]["id"], "title": "敬老院送温暖", "held_on": _today()}), 201, UNKNOWN),
    "listVolunteerActivities": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                                       check=_never_lists_the_other_branch),
    "getVolunteerActivity": Example(lambda w, s, r: ({"activity_id": _activity_of(w, s)}, None, None),
                                    outside=ACTIVITY_NOT_FOUND, member=ACTIVITY_NOT_FOUND),
    "logVolunteerService": Example(lambda w, s, r: ({"activity_id": _activity_to_serve_at(w, s, r)}, None, {
        "member_id": s["member"]["id"], "hours": 2.5}), 201, ACTIVITY_NOT_FOUND),
    "listVolunteerServices": Example(lambda w, s, r: ({"activity_id": _activity_of(w, s)}, None, None),
                                     outside=ACTIVITY_NOT_FOUND, member=ACTIVITY_NOT_FOUND,
                                     check=lambda body, own, other, role: (
                                         own["member"]["id"] in {item["member_id"] for item in body["items"]})
                                     or _fail(body)),
    "registerReturnProject": Example(lambda w, s, r: ({}, None, {
        "member_id": s["member"]["id"], "name": "矩阵合作社", "industry": "设施农业", "registered_on": _today(),
        "investment": 100000, "jobs_created": 3}), 201, UNKNOWN),
    "listReturnProjects": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                                  check=_never_lists_the_other_member),
    "recordHometownEvent": Example(lambda w, s, r: ({}, None, {
        "organisation_id": s["branch"]["id"], "kind": "hometown_visit", "title": "回乡看看", "held_on": _today(),
        "participants": 10, "member_ids": [s["member"]["id"]]}), 201, UNKNOWN),
    "listHometownEvents": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                                  check=_never_lists_the_other_branch),
    # A member has no subtree: their figures are everything they see (nothing); the others ask for their branch.
    "getOutreachFigures": Example(lambda w, s, r: ({}, {} if r == "member" and s["own"] else
                                                   {"organisation_id": s["branch"]["id"]}, None), outside=UNKNOWN,
                                  check=lambda body, own, other, role: (
                                      role == "member" or body["contacts_logged"] >= 1) or _fail(body)),
    "listReserveReviews": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                                  check=_lists_own_only("member", member=True)),
    "getReserveReview": Example(lambda w, s, r: ({"review_id": _review_of(w, s)}, None, None),
                                outside=REVIEW_NOT_FOUND,
                                check=lambda body, own, other, role: body["cause"] == "member_returned"
                                or _fail(body)),
    "decideReserveReview": Example(lambda w, s, r: ({"review_id": _review_to_decide(w, s, r)}, None, {
        "decision": "reserve_cadre", "decided_on": _today(), "note": "返乡后表现突出"}), outside=REVIEW_NOT_FOUND,
        check=lambda body, own, other, role: body["state"] == "nominated" or _fail(body)),
    "designateVanguard": Example(lambda w, s, r: ({}, None, {
        "member_id": s["member"]["id"], "kind": "pioneer_post", "title": "党员示范岗", "designated_on": _today()}),
        201, UNKNOWN),
    "listVanguard": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                            check=_never_lists_the_other_member),
    "identifyCultivationCandidate": Example(lambda w, s, r: ({}, None, {
        "organisation_id": s["branch"]["id"], "candidate_ref": f"MATRIX-{next(_serial)}", "host": "瓜州县某企业",
        "identified_on": _today()}), 201, UNKNOWN),
    "listCultivationCandidates": Example(lambda w, s, r: ({}, _own_or_other_subtree(s), None), outside=UNKNOWN,
                                         check=_never_lists_the_other_branch),
    "getCultivationCandidate": Example(lambda w, s, r: ({"candidate_id": _candidate_of(w, s)}, None, None),
                                       outside=CANDIDATE_NOT_FOUND, member=CANDIDATE_NOT_FOUND),
    "recordCultivationStep": Example(lambda w, s, r: ({"candidate_id": _candidate_to_step(w, s, r)}, None, {
        "step": "home_inspection", "on": _today()}), 201, CANDIDATE_NOT_FOUND,
        check=lambda body, own, other, role: [step["step"] for step in body["steps"]] == ["home_inspection"]
        or _fail(body)),
})
