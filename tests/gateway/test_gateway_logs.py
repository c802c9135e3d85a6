"""No ID number or phone number in the gateway's logs, whatever the request and whatever fails."""
import logging
import uuid

import pytest
from nameko.exceptions import RemoteError

from contracts.errors import ServiceError
from gateway.access import policy
from gateway.logs import ID_NUMBER, PHONE, RedactPersonalData, get_logger, redact
from gateway.rpc import ServiceUnavailable
from tests.support import id_number

ID = id_number("1985-03-02", 1, "620922")
MOBILE = "13800000000"
MEMBER = {
    "name": "张三", "gender": "male", "birth_date": "1985-03-02", "id_number": ID,
    "phone": MOBILE, "joined_on": "2010-07-01", "organisation_id": str(uuid.uuid4()),
}


@pytest.mark.parametrize(("text", "expected"), [
    (f"id {ID} phone {MOBILE}", "id [id-number] phone [phone]"),
    ("62092219850302001x,13912345678", "[id-number],[phone]"),
    ("620922198503020028", "[id-number]"),
    ("order 1380000000012345 and 2025-03-01T08:30:00", "order 1380000000012345 and 2025-03-01T08:30:00"),
    ("member 5b0f7e5e-8d2a-4a5c-9b7e-0c1d2e3f4a5b", "member 5b0f7e5e-8d2a-4a5c-9b7e-0c1d2e3f4a5b"),
    ("", ""),
])
def test_redact(text, expected):
    assert redact(text) == expected


def test_the_filter_redacts_arguments_and_tracebacks():
    try:
        raise ValueError(f"bad id_number {ID}")
    except ValueError:
        import sys
        record = logging.LogRecord("gateway.x", logging.ERROR, __file__, 1, "failed for %s", (MOBILE,), sys.exc_info())
    RedactPersonalData().filter(record)

    text = logging.Formatter().format(record)
    assert ID not in text and MOBILE not in text
    assert "failed for [phone]" in text and "bad id_number [id-number]" in text


def test_the_filter_escapes_what_could_forge_a_line():
    record = logging.LogRecord("gateway.x", logging.WARNING, __file__, 1, "%s %s answered %s",
                               ("GET", "/api/v1/members/x\n2026-03-01 INFO forged", 500), None)
    RedactPersonalData().filter(record)

    assert logging.Formatter().format(record) == "GET /api/v1/members/x\\x0a2026-03-01 INFO forged answered 500"


def test_gateway_loggers_carry_the_filter():
    assert any(isinstance(f, RedactPersonalData) for f in get_logger("gateway.anything").filters)
    for name in ("gateway.errors", "gateway.rpc", "gateway.api", "gateway.api.health"):
        assert any(isinstance(f, RedactPersonalData) for f in logging.getLogger(name).filters), name


@pytest.fixture
def every_failure(fake_rpc, replies):
    """roster answers each call with the worst it could: its errors carry the personal values."""
    fake_rpc.will_answer("register_member", ServiceError("duplicate_id_number", f"a member with ID number {ID} exists"))
    fake_rpc.will_answer("find_member_by_id_number", RemoteError("ValueError", f"cannot decrypt for {ID} / {MOBILE}"))
    fake_rpc.will_answer("report_departure", ServiceUnavailable("roster", "timeout", f"roster did not answer for {MOBILE}"))
    fake_rpc.will_answer("get_member", {**replies.member(), "birth_date": f"not a date {ID}"})
    fake_rpc.will_answer("list_members", ZeroDivisionError(f"{MOBILE} / 0"))
    fake_rpc.will_answer("export_members", ServiceError("brand_new_rule", f"no export of {ID}"))


def test_nothing_personal_is_logged_whatever_happens(access, client, caplog, every_failure):
    caplog.set_level(logging.DEBUG)
    officer, _ = access.user_client(policy.SYSTEM_ADMIN)
    member_id = uuid.uuid4()

    responses = [
        client.post("/api/v1/members", json=MEMBER),
        client.post("/api/v1/members", json={**MEMBER, "phone": "1380000"}),
        client.post("/api/v1/members", data=f'{{"id_number": "{ID}",', content_type="application/json"),
        client.post("/api/v1/members/lookup", json={"id_number": ID}),
        client.post(f"/api/v1/members/{member_id}/departures", json={
            "destination_province": "甘肃省", "destination_city": "酒泉市", "work": "农业", "contact": MOBILE}),
        client.get(f"/api/v1/members/{member_id}"),
        client.get(f"/api/v1/members?name={MOBILE}"),
        client.get(f"/api/v1/members?id_number={ID}"),
        client.get("/api/v1/members/export"),
        client.get(f"/api/v1/members/{ID}"),
        client.post("/api/v1/tokens", json={"username": MOBILE, "password": ID}),
        officer.post("/api/v1/users", json={"username": "a.user", "display_name": MOBILE}),
        client.post("/api/v1/activations", json={"username": "a.user", "code": ID, "password": f"pw-{ID}"}),
        client.get("/api/v1/members", headers={"X-API-Key": ID}),
    ]

    assert [r.status_code for r in responses] == [409, 422, 400, 500, 503, 500, 500, 422, 500, 404, 401, 201, 401, 401]
    assert "unhandled error" in caplog.text  # the failures were logged...
    assert not ID_NUMBER.search(caplog.text) and not PHONE.search(caplog.text)  # ...without the values
    # Nor does any record keep them for a handler that formats differently.
    everything = "".join(str(record.__dict__) for record in caplog.records)
    assert ID not in everything and MOBILE not in everything

