"""The OpenAPI document is generated from the contract schemas and lists every route.

What the declarations already say is derived from them: the event channels from
``contracts.platform.SERVICES`` and the catalogue, the readiness checks from
SERVICES. The HTTP operations are listed by hand: they are the API's promise.
"""
import re

import pytest

from contracts.events import CATALOGUE
from contracts.platform import SERVICES

OPERATIONS = {
    "/api/v1/organisations": {"get": "200", "post": "201"},
    "/api/v1/organisations/{organisation_id}": {"get": "200"},
    "/api/v1/organisations/{organisation_id}/subtree": {"get": "200"},
    "/api/v1/members": {"get": "200", "post": "201"},
    "/api/v1/members/{member_id}": {"get": "200"},
    "/api/v1/members/lookup": {"post": "200"},
    "/api/v1/members/export": {"get": "200"},
    "/api/v1/members/{member_id}/departures": {"post": "201"},
    "/api/v1/members/{member_id}/returns": {"post": "201"},
    "/api/v1/statistics": {"get": "200"},
    "/api/v1/members/batch": {"post": "200"},
    "/api/v1/members/departures/batch": {"post": "200"},
    # issue 8: quorum
    "/api/v1/organisations/{organisation_id}/quorum": {"post": "200"},
    "/api/v1/organisations/{organisation_id}/attendance-exclusions": {"get": "200", "post": "201"},
    "/api/v1/organisations/{organisation_id}/party-probations": {"get": "200", "post": "201"},
    "/api/v1/organisations/{organisation_id}/attendance-exclusions/{exclusion_id}/withdrawal": {"post": "201"},
    "/api/v1/tokens": {"post": "200"},
    "/api/v1/tokens/revoke": {"post": "204"},
    "/api/v1/users": {"get": "200", "post": "201"},
    "/api/v1/users/{user_id}": {"get": "200", "patch": "200"},
    "/api/v1/users/{user_id}/activation": {"post": "201"},
    "/api/v1/activations": {"post": "204"},
    "/api/v1/users/me/password": {"put": "204"},
    "/api/v1/api-keys": {"get": "200", "post": "201"},
    "/api/v1/api-keys/{key_id}": {"delete": "200"},
    "/api/v1/grants": {"get": "200", "post": "201"},
    "/api/v1/grants/{grant_id}": {"delete": "200"},
    "/api/v1/grants/{grant_id}/approve": {"post": "200"},
    "/api/v1/grants/{grant_id}/reject": {"post": "200"},
    "/api/v1/audit-records": {"get": "200"},
    "/healthz": {"get": "200"},
    "/readyz": {"get": "200"},
    # 组织关系转接
    "/api/v1/members/{member_id}/transfers": {"post": "201"},
    "/api/v1/transfers": {"get": "200"},
    "/api/v1/transfers/{transfer_id}": {"get": "200"},
    "/api/v1/transfers/{transfer_id}/receipt": {"post": "200"},
    "/api/v1/transfers/{transfer_id}/reissue": {"post": "201"},
}
OPEN = {("/api/v1/tokens", "post"), ("/api/v1/activations", "post"), ("/healthz", "get"), ("/readyz", "get")}
# Operations a county system's key may call; the rest are for people only.
FOR_KEYS_TOO = {
    ("/api/v1/organisations", "get"), ("/api/v1/organisations", "post"),
    ("/api/v1/organisations/{organisation_id}", "get"), ("/api/v1/organisations/{organisation_id}/subtree", "get"),
    ("/api/v1/members", "get"), ("/api/v1/members", "post"), ("/api/v1/members/{member_id}", "get"),
    ("/api/v1/members/lookup", "post"), ("/api/v1/members/export", "get"),
    ("/api/v1/members/{member_id}/departures", "post"), ("/api/v1/members/{member_id}/returns", "post"),
    ("/api/v1/members/{member_id}/transfers", "post"), ("/api/v1/transfers", "get"),
    ("/api/v1/transfers/{transfer_id}", "get"), ("/api/v1/transfers/{transfer_id}/receipt", "post"),
    ("/api/v1/transfers/{transfer_id}/reissue", "post"),
    ("/api/v1/statistics", "get"), ("/api/v1/members/batch", "post"), ("/api/v1/members/departures/batch", "post"),
    # issue 8: quorum
    ("/api/v1/organisations/{organisation_id}/quorum", "post"),
    ("/api/v1/organisations/{organisation_id}/attendance-exclusions", "get"),
    ("/api/v1/organisations/{organisation_id}/attendance-exclusions", "post"),
    ("/api/v1/organisations/{organisation_id}/party-probations", "get"),
    ("/api/v1/organisations/{organisation_id}/party-probations", "post"),
    ("/api/v1/organisations/{organisation_id}/attendance-exclusions/{exclusion_id}/withdrawal", "post"),
}
# ---- issue 8: check-in at the destination (双报到) ----
CHECK_IN_OPERATIONS = {
    "/api/v1/members/{member_id}/check-ins": {"get": "200", "post": "201"},
    "/api/v1/members/{member_id}/check-ins/{check_in_id}/confirmations": {"post": "201"},
    "/api/v1/members/awaiting-check-in": {"get": "200"},
    "/api/v1/members/should-transfer": {"get": "200"},
    "/api/v1/members/{member_id}/mobile-member-cards": {"get": "200", "post": "201"},
}
OPERATIONS.update(CHECK_IN_OPERATIONS)
FOR_KEYS_TOO |= {(path, method) for path, methods in CHECK_IN_OPERATIONS.items() for method in methods}
# ---- issue 8: organisation details, stations serving branches, town–community pairings ----
ORGANISATION_OPERATIONS = {
    "/api/v1/organisations/{organisation_id}": {"get": "200", "patch": "200"},
    "/api/v1/organisations/{organisation_id}/changes": {"get": "200"},
    "/api/v1/organisations/{station_id}/served-branches": {"get": "200", "post": "201"},
    "/api/v1/organisations/{station_id}/served-branches/{link_id}/end": {"post": "200"},
    "/api/v1/organisations/{branch_id}/serving-stations": {"get": "200"},
    "/api/v1/town-community-pairings": {"get": "200", "post": "201"},
    "/api/v1/town-community-pairings/{pairing_id}": {"get": "200"},
    "/api/v1/town-community-pairings/{pairing_id}/end": {"post": "200"},
}
OPERATIONS.update(ORGANISATION_OPERATIONS)
FOR_KEYS_TOO |= {(path, method) for path, methods in ORGANISATION_OPERATIONS.items() for method in methods}
ORGANISATION_WRITES = {
    ("patch", "/api/v1/organisations/{organisation_id}"),
    ("post", "/api/v1/organisations/{station_id}/served-branches"),
    ("post", "/api/v1/organisations/{station_id}/served-branches/{link_id}/end"),
    ("post", "/api/v1/town-community-pairings"), ("post", "/api/v1/town-community-pairings/{pairing_id}/end"),
}
# ---- issue 8: lost contact (失联), suspension and removal ----
LOST_CONTACT_OPERATIONS = {
    "/api/v1/members/{member_id}/lost-contact": {"get": "200", "post": "201"},
    "/api/v1/members/{member_id}/lost-contact/restoration": {"post": "201"},
    "/api/v1/members/{member_id}/membership-decisions": {"post": "201"},
    "/api/v1/members/lost-contact": {"get": "200"},
}
OPERATIONS.update(LOST_CONTACT_OPERATIONS)
FOR_KEYS_TOO |= {(path, method) for path, methods in LOST_CONTACT_OPERATIONS.items() for method in methods}
FOR_KEYS_TOO -= {("/api/v1/members/{member_id}/membership-decisions", "post")}  # a person's act

# ---- issue 8: member field changes and the member timeline ----
OPERATIONS["/api/v1/members/{member_id}"] = {**OPERATIONS["/api/v1/members/{member_id}"], "patch": "200"}
OPERATIONS["/api/v1/members/{member_id}/timeline"] = {"get": "200"}
FOR_KEYS_TOO |= {("/api/v1/members/{member_id}", "patch"), ("/api/v1/members/{member_id}/timeline", "get")}

# ---- issue 8: computed member status, its history ----
OPERATIONS["/api/v1/members/{member_id}/status-history"] = {"get": "200"}
FOR_KEYS_TOO.add(("/api/v1/members/{member_id}/status-history", "get"))


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_it_is_openapi_3_with_every_path_and_operation(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["info"]["version"] == "v1"
    assert {path: set(item) - {"parameters"} for path, item in document["paths"].items()} == {
        path: set(methods) for path, methods in OPERATIONS.items()
    }
    for path, methods in OPERATIONS.items():
        for method, success in methods.items():
            responses = document["paths"][path][method]["responses"]
            assert success in responses, (path, method)
            assert "default" in responses, (path, method)


def test_success_bodies_come_from_the_contract_schemas(document):
    schemas = document["components"]["schemas"]
    assert set(schemas) >= {
        "Organisation", "OrganisationTree", "OrganisationPage", "Member", "MemberPage", "Departure",
        "OrganisationCreate", "MemberCreate", "DepartureReport", "ReturnReport",
    }
    member_create = document["paths"]["/api/v1/members"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert member_create == {"$ref": "#/components/schemas/MemberCreate"}
    assert set(schemas["MemberCreate"]["required"]) >= {"name", "gender", "birth_date", "id_number", "phone", "organisation_id"}
    assert schemas["Organisation"]["properties"]["kind_label"]["description"]


def test_filters_and_paging_are_documented_query_parameters(document):
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/members"]["get"]["parameters"]}
    assert set(parameters) == {"page", "per_page", "organisation_id", "status", "membership", "gender", "name",
                               "destination_province", "destination_reach", "departed_from", "departed_to"}
    assert all(p["in"] == "query" for p in parameters.values())
    assert parameters["status"]["schema"]["enum"] == [
        "normal", "away", "awaiting_check_in", "should_transfer", "transfer_pending", "lost_contact", "suspended",
        "removed", "transferred_out"]


def test_errors_are_documented_with_the_error_shape(document):
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert set(schemas["ErrorDetail"]["required"]) == {"code", "message", "details"}

    post_member = document["paths"]["/api/v1/members"]["post"]["responses"]
    assert post_member["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert post_member["422"]["description"].startswith("validation_failed")
    assert "idempotency_key_reused" in post_member["422"]["description"]
    assert document["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert post_member["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert document["paths"]["/api/v1/members/{member_id}"]["get"]["responses"]["404"]["description"].startswith("member_not_found")
    assert "503" in document["paths"]["/readyz"]["get"]["responses"]


def test_path_ids_are_documented_as_uuids(document):
    for path in ("/api/v1/organisations/{organisation_id}", "/api/v1/members/{member_id}/departures"):
        (parameter,) = document["paths"][path]["parameters"]
        assert parameter["in"] == "path" and parameter["schema"] == {"type": "string", "format": "uuid"}


def test_interactive_docs_page_loads_the_document(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "swagger-ui" in page
    assert "/api/v1/openapi.json" in page


def test_interactive_docs_page_loads_nothing_from_outside(anonymous):
    """County networks are often closed: every script and style the page loads
    is served by the gateway itself, without a credential."""
    page = anonymous.get("/api/v1/docs").get_data(as_text=True)
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page)

    assert {url.rsplit("/", 1)[-1] for url in loaded} == {
        "swagger-ui.css", "swagger-ui-standalone-preset.js", "swagger-ui-bundle.js",
    }
    for url in loaded:
        assert url.startswith("/api/v1/docs/assets/"), url
        response = anonymous.get(url)
        assert response.status_code == 200, url
        assert len(response.get_data()) > 1000, url
        assert response.mimetype in ("text/css", "text/javascript", "application/javascript"), url


def test_only_the_pages_assets_are_served(anonymous):
    assert anonymous.get("/api/v1/docs/assets/LICENSE").status_code == 404
    assert anonymous.get("/api/v1/docs/assets/..%2F__init__.py").status_code == 404


def test_security_schemes_are_declared(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == {**schemes["ApiKeyAuth"], "type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert schemes["BearerAuth"] == {**schemes["BearerAuth"], "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert "security" not in document  # no global requirement: each operation says its own


def test_every_operation_says_whether_it_needs_authentication(document):
    for path, methods in OPERATIONS.items():
        for method in methods:
            operation = document["paths"][path][method]
            if (path, method) in OPEN:
                assert not operation.get("security"), (path, method)
                continue
            expected = [{"BearerAuth": []}] + ([{"ApiKeyAuth": []}] if (path, method) in FOR_KEYS_TOO else [])
            assert operation["security"] == expected, (path, method)
            for status in ("401", "403", "429"):
                assert operation["responses"][status]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, (path, method, status)


def test_the_documents_themselves_are_open(anonymous):
    assert anonymous.get("/api/v1/openapi.json").status_code == 200
    assert anonymous.get("/api/v1/docs").status_code == 200


def test_the_export_is_documented_as_a_workbook(document):
    content = document["paths"]["/api/v1/members/export"]["get"]["responses"]["200"]["content"]
    assert content == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}
    }
    parameters = {p["name"] for p in document["paths"]["/api/v1/members/export"]["get"]["parameters"]}
    assert parameters == {"organisation_id", "status", "membership", "gender",
                          "destination_province", "destination_reach", "departed_from", "departed_to"}


def test_the_lookup_takes_the_id_number_in_its_body(document):
    lookup = document["paths"]["/api/v1/members/lookup"]["post"]
    assert "parameters" not in lookup
    assert lookup["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/MemberLookup"}


def test_masked_fields_and_free_text_are_documented(document):
    from contracts.text import PATTERN

    schemas = document["components"]["schemas"]
    member = schemas["Member"]["properties"]
    assert member["birth_date"]["type"] == ["string", "null"] or member["birth_date"].get("nullable") is True
    assert "birth_year" in schemas["Member"]["required"] and member["birth_year"]["type"] == "integer"
    assert "last four" in member["id_number"]["description"]
    for schema, field in [("MemberCreate", "name"), ("DepartureReport", "work"), ("DepartureReport", "destination_address"),
                          ("DepartureReport", "contact"), ("OrganisationCreate", "location"), ("UserCreate", "display_name"),
                          ("ApiKeyCreate", "owner"), ("TokenRequest", "username")]:
        assert schemas[schema]["properties"][field]["pattern"] == PATTERN, (schema, field)
        assert "NFC" in schemas[schema]["properties"][field]["description"], (schema, field)
    assert "check character" in schemas["MemberCreate"]["properties"]["id_number"]["description"]
    assert "check character" in schemas["MemberLookup"]["properties"]["id_number"]["description"]


def test_the_asyncapi_document_is_served_openly(anonymous):
    response = anonymous.get("/api/v1/asyncapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["asyncapi"].startswith("2.")
    assert "roster.events/member_returned" in document["channels"]
    # One channel per event of every declared service, on its own exchange; no other source.
    exchanges = {spec.name: spec.events_exchange for spec in SERVICES}
    assert {source for source, _, _ in CATALOGUE} <= set(exchanges)
    assert set(document["channels"]) == {f"{exchanges[source]}/{event_type}" for source, event_type, _ in CATALOGUE}


def test_readiness_is_documented_with_every_declared_service(document):
    readiness = document["paths"]["/readyz"]["get"]["responses"]
    assert set(readiness) >= {"200", "503"}
    schema = document["components"]["schemas"]["Readiness"]
    assert set(schema["properties"]["checks"]["example"]) == {"broker", *(spec.name for spec in SERVICES)}


def test_writes_a_client_may_retry_take_an_idempotency_key(document):
    takes_key = {
        (method, path) for path, operations in document["paths"].items() for method, operation in operations.items()
        if isinstance(operation, dict)
        and any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert takes_key == {
        ("post", "/api/v1/organisations"), ("post", "/api/v1/members"),
        ("post", "/api/v1/members/{member_id}/departures"), ("post", "/api/v1/members/{member_id}/returns"),
        ("post", "/api/v1/members/{member_id}/transfers"), ("post", "/api/v1/transfers/{transfer_id}/receipt"),
        ("post", "/api/v1/transfers/{transfer_id}/reissue"),
        ("post", "/api/v1/members/batch"), ("post", "/api/v1/members/departures/batch"),
        # issue 8: quorum
        ("post", "/api/v1/organisations/{organisation_id}/attendance-exclusions"),
        ("post", "/api/v1/organisations/{organisation_id}/party-probations"),
        ("post", "/api/v1/organisations/{organisation_id}/attendance-exclusions/{exclusion_id}/withdrawal"),
        # issue 8: 双报到
        ("post", "/api/v1/members/{member_id}/check-ins"),
        ("post", "/api/v1/members/{member_id}/check-ins/{check_in_id}/confirmations"),
        ("post", "/api/v1/members/{member_id}/mobile-member-cards"),
        # issue 8: 失联
        ("post", "/api/v1/members/{member_id}/lost-contact"),
        ("post", "/api/v1/members/{member_id}/lost-contact/restoration"),
        ("post", "/api/v1/members/{member_id}/membership-decisions"),
        # issue 8: member field changes
        ("patch", "/api/v1/members/{member_id}"),
    } | IDEMPOTENT_POCKET_MEMBER_WRITES | ORGANISATION_WRITES | EDUCATION_WRITES | SCORING_WRITES | OUTREACH_WRITES


# ---- issue 8: pocket members (口袋党员) ----
POCKET_MEMBER_OPERATIONS = {
    "/api/v1/pocket-members": {"get": "200"},
    "/api/v1/pocket-members/sightings": {"post": "200"},
    "/api/v1/pocket-members/{pocket_member_id}": {"get": "200"},
    "/api/v1/pocket-members/{pocket_member_id}/placement": {"post": "201"},
}
OPERATIONS.update(POCKET_MEMBER_OPERATIONS)
FOR_KEYS_TOO |= {(path, method) for path, methods in POCKET_MEMBER_OPERATIONS.items() for method in methods}
IDEMPOTENT_POCKET_MEMBER_WRITES = {
    ("post", "/api/v1/pocket-members/sightings"), ("post", "/api/v1/pocket-members/{pocket_member_id}/placement"),
}

# ---- issue 9: education: talks and trainings ----
EDUCATION_OPERATIONS = {
    "/api/v1/talks": {"get": "200"},
    "/api/v1/talks/{talk_id}": {"get": "200"},
    "/api/v1/talks/{talk_id}/record": {"post": "200"},
    "/api/v1/trainings": {"get": "200", "post": "201"},
    "/api/v1/trainings/{training_id}": {"get": "200"},
    "/api/v1/trainings/{training_id}/enrolments": {"get": "200", "post": "201"},
    "/api/v1/trainings/{training_id}/sessions": {"get": "200", "post": "201"},
    "/api/v1/trainings/{training_id}/sessions/{session_id}/attendance": {"get": "200", "post": "200"},
    "/api/v1/trainings/{training_id}/skills": {"post": "201"},
    "/api/v1/study-sessions": {"get": "200", "post": "201"},
    "/api/v1/study-sessions/{session_id}/attendance": {"get": "200", "post": "200"},
    "/api/v1/study-records": {"get": "200", "post": "201"},
    "/api/v1/participation": {"get": "200"},
    "/api/v1/materials": {"get": "200", "post": "201"},
    "/api/v1/pushes": {"get": "200", "post": "201"},
    "/api/v1/pushes/{push_id}": {"get": "200"},
    "/api/v1/pushes/{push_id}/deliveries": {"get": "200"},
    "/api/v1/technical-leaders": {"get": "200", "post": "201"},
    "/api/v1/education-figures": {"get": "200"},
}
OPERATIONS.update(EDUCATION_OPERATIONS)
FOR_KEYS_TOO |= {(path, method) for path, methods in EDUCATION_OPERATIONS.items() for method in methods}
EDUCATION_WRITES = {  # every education write takes an Idempotency-Key
    ("post", path) for path, methods in EDUCATION_OPERATIONS.items() if "post" in methods}

# ---- issue 10: scoring ----
SCORING_OPERATIONS = {
    "/api/v1/scoring-rules": {"get": "200", "post": "201"},
    "/api/v1/score-ledger": {"get": "200"},
    "/api/v1/members/{member_id}/score": {"get": "200"},
    "/api/v1/score-standings/at-risk": {"get": "200"},
    "/api/v1/grade-distribution": {"get": "200"},
    "/api/v1/score-entries": {"get": "200", "post": "201"},
    "/api/v1/score-entries/{entry_id}": {"get": "200"},
    "/api/v1/score-entries/{entry_id}/decision": {"post": "200"},
    "/api/v1/score-entries/batch": {"post": "200"},
    "/api/v1/score-entries/decisions/batch": {"post": "200"},
    "/api/v1/grading-runs": {"get": "200", "post": "202"},
    "/api/v1/grading-runs/{run_id}": {"get": "200"},
    "/api/v1/grades": {"get": "200"},
    "/api/v1/follow-ups": {"get": "200"},
    "/api/v1/follow-ups/{follow_up_id}/closure": {"post": "200"},
}
OPERATIONS.update(SCORING_OPERATIONS)
FOR_KEYS_TOO |= {(path, method) for path, methods in SCORING_OPERATIONS.items() for method in methods}
SCORING_WRITES = {  # every scoring write takes an Idempotency-Key
    ("post", path) for path, methods in SCORING_OPERATIONS.items() if "post" in methods}


def test_a_grading_run_is_accepted_and_graded_later(document):
    request = document["paths"]["/api/v1/grading-runs"]["post"]
    assert request["operationId"] == "requestGradingRun"
    assert set(request["responses"]) >= {"202", "409", "422"} and "201" not in request["responses"]
    assert request["responses"]["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GradingRun"}
    assert "year_not_over" in request["responses"]["422"]["description"]
    assert "year_closed" in request["responses"]["409"]["description"]


def test_the_scoring_errors_are_documented_where_they_can_happen(document):
    paths = document["paths"]
    decision = paths["/api/v1/score-entries/{entry_id}/decision"]["post"]["responses"]
    assert {"separation_of_duties", "not_pending", "year_closed"} <= {
        code.split(":")[0] for code in decision["409"]["description"].split("; ")}
    assert decision["404"]["description"].startswith("score_entry_not_found")
    publish = paths["/api/v1/scoring-rules"]["post"]["responses"]
    assert "rule_set_retroactive" in publish["422"]["description"]
    assert "year_closed" in publish["409"]["description"] and "already_recorded" in publish["409"]["description"]
    assert paths["/api/v1/members/{member_id}/score"]["get"]["responses"]["404"]["description"].startswith(
        "member_not_found")
    assert paths["/api/v1/grading-runs/{run_id}"]["get"]["responses"]["404"]["description"].startswith(
        "grading_run_not_found")
    closure = paths["/api/v1/follow-ups/{follow_up_id}/closure"]["post"]["responses"]
    assert closure["404"]["description"].startswith("follow_up_not_found")
    assert "follow_up_closed" in closure["409"]["description"]
    assert closure["422"]["description"].startswith("validation_failed")
    # Points are numbers to one decimal place; a year is required where the year is the question.
    schemas = document["components"]["schemas"]
    assert schemas["ScoreEntryCreate"]["properties"]["points"]["type"] == "number"
    assert "year" in schemas["GradingRunCreate"]["required"]
    grades = {p["name"]: p for p in paths["/api/v1/grades"]["get"]["parameters"]}
    assert grades["year"]["required"] is True


# ---- issue 11: outreach ----
OUTREACH_OPERATIONS = {
    "/api/v1/help-pairings": {"get": "200", "post": "201"},
    "/api/v1/help-pairings/{pairing_id}": {"get": "200"},
    "/api/v1/help-pairings/{pairing_id}/end": {"post": "200"},
    "/api/v1/four-ones": {"get": "200"},
    "/api/v1/contacts": {"get": "200", "post": "201"},
    "/api/v1/contacts/batch": {"post": "200"},
    "/api/v1/members/{member_id}/contacts": {"get": "200"},
    "/api/v1/care-campaigns": {"get": "200", "post": "202"},
    "/api/v1/care-campaigns/{campaign_id}": {"get": "200"},
    "/api/v1/visits": {"get": "200", "post": "201"},
    "/api/v1/visits/{visit_id}": {"get": "200"},
    "/api/v1/visits/{visit_id}/completion": {"post": "200"},
    "/api/v1/help-cases": {"get": "200", "post": "201"},
    "/api/v1/help-cases/{case_id}": {"get": "200"},
    "/api/v1/help-cases/{case_id}/notes": {"post": "201"},
    "/api/v1/help-cases/{case_id}/closure": {"post": "200"},
    "/api/v1/care-service-card": {"get": "200"},
    "/api/v1/volunteer-activities": {"get": "200", "post": "201"},
    "/api/v1/volunteer-activities/{activity_id}": {"get": "200"},
    "/api/v1/volunteer-activities/{activity_id}/services": {"get": "200", "post": "201"},
    "/api/v1/return-projects": {"get": "200", "post": "201"},
    "/api/v1/hometown-events": {"get": "200", "post": "201"},
    "/api/v1/outreach-figures": {"get": "200"},
    "/api/v1/reserve-reviews": {"get": "200"},
    "/api/v1/reserve-reviews/{review_id}": {"get": "200"},
    "/api/v1/reserve-reviews/{review_id}/decision": {"post": "200"},
    "/api/v1/vanguard": {"get": "200", "post": "201"},
    "/api/v1/cultivation-candidates": {"get": "200", "post": "201"},
    "/api/v1/cultivation-candidates/{candidate_id}": {"get": "200"},
    "/api/v1/cultivation-candidates/{candidate_id}/steps": {"post": "201"},
}
OPERATIONS.update(OUTREACH_OPERATIONS)
FOR_KEYS_TOO |= {(path, method) for path, methods in OUTREACH_OPERATIONS.items() for method in methods}
OUTREACH_WRITES = {  # every outreach write takes an Idempotency-Key
    ("post", path) for path, methods in OUTREACH_OPERATIONS.items() if "post" in methods}


def test_a_contact_logged_before_is_documented_as_200_and_a_new_one_as_201(document):
    responses = document["paths"]["/api/v1/contacts"]["post"]["responses"]
    assert document["paths"]["/api/v1/contacts"]["post"]["operationId"] == "logContact"
    for status in ("200", "201"):
        assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Contact"}
    assert "duplicate" in responses["200"]["description"]
    assert "duplicate" in document["components"]["schemas"]["Contact"]["properties"]


def test_a_care_campaign_is_accepted_and_listed_later(document):
    launch = document["paths"]["/api/v1/care-campaigns"]["post"]
    assert launch["operationId"] == "launchCareCampaign"
    assert "202" in launch["responses"] and "201" not in launch["responses"]
    assert launch["responses"]["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Campaign"}
    occasion = {p["name"]: p for p in document["paths"]["/api/v1/care-campaigns"]["get"]["parameters"]}["occasion"]
    assert "spring_festival" in occasion["schema"]["enum"]


def test_help_pairings_keep_names_of_their_own_beside_town_community_pairings(document):
    schemas = document["components"]["schemas"]
    assert {"Pairing", "PairingCreate", "PairingPage", "HelpPairing", "HelpPairingCreate", "HelpPairingPage"} <= set(
        schemas)
    assert not [name for name in schemas if name[-1].isdigit()], "two schemas resolved to one name"
    paths = document["paths"]
    assert paths["/api/v1/help-pairings"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HelpPairingCreate"}
    assert "cadre_member_id" in schemas["HelpPairing"]["properties"]
    assert "town_id" in schemas["Pairing"]["properties"]


def test_the_outreach_errors_are_documented_where_they_can_happen(document):
    paths = document["paths"]

    def codes(path, method, status):
        return {line.split(":")[0] for line in paths[path][method]["responses"][status]["description"].split("; ")}

    assert codes("/api/v1/help-pairings/{pairing_id}/end", "post", "404") == {"pairing_not_found"}
    assert "already_ended" in codes("/api/v1/help-pairings/{pairing_id}/end", "post", "409")
    assert "unknown_reference" in codes("/api/v1/help-pairings", "post", "422")
    assert "already_recorded" in codes("/api/v1/visits/{visit_id}/completion", "post", "409")
    assert {"help_case_closed"} <= codes("/api/v1/help-cases/{case_id}/notes", "post", "409")
    assert {"help_case_closed"} <= codes("/api/v1/help-cases/{case_id}/closure", "post", "409")
    assert "not_pending" in codes("/api/v1/reserve-reviews/{review_id}/decision", "post", "409")
    assert {"cultivation_incomplete", "cultivation_ended", "already_recorded"} <= codes(
        "/api/v1/cultivation-candidates/{candidate_id}/steps", "post", "409")
    assert "already_recorded" in codes("/api/v1/volunteer-activities/{activity_id}/services", "post", "409")
    for path, code in [("/api/v1/care-campaigns/{campaign_id}", "campaign_not_found"),
                       ("/api/v1/visits/{visit_id}", "visit_not_found"),
                       ("/api/v1/help-cases/{case_id}", "help_case_not_found"),
                       ("/api/v1/volunteer-activities/{activity_id}", "volunteer_activity_not_found"),
                       ("/api/v1/reserve-reviews/{review_id}", "reserve_review_not_found"),
                       ("/api/v1/cultivation-candidates/{candidate_id}", "candidate_not_found")]:
        assert codes(path, "get", "404") == {code}, path
    # The member's own contacts: the path says whose, so member_id is no filter there.
    parameters = {p["name"] for p in paths["/api/v1/members/{member_id}/contacts"]["get"]["parameters"]}
    assert parameters == {"page", "per_page", "organisation_id", "channel", "follow_up_needed", "from", "to"}
