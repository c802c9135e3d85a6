"""Every role, on its own subtree and on another, against every endpoint: the
gateway refuses what the role does not allow (403), roster hides what lies
outside the caller's subtrees (404 for a path id, 422 for a reference in a body
or filter, absence from lists), and nothing is read or written outside.

The world: county C with towns T1 (branch B1, member M1) and T2 (B2, M2), and a
neighbouring county C2 (B3, M3) sharing the platform. Grants sit where the role
lives: county_admin on C, town_admin and security_officer on T1, branch_secretary
and liaison on B1, the auditor on the whole platform, a county system's key on
T1 with every scope a key may hold, and M1 as a member. "Other" is B2/M2, or
B3/M3 for the county administrator.
"""
import itertools
from dataclasses import dataclass

import pytest

from contracts import roster
from contracts.access import mask_id_number, mask_phone
from gateway.access import policy
from tests.e2e.conftest import KEY_SCOPES

_serial = itertools.count(1)


def ok(response, status):
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content and "json" in response.headers.get("Content-Type", "") else None


def member_body(branch_id):
    n = next(_serial)
    return {"name": "矩阵测试", "gender": "female", "birth_date": "1990-01-01", "id_number": f"62072419900101{n:03d}7",
            "phone": f"1370000{n:04d}", "joined_on": "2015-07-01", "organisation_id": branch_id}


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
         "M1": member(b1), "M2": member(b2), "M3": member(b3)}

    grant_on = {"county_admin": c, "town_admin": t1, "security_officer": t1, "branch_secretary": b1,
                "liaison": b1, "auditor": None}
    w["credentials"] = {}
    for role, where in grant_on.items():
        username, password = platform.create_user(role, organisation_id=where["id"] if where else None)
        w["credentials"][role] = platform.token_headers(username, password)
    username, password = platform.create_user("member", organisation_id=b1["id"], member_id=w["M1"]["id"])
    w["credentials"]["member"] = platform.token_headers(username, password)
    w["credentials"]["system_integration"] = {"X-API-Key": platform.create_key(KEY_SCOPES, organisation_id=t1["id"])}
    return w


ROLES = ["county_admin", "town_admin", "branch_secretary", "liaison", "auditor", "security_officer",
         "system_integration", "member"]


def permissions_of(role):
    return set(KEY_SCOPES) if role == "system_integration" else set(policy.ROLE_PERMISSIONS[role])


@dataclass
class Caller:
    platform: object
    headers: dict

    def get(self, path, **params):
        return self.platform.http.get(self.platform.base_url + path, params=params, headers=self.headers, timeout=10)

    def post(self, path, body):
        return self.platform.http.post(self.platform.base_url + path, json=body, headers=self.headers, timeout=10)


@pytest.mark.parametrize("role", ROLES)
def test_role_sees_and_changes_only_its_own_subtree(platform, world, role):
    caller = Caller(platform, world["credentials"][role])
    allowed = permissions_of(role)
    is_member = role == "member"
    own_branch, own_member = world["B1"], world["M1"]
    other_branch, other_member = (world["B3"], world["M3"]) if role == "county_admin" else (world["B2"], world["M2"])

    def check(permission, response, expected):
        if role == "system_integration" and not policy.keys_may_use(permission):
            ok(response, 401)  # a person-only operation: a key is no credential for it
        else:
            ok(response, expected if permission in allowed else 403)

    # Organisations: a member's grant reaches no organisation, only their own record.
    org_status = 404 if is_member else 200
    check(roster.ORGANISATIONS_READ, caller.get(f"/api/v1/organisations/{own_branch['id']}"), org_status)
    check(roster.ORGANISATIONS_READ, caller.get(f"/api/v1/organisations/{own_branch['id']}/subtree"), org_status)
    check(roster.ORGANISATIONS_READ, caller.get(f"/api/v1/organisations/{other_branch['id']}"), 404)
    check(roster.ORGANISATIONS_READ, caller.get(f"/api/v1/organisations/{other_branch['id']}/subtree"), 404)
    listed = caller.get("/api/v1/organisations", per_page=100)
    check(roster.ORGANISATIONS_READ, listed, 200)
    if roster.ORGANISATIONS_READ in allowed:
        ids = {o["id"] for o in listed.json()["items"]}
        assert other_branch["id"] not in ids and own_branch["id"] in ids
    online = {"name": "网络党支部", "kind": "village_online_branch"}
    check(roster.ORGANISATIONS_WRITE, caller.post("/api/v1/organisations", {**online, "parent_id": own_branch["id"]}), 201)
    check(roster.ORGANISATIONS_WRITE, caller.post("/api/v1/organisations", {**online, "parent_id": other_branch["id"]}), 422)

    # Members: one, all, by ID number, exported.
    read = caller.get(f"/api/v1/members/{own_member['id']}")
    check(roster.MEMBERS_READ, read, 200)
    if read.status_code == 200:
        body = read.json()
        full = roster.PERSONAL_DATA_READ in allowed
        assert body["id_number"] == (own_member["id_number"] if full else mask_id_number(own_member["id_number"]))
        phone_shown = full or roster.PHONE_READ in allowed
        assert body["phone"] == (own_member["phone"] if phone_shown else mask_phone(own_member["phone"]))
    check(roster.MEMBERS_READ, caller.get(f"/api/v1/members/{other_member['id']}"), 404)
    listed = caller.get("/api/v1/members", per_page=100)
    check(roster.MEMBERS_READ, listed, 200)
    if listed.status_code == 200:
        ids = {m["id"] for m in listed.json()["items"]}
        assert own_member["id"] in ids and other_member["id"] not in ids
        if is_member:
            assert ids == {own_member["id"]}
    check(roster.MEMBERS_READ, caller.post("/api/v1/members/lookup", {"id_number": own_member["id_number"]}), 200)
    check(roster.MEMBERS_READ, caller.post("/api/v1/members/lookup", {"id_number": other_member["id_number"]}), 404)
    check(roster.MEMBERS_EXPORT, caller.get("/api/v1/members/export", organisation_id=own_branch["id"]), 200)
    check(roster.MEMBERS_EXPORT, caller.get("/api/v1/members/export", organisation_id=other_branch["id"]), 422)
    check(roster.MEMBERS_WRITE, caller.post("/api/v1/members", member_body(own_branch["id"])), 201)
    check(roster.MEMBERS_WRITE, caller.post("/api/v1/members", member_body(other_branch["id"])), 422)

    # Movements: a departure and the return, on the own member and on the other.
    departure = {"destination_province": "甘肃省", "destination_city": "嘉峪关市", "work": "钢铁厂", "contact": "13700009999"}
    check(roster.MOVEMENTS_WRITE, caller.post(f"/api/v1/members/{own_member['id']}/departures", departure), 201)
    check(roster.MOVEMENTS_WRITE, caller.post(f"/api/v1/members/{own_member['id']}/returns", {}), 201)
    check(roster.MOVEMENTS_WRITE, caller.post(f"/api/v1/members/{other_member['id']}/departures", departure), 404)
    check(roster.MOVEMENTS_WRITE, caller.post(f"/api/v1/members/{other_member['id']}/returns", {}), 404)

    # The audit record and access management.
    check(policy.AUDIT_READ, caller.get("/api/v1/audit-records", per_page=5), 200)
    check(policy.ACCESS_MANAGE, caller.get("/api/v1/users", per_page=5), 200)
    if policy.ACCESS_MANAGE in allowed:
        user = ok(caller.post("/api/v1/users", {"username": f"liaison-{next(_serial)}", "display_name": "联络员"}), 201)
        grant = {"principal": f"user:{user['id']}", "role": "liaison"}
        ok(caller.post("/api/v1/grants", {**grant, "organisation_id": own_branch["id"]}), 201)
        ok(caller.post("/api/v1/grants", {**grant, "organisation_id": other_branch["id"]}), 422)


def test_nothing_was_written_outside_the_granted_subtrees(platform, world):
    """Runs after the matrix: the other branches still hold only what the fixture put there."""
    for branch, member in (("B2", "M2"), ("B3", "M3")):
        members = ok(platform.get("/api/v1/members", params={"organisation_id": world[branch]["id"]}), 200)
        assert [m["id"] for m in members["items"]] == [world[member]["id"]]
        assert members["items"][0]["status"] == "at_home" and members["items"][0]["current_departure"] is None
        tree = ok(platform.get(f"/api/v1/organisations/{world[branch]['id']}/subtree"), 200)
        assert tree["children"] == []


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
