"""What the contracts refuse on input: resident identity numbers (GB 11643)
and invisible characters in free text, each a field error that names the field
and never repeats the value."""
import logging
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest
import yaml
from marshmallow import ValidationError

from contracts import id_number as id_numbers
from contracts.roster import DepartureReportSchema, MemberCreateSchema, MemberLookupSchema, OrganisationCreateSchema
from contracts.text import PATTERN, REFUSED, EscapeInvisibleArguments, Text, printable
from gateway.access.schemas import ApiKeyCreateSchema, TokenRequestSchema, UserCreateSchema, UserUpdateSchema
from tests.support import id_number

MEMBER = {"name": "张三", "gender": "male", "birth_date": "1985-03-02", "id_number": id_number("1985-03-02", 118),
          "phone": "13900000001", "joined_on": "2010-07-01", "organisation_id": "00000000-0000-4000-8000-000000000001"}


def errors(schema, body):
    with pytest.raises(ValidationError) as error:
        schema.load(body)
    return error.value.normalized_messages()


# ---- ID numbers ----------------------------------------------------------------

def test_the_standards_own_example_is_valid():
    # GB 11643-1999's example number, and one with the check character X.
    assert id_numbers.problem("11010519491231002X") is None
    assert id_numbers.build("110105", date(1949, 12, 31), 2) == "11010519491231002X"


@pytest.mark.parametrize("region, birth, sequence", [("620724", "1985-03-02", 118), ("110105", "2000-02-29", 0),
                                                     ("650102", "1960-12-31", 999)])
def test_built_numbers_are_valid_and_carry_their_birth_date(region, birth, sequence):
    number = id_numbers.build(region, birth, sequence)
    assert len(number) == 18 and number.startswith(region) and id_numbers.problem(number) is None
    assert id_numbers.birth_date_of(number) == date.fromisoformat(birth)


def test_every_wrong_check_character_is_found():
    number = id_number("1985-03-02", 118)
    for wrong in set("0123456789X") - {number[-1]}:
        assert id_numbers.problem(number[:17] + wrong) == id_numbers.BAD_CHECK_CHARACTER


@pytest.mark.parametrize("value, reason", [
    ("1234", id_numbers.NOT_AN_ID_NUMBER), ("62072419850302118x", id_numbers.NOT_AN_ID_NUMBER),
    ("６２０７２４１９８５０３０２１１８X", id_numbers.NOT_AN_ID_NUMBER),  # full-width digits
    (None, id_numbers.NOT_AN_ID_NUMBER),
])
def test_malformed_numbers(value, reason):
    assert id_numbers.problem(value) == reason


def test_a_number_without_a_date_inside_is_refused():
    first17 = "62072419851302118"  # month 13
    assert id_numbers.problem(first17 + id_numbers.check_character(first17)) == id_numbers.BAD_BIRTH_DATE


def test_registration_refuses_a_wrong_check_character_naming_id_number():
    body = {**MEMBER, "id_number": MEMBER["id_number"][:17] + "0"}
    assert errors(MemberCreateSchema(), body) == {"id_number": [id_numbers.BAD_CHECK_CHARACTER]}
    assert errors(MemberLookupSchema(), {"id_number": body["id_number"]}) == {"id_number": [id_numbers.BAD_CHECK_CHARACTER]}
    assert MemberLookupSchema().load({"id_number": MEMBER["id_number"]})["id_number"] == MEMBER["id_number"]


def test_registration_refuses_a_birth_date_other_than_the_numbers():
    refused = errors(MemberCreateSchema(), {**MEMBER, "birth_date": "1985-03-03"})
    assert set(refused) == {"birth_date", "id_number"}
    assert MEMBER["id_number"] not in str(refused)
    assert MemberCreateSchema().load(MEMBER)["birth_date"] == date(1985, 3, 2)


def test_a_malformed_number_gets_one_message():
    assert errors(MemberCreateSchema(), {**MEMBER, "id_number": "12"}) == {"id_number": [id_numbers.NOT_AN_ID_NUMBER]}


# ---- free text -----------------------------------------------------------------

INVISIBLE = ["\x00", "\x01", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\x9f", "\u061c", "\u200b", "\u200c", "\u200d",
             "\u200e", "\u200f", "\u202a", "\u202e", "\u2060", "\u2066", "\u2069", "\ufeff", "\u2028", "\u2029"]


@pytest.mark.parametrize("character", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_text_refuses_every_invisible_character(character):
    assert errors(OrganisationCreateSchema(), {"name": f"党{character}支部", "kind": "branch"}) == {"name": [REFUSED]}


@pytest.mark.parametrize("schema, body, field", [
    (MemberCreateSchema(), {**MEMBER, "name": "张\u202e三"}, "name"),
    (DepartureReportSchema(), {"destination_province": "甘肃省", "destination_city": "酒泉市", "work": "建筑\x01",
                               "contact": "weixin"}, "work"),
    (DepartureReportSchema(), {"destination_province": "甘肃省", "destination_city": "酒泉市", "work": "建筑",
                               "contact": "weixin", "destination_address": "路\u200b"}, "destination_address"),
    (OrganisationCreateSchema(), {"name": "支部", "kind": "branch", "location": "瓜州\n"}, "location"),
    (TokenRequestSchema(), {"username": "admin\x00", "password": "x"}, "username"),
    (UserCreateSchema(), {"username": "wang.fang", "display_name": "王芳\u2066"}, "display_name"),
    (UserUpdateSchema(), {"display_name": "王芳\ufeff"}, "display_name"),
    (ApiKeyCreateSchema(), {"name": "对接\x85", "owner": "信息科", "scopes": ["members:read"]}, "name"),
    (ApiKeyCreateSchema(), {"name": "对接", "owner": "信息科\u200d", "scopes": ["members:read"]}, "owner"),
])
def test_every_free_text_field_refuses_them_naming_the_field(schema, body, field):
    refused = errors(schema, body)
    assert refused == {field: [REFUSED]}


def test_text_is_loaded_as_nfc():
    loaded = OrganisationCreateSchema().load({"name": "Cafe\u0301 支部", "kind": "branch"})
    assert loaded["name"] == "Caf\u00e9 支部" and unicodedata.is_normalized("NFC", loaded["name"])
    # Lengths count the normalised text.
    assert Text(validate=lambda v: len(v) == 1).deserialize("e\u0301") == "\u00e9"


def test_the_pattern_in_the_document_says_the_same():
    import re

    pattern = re.compile(PATTERN)
    assert all(not pattern.match(f"a{c}b") for c in INVISIBLE)
    assert pattern.match("马永福 Zoé-1 (瓜州县)") and pattern.match("")


def test_printable_replaces_what_text_refuses():
    assert printable("a\x01b\u202ec\td") == "a\ufffdb\ufffdc\ufffdd"
    assert printable("马永福") == "马永福"


# ---- log lines -----------------------------------------------------------------

def formatted(record, filter_):
    assert filter_.filter(record) is True
    return logging.Formatter("%(levelname)s %(message)s").format(record)


def test_log_arguments_cannot_write_a_line_of_their_own():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "member %s not found (%r, %d)",
                               ("m1\nWARNING forged line", "\u202ex", 3), None)
    line = formatted(record, EscapeInvisibleArguments())
    assert "\n" not in line and "\u202e" not in line
    assert line == "WARNING member m1\\x0aWARNING forged line not found ('\\\\u202ex', 3)"


def test_dict_arguments_as_gunicorn_logs_them():
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '"%(m)s %(U)s"', (), None)
    record.args = {"m": "GET", "U": "/api/v1/members/\nINFO forged"}
    assert formatted(record, EscapeInvisibleArguments()) == 'INFO "GET /api/v1/members/\\x0aINFO forged"'


def test_the_format_string_itself_may_span_lines():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "still running:\n%s", ("a\x01",), None)
    assert formatted(record, EscapeInvisibleArguments()) == "ERROR still running:\na\\x01"


def test_an_exception_message_in_a_traceback_is_escaped():
    try:
        raise ValueError("member x\nERROR forged not found")
    except ValueError:
        record = logging.LogRecord("x", logging.WARNING, __file__, 1, "failed: %s", (sys.exc_info()[1],), sys.exc_info())
    text = formatted(record, EscapeInvisibleArguments())
    assert "\nERROR forged" not in text and "member x\\x0aERROR forged not found" in text
    assert "Traceback (most recent call last):\n" in text  # the traceback keeps its own lines


def test_the_services_log_through_the_escaping_filter():
    config = yaml.safe_load((Path(__file__).resolve().parents[2] / "config" / "roster.yml").read_text())["LOGGING"]
    filters = {name: spec["()"] for name, spec in config["filters"].items()}
    for handler in config["handlers"].values():
        assert "contracts.text.EscapeInvisibleArguments" in [filters[name] for name in handler.get("filters", [])]


def test_the_documented_examples_are_a_valid_registration():
    fields_ = MemberCreateSchema().fields
    example = {"id_number": fields_["id_number"].metadata["example"], "birth_date": fields_["birth_date"].metadata["example"]}
    assert MemberCreateSchema().load({**MEMBER, **example})["id_number"] == example["id_number"]
