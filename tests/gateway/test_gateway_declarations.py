"""The gateway grows by declaration: every route declares a permission or is open, every
service's contract declares its permissions and role bundles, every operation has a stable
operationId, and every error code has an HTTP status."""
import importlib
import types

import pytest
from flask.views import MethodView

from contracts import education, outreach, platform, roster, scoring
from contracts.errors import HTTP_STATUS, ErrorCode
from gateway import app as gateway_app
from gateway.access import policy
from gateway.api import Blueprint
from gateway.app import ConfigurationError, create_app

# ---- deny by default ---------------------------------------------------------------

def _module_with_an_undeclared_route():
    blp = Blueprint("forgotten", __name__, url_prefix="/api/v1/forgotten")

    @blp.route("")
    class Forgotten(MethodView):
        @blp.response(200)
        @blp.requires(roster.MEMBERS_READ, operation_id="listForgotten")
        def get(self):
            return {}

        @blp.response(201)
        def post(self):  # declares nothing
            return {}

    return types.SimpleNamespace(blp=blp)


def test_an_app_with_an_undeclared_route_fails_to_build(monkeypatch, fake_rpc):
    monkeypatch.setattr(gateway_app, "BLUEPRINTS", (*gateway_app.BLUEPRINTS, _module_with_an_undeclared_route()))

    with pytest.raises(ConfigurationError) as raised:
        create_app({"TESTING": True}, rpc=fake_rpc)

    message = str(raised.value)
    assert "POST /api/v1/forgotten (forgotten.Forgotten)" in message
    assert "GET /api/v1/forgotten" not in message


def test_routes_outside_the_openapi_document_count_too(app):
    from gateway import auth

    assert auth.undeclared_routes(app) == []
    app.add_url_rule("/api/v1/backdoor", "backdoor", lambda: "secrets")
    assert auth.undeclared_routes(app) == ["GET /api/v1/backdoor (backdoor)"]


def test_a_route_added_after_the_build_is_refused(app, anonymous):
    app.add_url_rule("/api/v1/late", "late", lambda: "secrets")

    response = anonymous.get("/api/v1/late")

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_requirement_must_name_a_declared_permission():
    blp = Blueprint("typo", __name__)
    with pytest.raises(ValueError, match="members:raed"):
        blp.requires("members:raed", operation_id="listTypos")


def test_a_call_must_name_a_service_of_the_platform():
    blp = Blueprint("typo", __name__)
    with pytest.raises(LookupError):
        blp.calls("rooster")


# ---- permissions declared by the services ---------------------------------------

def test_roles_are_the_union_of_every_service_bundle_and_the_gateway_own():
    contracts = [importlib.import_module(spec.contract) for spec in platform.SERVICES]
    for role, permissions in policy.ROLE_PERMISSIONS.items():
        expected = set(policy.GATEWAY_ROLE_PERMISSIONS.get(role, ()))
        for contract in contracts:
            expected |= contract.ROLE_PERMISSIONS.get(role, set())
        assert permissions == expected, role
    assert set(policy.DECLARED_PERMISSIONS) == set(policy.GATEWAY_PERMISSIONS).union(
        *(contract.PERMISSIONS for contract in contracts)
    )


def test_roster_declares_its_permissions_and_bundles():
    assert set(roster.PERMISSIONS) == {
        "organisations:read", "organisations:write", "members:read", "members:write", "movements:write",
        "members:export", "personal_data:read", "phone:read", "transfers:write",
        "meetings:read",  # issue 8: quorum
        "check_ins:confirm",  # issue 8: 双报到
        "lost_contact:write", "membership:decide",  # issue 8: 失联
        "pocket_members:read",  # issue 8: 口袋党员
    }
    assert {"county_admin", "town_admin", "branch_secretary", "liaison", "member", "system_integration"} <= set(
        roster.ROLE_PERMISSIONS
    )
    # Everything but what only a person may do (a suspension or removal is confirmed by someone).
    assert policy.ROLE_PERMISSIONS[policy.SYSTEM_INTEGRATION] == (
        frozenset(roster.PERMISSIONS) - {"membership:decide"}) | frozenset(education.PERMISSIONS) | frozenset(
        scoring.PERMISSIONS) | frozenset(outreach.PERMISSIONS)


def test_education_declares_its_permissions_and_bundles():
    assert set(education.PERMISSIONS) == {"education:read", "talks:write", "study:write", "sessions:write",
                                          "pushes:write", "trainings:write"}
    assert education.REVEALS == {}  # education keeps no personal data
    # A member reads their own and records their own study; never pushes, talks, sessions or trainings.
    assert policy.ROLE_PERMISSIONS["member"] & set(education.PERMISSIONS) == {"education:read", "study:write"}
    # The auditor and the officers of 三员分立 hold nothing of education's.
    for role in ("auditor", "security_officer", "system_admin"):
        assert not policy.ROLE_PERMISSIONS[role] & set(education.PERMISSIONS)


def test_scoring_declares_its_permissions_and_bundles():
    assert set(scoring.PERMISSIONS) == {"scoring:read", "score_entries:write", "score_entries:approve",
                                        "scoring_rules:write", "grading:write", "follow_ups:write"}
    assert scoring.REVEALS == {}  # scoring keeps no personal data
    # The rule set and the year's grading are the county's: only the county (and a county system's key)
    # publishes a version or grades a year; towns and branches close the follow-ups of their members.
    for county_wide in (scoring.SCORING_RULES_WRITE, scoring.GRADING_WRITE):
        assert {role for role, held in policy.ROLE_PERMISSIONS.items() if county_wide in held} == {
            "county_admin", "system_integration"}
    assert {role for role, held in policy.ROLE_PERMISSIONS.items() if scoring.FOLLOW_UPS_WRITE in held} == {
        "county_admin", "town_admin", "branch_secretary", "system_integration"}
    # A member reads their own score; a liaison submits entries but approves none.
    assert policy.ROLE_PERMISSIONS["member"] & set(scoring.PERMISSIONS) == {"scoring:read"}
    assert policy.ROLE_PERMISSIONS["liaison"] & set(scoring.PERMISSIONS) == {"scoring:read", "score_entries:write"}
    for role in ("auditor", "security_officer", "system_admin"):
        assert not policy.ROLE_PERMISSIONS[role] & set(scoring.PERMISSIONS)


def test_outreach_declares_its_permissions_and_bundles():
    assert set(outreach.PERMISSIONS) == {"outreach:read", "pairings:write", "contacts:write", "care:write",
                                         "projects:write", "reserve:write"}
    assert outreach.REVEALS == {}  # outreach keeps no personal data: a member is an id
    # The county, a town and a branch run all of it; a liaison keeps in touch and records visits and help,
    # while pairing, projects and reserve decisions are the committee's.
    for role in ("county_admin", "town_admin", "branch_secretary", "system_integration"):
        assert policy.ROLE_PERMISSIONS[role] >= set(outreach.PERMISSIONS), role
    assert policy.ROLE_PERMISSIONS["liaison"] & set(outreach.PERMISSIONS) == {
        "outreach:read", "contacts:write", "care:write"}
    # A member reads their own record: their pairings, contacts, visits, help cases and projects.
    assert policy.ROLE_PERMISSIONS["member"] & set(outreach.PERMISSIONS) == {"outreach:read"}
    for role in ("auditor", "security_officer", "system_admin"):
        assert not policy.ROLE_PERMISSIONS[role] & set(outreach.PERMISSIONS)


def test_a_new_service_joins_the_roles_by_declaration():
    scoring = types.SimpleNamespace(
        __name__="contracts.scoring", PERMISSIONS=("scores:read",),
        ROLE_PERMISSIONS={"branch_secretary": frozenset({"scores:read"})}, REVEALS={},
    )
    declared, bundles, _ = policy._build([roster, scoring])
    assert "scores:read" in declared
    assert "scores:read" in bundles["branch_secretary"] and "members:write" in bundles["branch_secretary"]
    assert "scores:read" not in bundles["liaison"]


@pytest.mark.parametrize("contract, message", [
    (dict(PERMISSIONS=("x:read",), ROLE_PERMISSIONS={"janitor": frozenset({"x:read"})}), "janitor"),
    (dict(PERMISSIONS=("x:read",), ROLE_PERMISSIONS={"liaison": frozenset({"y:read"})}), "y:read"),
    (dict(PERMISSIONS=("members:read",), ROLE_PERMISSIONS={}), "already declared"),
])
def test_a_contract_that_names_unknown_roles_or_permissions_is_refused(contract, message):
    with pytest.raises(policy.PolicyError, match=message):
        policy._build([roster, types.SimpleNamespace(__name__="contracts.bad", **contract)])


# ---- error codes ------------------------------------------------------------------

def test_every_error_code_has_an_http_status():
    codes = {value for name, value in vars(ErrorCode).items() if not name.startswith("_")}
    assert codes - set(HTTP_STATUS) == set()
    assert all(400 <= status < 600 for status in HTTP_STATUS.values())


# ---- the OpenAPI document for integrators ---------------------------------------------

@pytest.fixture
def document(anonymous):
    return anonymous.get("/api/v1/openapi.json").get_json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def test_every_operation_has_a_unique_camel_case_operation_id(document):
    ids = [operation.get("operationId") for _, _, operation in _operations(document)]
    assert None not in ids
    assert len(ids) == len(set(ids))
    assert all(i[0].islower() and i.isalnum() for i in ids), ids
    by_route = {(path, method): operation["operationId"] for path, method, operation in _operations(document)}
    assert by_route[("/api/v1/members", "post")] == "registerMember"
    assert by_route[("/api/v1/members/{member_id}/returns", "post")] == "reportReturn"
    assert by_route[("/api/v1/grants/{grant_id}", "delete")] == "revokeGrant"
    assert by_route[("/api/v1/audit-records", "get")] == "listAuditRecords"


def test_a_nullable_nested_object_is_the_reference_made_nullable(document):
    departure = document["components"]["schemas"]["Member"]["properties"]["current_departure"]
    assert departure == {"allOf": [{"$ref": "#/components/schemas/Departure"}], "nullable": True}


def test_every_service_call_documents_its_503(document):
    for path, method, operation in _operations(document):
        if path.startswith(("/api/v1/organisations", "/api/v1/members")):
            assert operation["responses"]["503"]["description"].startswith("service_unavailable"), (path, method)


def test_a_json_boolean_is_true_or_false_only(access):
    officer, _ = access.user_client(policy.SYSTEM_ADMIN)
    target = access.user()

    response = officer.patch(f"/api/v1/users/{target['id']}", json={"active": 0})

    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"json": {"active": ["Not a valid boolean."]}}
