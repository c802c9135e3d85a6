"""The OpenAPI document is generated from the contract schemas and lists every route."""
import pytest

OPERATIONS = {
    "/api/v1/organisations": {"get": "200", "post": "201"},
    "/api/v1/organisations/{organisation_id}": {"get": "200"},
    "/api/v1/organisations/{organisation_id}/subtree": {"get": "200"},
    "/api/v1/members": {"get": "200", "post": "201"},
    "/api/v1/members/{member_id}": {"get": "200"},
    "/api/v1/members/{member_id}/departures": {"post": "201"},
    "/api/v1/members/{member_id}/returns": {"post": "201"},
    "/healthz": {"get": "200"},
    "/readyz": {"get": "200"},
}


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
    assert set(parameters) == {"page", "per_page", "organisation_id", "status", "membership", "gender", "name"}
    assert all(p["in"] == "query" for p in parameters.values())
    assert parameters["status"]["schema"]["enum"] == ["at_home", "away"]


def test_errors_are_documented_with_the_error_shape(document):
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert set(schemas["ErrorDetail"]["required"]) == {"code", "message", "details"}

    post_member = document["paths"]["/api/v1/members"]["post"]["responses"]
    assert post_member["422"] == {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"}
    assert document["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert post_member["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert document["paths"]["/api/v1/members/{member_id}"]["get"]["responses"]["404"]["description"] == "member_not_found"
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
