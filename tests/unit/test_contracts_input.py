"""What the contracts refuse on input: resident identity numbers (GB 11643)
and invisible characters in free text, each a field error that names the field
and never repeats the value."""
import unicodedata
from datetime import date

import pytest
from marshmallow import ValidationError

from contracts import id_number as id_numbers
from contracts.roster import DepartureReportSchema, MemberCreateSchema, MemberLookupSchema, OrganisationCreateSchema
from contracts.text import PATTERN, REFUSED, Text, printable
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
             "\u200e", "\u200f", "\u202a", "\u202e", "\u2060", "\u2066", "\u2069", "\ufeff"]


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
