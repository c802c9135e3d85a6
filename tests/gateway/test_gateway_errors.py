"""Errors: always the one JSON shape, the right status, and nothing sent to roster for bad input."""
import uuid

import pytest
from nameko.exceptions import RemoteError

from contracts.errors import ServiceError
from contracts.platform import SERVICES
from gateway.rpc import ServiceUnavailable
from tests.support import id_number

SERVICE_NAMES = [spec.name for spec in SERVICES]

ID_NUMBER = id_number("1985-03-02", 1, "620922")

VALID_MEMBER = {
    "name": "张三", "gender": "male", "birth_date": "1985-03-02", "id_number": ID_NUMBER,
    "phone": "13800000000", "joined_on": "2010-07-01", "organisation_id": str(uuid.uuid4()),
}
VALID_DEPARTURE = {"destination_province": "甘肃省", "destination_city": "酒泉市", "work": "农业", "contact": "13900000000"}


def error_of(response, status, code):
    """The error object of ``response``, after checking its status, shape and code."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    return error


# ---- validation: 422 names the field, and nothing is written ---------------

@pytest.mark.parametrize(("url", "body", "location", "field"), [
    pytest.param("/api/v1/members", {k: v for k, v in VALID_MEMBER.items() if k != "phone"}, "json", "phone", id="missing field"),
    pytest.param("/api/v1/members", {**VALID_MEMBER, "birth_date": 19850302}, "json", "birth_date", id="wrong type"),
    pytest.param("/api/v1/members", {**VALID_MEMBER, "phone": "12345"}, "json", "phone", id="bad pattern"),
    pytest.param("/api/v1/members", {**VALID_MEMBER, "nickname": "小张"}, "json", "nickname", id="unknown field"),
    pytest.param("/api/v1/members", {**VALID_MEMBER, "gender": "unknown"}, "json", "gender", id="bad enum"),
    pytest.param("/api/v1/members", {**VALID_MEMBER, "joined_on": "1980-01-01"}, "json", "joined_on", id="cross-field rule"),
    pytest.param("/api/v1/organisations", {"name": "某某", "kind": "club"}, "json", "kind", id="bad organisation kind"),
    pytest.param("/api/v1/organisations", {"name": "", "kind": "branch"}, "json", "name", id="empty name"),
    pytest.param(f"/api/v1/members/{uuid.uuid4()}/departures", {**VALID_DEPARTURE, "work": None}, "json", "work", id="null"),
    pytest.param(f"/api/v1/members/{uuid.uuid4()}/returns", {"returned_on": "yesterday"}, "json", "returned_on", id="bad date"),
    pytest.param("/api/v1/members", {**VALID_MEMBER, "id_number": ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")},
                 "json", "id_number", id="wrong check character"),
    pytest.param("/api/v1/members", {**VALID_MEMBER, "birth_date": "1985-03-03"}, "json", "birth_date",
                 id="birth date not the one in the ID number"),
    pytest.param("/api/v1/members/lookup", {"id_number": ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")},
                 "json", "id_number", id="lookup with a wrong check character"),
    pytest.param("/api/v1/members", {**VALID_MEMBER, "name": "张\u0001三"}, "json", "name", id="control character"),
    pytest.param("/api/v1/members", {**VALID_MEMBER, "name": "张三\n2026-03-01 INFO forged"}, "json", "name", id="newline"),
    pytest.param("/api/v1/organisations", {"name": "\u202e部支", "kind": "branch"}, "json", "name", id="bidi control"),
    pytest.param(f"/api/v1/members/{uuid.uuid4()}/departures", {**VALID_DEPARTURE, "work": "农\u200b业"}, "json", "work",
                 id="zero-width"),
    pytest.param("/api/v1/tokens", {"username": "wang\x85fang", "password": "correct horse battery"}, "json", "username",
                 id="C1 control in an access field"),
    pytest.param(f"/api/v1/members/{uuid.uuid4()}/departures", {**VALID_DEPARTURE, "contact": "\ufeffweixin"}, "json",
                 "contact", id="byte order mark"),
])
def test_invalid_body_is_422_naming_the_field_and_nothing_is_sent(client, fake_rpc, url, body, location, field):
    error = error_of(client.post(url, json=body), 422, "validation_failed")

    assert list(error["details"]) == [location]
    assert field in error["details"][location]
    assert all(isinstance(m, str) for m in error["details"][location][field])
    assert fake_rpc.calls == []
    # The answer says why, never what was sent.
    for value in body.values():
        if isinstance(value, str) and len(value) > 2:
            assert value not in str(error), value


@pytest.mark.parametrize(("query", "field"), [
    ("per_page=0", "per_page"),
    ("per_page=101", "per_page"),
    ("page=first", "page"),
    ("status=gone", "status"),
    ("organisation_id=42", "organisation_id"),
    ("stauts=away", "stauts"),  # a misspelt filter must not silently widen the list
])
def test_invalid_query_is_422_naming_the_parameter(client, fake_rpc, query, field):
    error = error_of(client.get(f"/api/v1/members?{query}"), 422, "validation_failed")

    assert list(error["details"]) == ["query"]
    assert field in error["details"]["query"]
    assert fake_rpc.calls == []


def test_a_body_that_is_not_an_object_is_422(client, fake_rpc):
    error = error_of(client.post("/api/v1/organisations", json=["branch"]), 422, "validation_failed")

    assert "_schema" in error["details"]["json"]
    assert fake_rpc.calls == []


def test_malformed_json_is_400(client, fake_rpc):
    response = client.post("/api/v1/members", data='{"name": "张三",', content_type="application/json")

    error = error_of(response, 400, "malformed_json")
    assert "json" in error["details"]
    assert fake_rpc.calls == []


def test_a_body_with_a_non_json_content_type_is_400(client, fake_rpc):
    response = client.post("/api/v1/organisations", data={"name": "某某", "kind": "branch"})

    error = error_of(response, 400, "malformed_json")
    assert error["details"] == {"content_type": "application/x-www-form-urlencoded"}
    assert fake_rpc.calls == []


def test_a_body_over_the_size_limit_is_413(client, fake_rpc):
    response = client.post("/api/v1/organisations", json={"name": "x" * (1024 * 1024), "kind": "branch"})

    error_of(response, 413, "payload_too_large")
    assert fake_rpc.calls == []


# ---- routing -------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/api/v1/organisations/42",
    "/api/v1/organisations/not-a-uuid/subtree",
    "/api/v1/members/张三",
    "/api/v1/members/1234/departures",
    "/api/v1/nothing-here",
    "/",
])
def test_unknown_address_or_non_uuid_id_is_404(client, fake_rpc, url):
    error_of(client.get(url), 404, "not_found")
    assert fake_rpc.calls == []


def test_non_uuid_id_on_a_write_is_404(client, fake_rpc):
    error_of(client.post("/api/v1/members/abc/returns", json={}), 404, "not_found")
    assert fake_rpc.calls == []


def test_wrong_method_is_405_with_allow(client):
    response = client.delete(f"/api/v1/members/{uuid.uuid4()}")

    error = error_of(response, 405, "method_not_allowed")
    assert "GET" in error["details"]["allowed"]
    assert "GET" in response.headers["Allow"]


# ---- errors from roster ----------------------------------------------------

@pytest.mark.parametrize(("code", "status"), [
    ("member_not_found", 404),
    ("organisation_not_found", 404),
    ("member_already_away", 409),
    ("duplicate_id_number", 409),
    ("invalid_parent", 422),
    ("not_a_branch", 422),
    ("validation_failed", 422),
])
def test_service_error_keeps_its_code_message_and_details(client, fake_rpc, code, status):
    details = {"member_id": str(uuid.uuid4())}
    fake_rpc.will_answer("report_departure", ServiceError(code, "roster says no", details))

    response = client.post(f"/api/v1/members/{uuid.uuid4()}/departures", json=VALID_DEPARTURE)

    error = error_of(response, status, code)
    assert error == {"code": code, "message": "roster says no", "details": details}


def test_service_error_with_an_unknown_code_is_500_but_keeps_the_code(client, fake_rpc):
    fake_rpc.will_answer("get_member", ServiceError("brand_new_rule", "a rule the gateway does not know yet"))

    error_of(client.get(f"/api/v1/members/{uuid.uuid4()}"), 500, "brand_new_rule")


def test_unavailable_service_is_503(client, fake_rpc):
    fake_rpc.will_answer("get_member", ServiceUnavailable("roster", "timeout", "the roster service did not answer within 4 s"))

    error = error_of(client.get(f"/api/v1/members/{uuid.uuid4()}"), 503, "service_unavailable")
    assert error["details"] == {"service": "roster", "cause": "timeout"}


@pytest.mark.parametrize("failure", [
    RemoteError("KeyError", "'organisation_id'"),
    ZeroDivisionError("division by zero"),
])
def test_unexpected_failure_is_500_without_a_trace(client, fake_rpc, failure, caplog):
    fake_rpc.will_answer("get_member", failure)

    response = client.get(f"/api/v1/members/{uuid.uuid4()}")

    error = error_of(response, 500, "internal_error")
    assert error["details"] == {}
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "division" not in text and "KeyError" not in text
    assert "unhandled error" in caplog.text


def test_a_reply_that_breaks_the_contract_is_500(client, fake_rpc, replies):
    fake_rpc.will_answer("get_member", {**replies.member(), "birth_date": "not a date"})

    error_of(client.get(f"/api/v1/members/{uuid.uuid4()}"), 500, "internal_error")


def test_readyz_names_the_broker_when_it_is_down(client, fake_rpc):
    for name in SERVICE_NAMES:
        fake_rpc.will_answer("ping", ServiceUnavailable(name, "broker_unreachable", "the message broker is unreachable"),
                             service=name)

    error = error_of(client.get("/readyz"), 503, "service_unavailable")
    assert error["details"] == {"checks": {"broker": "down", **{name: "unknown" for name in SERVICE_NAMES}}}


@pytest.mark.parametrize("failure", [
    ServiceUnavailable("roster", "service_not_running", "the roster service is not running"),
    RemoteError("RuntimeError", "database is locked"),
])
def test_readyz_names_the_one_service_that_cannot_answer(client, fake_rpc, failure):
    for name in SERVICE_NAMES:
        fake_rpc.will_answer("ping", {"status": "ok"}, service=name)
    fake_rpc.will_answer("ping", failure, service="roster")

    error = error_of(client.get("/readyz"), 503, "service_unavailable")
    others = {name: "ok" for name in SERVICE_NAMES if name != "roster"}
    assert error["details"] == {"checks": {"broker": "ok", "roster": "down", **others}}
    assert "roster" in error["message"] and not any(name in error["message"] for name in others)
