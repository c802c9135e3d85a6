"""Schemathesis against the live gateway's OpenAPI document: every operation,
every default check (authentication checks included: each secured operation
must refuse a request without credentials), once with a county system's key
that holds every scope a key may hold and once with each of four people's
tokens (a county administrator, the auditor, a security officer, a system
administrator), so that the person-only operations are exercised past their 401 too.

Valid data must get a status the operation documents: the positive-data check is
narrowed per operation to its documented 2xx and to those of 401, 403, 404, 409
and 422 it lists (``expected_statuses``).

The seed is fixed so that CI is repeatable; `LIUDONG_FUZZ_SEED=random` and a
larger `LIUDONG_FUZZ_EXAMPLES` (one depth for every caller) make a deeper run by hand.
"""
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from gateway import auth
from gateway.access import policy
from gateway.app import create_app

HERE = Path(__file__).parent
ST = Path(sys.executable).with_name("st")
# What schema-valid data may still be refused with, for rules OpenAPI cannot state.
RULE_STATUSES = {"401", "403", "404", "409", "422"}
# The security officer and the system administrator last: their stateful runs may revoke the
# key and grants, or disable the other people.
CALLERS = ["county_system", "county_admin", "auditor", "security_officer", "system_admin"]
# Examples per operation: deepest for the two callers that reach the services' operations past their 403;
# the security duties are refused most operations outright, and their own (access management) are few.
# Each run of 15 took ~55 s here (2026-12-03), a third of the whole end-to-end suite; LIUDONG_FUZZ_EXAMPLES
# sets one depth for every caller.
EXAMPLES = {"county_system": 15, "county_admin": 10}
SECURITY_DUTY_EXAMPLES = 5


def expected_statuses(document):
    """operationId -> the statuses valid data may get: documented 2xx and documented rule refusals."""
    expected = {}
    for item in document["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            documented = set(operation["responses"])
            expected[operation["operationId"]] = sorted(
                status for status in documented if status.startswith("2") or status in RULE_STATUSES
            )
    return expected


def config_file(document, path):
    """schemathesis.toml with one [[operations]] table per operation of the document."""
    lines = [(HERE / "schemathesis.toml").read_text()]
    for operation_id, statuses in sorted(expected_statuses(document).items()):
        lines += [
            "", "[[operations]]", f"include-operation-id = {json.dumps(operation_id)}",
            f"checks.positive_data_acceptance.expected-statuses = {json.dumps(statuses)}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def county(platform):
    """A county to work in, so that generated requests can also succeed."""
    response = platform.post("/api/v1/organisations", {"name": "中共高台县委员会", "kind": "party_committee"})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def credentials(platform, county):
    people = {
        "county_admin": county["id"],
        "security_officer": None,  # platform-wide: every access-management answer is reachable
        "auditor": None,
        "system_admin": None,
    }
    headers = {"county_system": f"X-API-Key: {platform.http.headers['X-API-Key']}"}
    for role, organisation_id in people.items():
        token = platform.token_headers(*platform.create_user(role, organisation_id=organisation_id))
        headers[role] = f"Authorization: {token['Authorization']}"
    return headers


def test_positive_data_expectations_are_each_operation_documented_statuses():
    document = {"paths": {"/x": {"get": {"operationId": "getX", "responses": {
        "200": {}, "401": {}, "403": {}, "404": {}, "429": {}, "503": {}, "default": {},
    }}}}}
    assert expected_statuses(document) == {"getX": ["200", "401", "403", "404"]}


def reachable_operations(role, tmp_path):
    """The operationIds whose permission ``role`` holds, or that need none, as the app declares them."""
    app = create_app({"LIUDONG_TOKEN_SECRET": secrets.token_urlsafe(48),
                      "LIUDONG_GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path}/introspection.db"}, rpc=object())
    held = policy.ROLE_PERMISSIONS[role]
    reachable = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = auth.operation_of(view, method)
            operation_id = getattr(operation, "_apidoc", {}).get("manual_doc", {}).get("operationId")
            needed = getattr(operation, auth.REQUIREMENT_ATTRIBUTE, None)
            if operation_id and (needed is None or needed.permission is None or needed.permission in held):
                reachable.add(operation_id)
    return sorted(reachable)


@pytest.mark.parametrize("caller", CALLERS)
def test_the_api_holds_to_its_openapi_document(platform, credentials, caller, tmp_path):
    document = platform.get("/api/v1/openapi.json").json()
    seed = os.environ.get("LIUDONG_FUZZ_SEED", "2021")
    command = [
        str(ST), "--config-file", str(config_file(document, tmp_path / "schemathesis.toml")), "run",
        f"{platform.base_url}/api/v1/openapi.json",
        "--header", credentials[caller],
        "--checks", "all",
        "--max-examples", os.environ.get("LIUDONG_FUZZ_EXAMPLES", str(EXAMPLES.get(caller, SECURITY_DUTY_EXAMPLES))),
        # One worker: with two threads, Hypothesis's lambda descriptions parse
        # source with ast at once, and CPython 3.11's AST construction keeps its
        # recursion depth per interpreter, not per thread: it fails now and then
        # with "AST constructor recursion depth mismatch" (cpython#106905's kin).
        "--workers", "1",
        "--request-timeout", "10",
        "--generation-database", "none",
        "--no-color",
    ]
    if seed != "random":
        command += ["--seed", seed]
    if caller != "county_system":
        # Log-out ends the caller's one token, and every operation after would only be 401;
        # tests/gateway and the permission matrix cover it. A key still fuzzes it (401).
        command += ["--exclude-operation-id", "revokeTokens"]
    runs = [command]
    if caller not in EXAMPLES and "LIUDONG_FUZZ_EXAMPLES" not in os.environ:
        # A security duty is refused most operations before their input counts: the coverage phase (every
        # boundary of every parameter, most of a run's time) is spent on the operations the duty reaches;
        # the other phases still try every operation, authentication checks included.
        reachable = [op for op in reachable_operations(caller, tmp_path) if op != "revokeTokens"]
        runs = [command + ["--phases", "examples,fuzzing,stateful"],
                command + ["--phases", "coverage"] + [arg for op in reachable for arg in ("--include-operation-id", op)]]
    for run in runs:
        result = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=900)
        report = result.stdout + result.stderr
        assert result.returncode == 0, report
        assert "0 failures" in report or "No issues found" in report or "passed" in report, report
