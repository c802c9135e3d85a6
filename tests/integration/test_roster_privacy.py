"""Object-level checks and personal data at rest, in the real roster service on
PostgreSQL: what each scope sees and changes, what the database and the logs hold."""
import logging
from datetime import date, datetime, timezone

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy.orm import sessionmaker

from contracts.access import AUDIT_ONLY_DETAILS, mask_id_number, mask_phone, mask_text
from contracts.roster import PERSONAL_DATA_READ, PHONE_READ, REVEALS
from contracts.errors import ServiceError
from services.common.crypto import PersonalDataCipher
from persistence.engine import make_engine
from services.common.db import UnitOfWork
from persistence.migrations import upgrade_to_head
from services.common.tables import bind_cipher
from services.roster import usecases
from services.roster.domain.member import Member
from services.roster.domain.organisation import Organisation
from services.roster.models import metadata
from services.roster.repository import REPOSITORIES
from services.roster.service import DUPLICATE_ID_NUMBER
from tests.integration.rpc import ADMIN, call
from tests.support import id_number
from tests.support import rows as sql

ADDRESS = "酒泉市瓜州县渊泉镇建设路18号"
PEOPLE = {
    "a": {"name": "甲", "id_number": id_number("1985-03-02", 118), "phone": "13900000011", "contact": "weixin_jia_2026"},
    "b": {"name": "乙", "id_number": id_number("1985-03-02", 124), "phone": "13900000022", "contact": "13700000022"},
}




def refused(container, method, *args, scope=ADMIN):
    with pytest.raises(ServiceError) as error:
        call(container, method, *args, scope=scope)
    return error.value


def scope(*organisations, member=None, reveal=("id_number", "phone", "contact"), principal="user:secretary"):
    return {"organisation_ids": [o["id"] for o in organisations], "member_id": member["id"] if member else None,
            "reveal": list(reveal), "principal": principal}


def register(roster, branch, who, as_scope=ADMIN):
    person = PEOPLE[who]
    return call(roster, "register_member", {
        "name": person["name"], "gender": "female", "birth_date": "1985-03-02", "id_number": person["id_number"],
        "phone": person["phone"], "joined_on": "2010-07-01", "organisation_id": branch["id"]}, scope=as_scope)


def depart(roster, member, who, as_scope=ADMIN):
    return call(roster, "report_departure", member["id"], {
        "destination_province": "甘肃省", "destination_city": "酒泉市", "work": "建筑工地",
        "destination_address": ADDRESS, "contact": PEOPLE[who]["contact"]}, scope=as_scope)


@pytest.fixture
def county(roster):
    """county ─ town A ─ branch A1 (member a, away) ; county ─ town B ─ branch B1 (member b)."""
    county = call(roster, "create_organisation", {"name": "高台县委", "kind": "party_committee"})
    town_a = call(roster, "create_organisation", {"name": "A镇党委", "kind": "party_committee", "parent_id": county["id"]})
    town_b = call(roster, "create_organisation", {"name": "B镇党委", "kind": "party_committee", "parent_id": county["id"]})
    branch_a = call(roster, "create_organisation", {"name": "A1村党支部", "kind": "branch", "parent_id": town_a["id"]})
    branch_b = call(roster, "create_organisation", {"name": "B1村党支部", "kind": "branch", "parent_id": town_b["id"]})
    a, b = register(roster, branch_a, "a"), register(roster, branch_b, "b")
    depart(roster, a, "a")
    depart(roster, b, "b")
    return dict(county=county, town_a=town_a, town_b=town_b, branch_a=branch_a, branch_b=branch_b, a=a, b=b)


def test_a_branch_scope_never_reaches_another_branch(roster, county):
    branch_a = scope(county["branch_a"])
    b = county["b"]
    assert call(roster, "get_member", county["a"]["id"], scope=branch_a)["name"] == "甲"

    for method, args, code in [
        ("get_member", (b["id"],), "member_not_found"),
        ("report_departure", (b["id"], {"destination_province": "甘肃省", "destination_city": "酒泉市",
                                        "work": "x", "contact": "x"}), "member_not_found"),
        ("report_return", (b["id"], {}), "member_not_found"),
        ("find_member_by_id_number", (PEOPLE["b"]["id_number"],), "member_not_found"),
        ("get_organisation", (county["branch_b"]["id"],), "organisation_not_found"),
        ("get_organisation", (county["town_a"]["id"],), "organisation_not_found"),  # not upwards either
        ("get_organisation_subtree", (county["town_b"]["id"],), "organisation_not_found"),
        ("list_members", ({"organisation_id": county["town_b"]["id"]},), "unknown_reference"),
        ("export_members", ({"organisation_id": county["branch_b"]["id"]},), "unknown_reference"),
        ("list_organisations", ({"parent_id": county["town_b"]["id"]},), "unknown_reference"),
    ]:
        assert refused(roster, method, *args, scope=branch_a).code == code, method

    # The same answers as for ids that do not exist at all.
    missing = "00000000-0000-4000-8000-000000000000"
    assert refused(roster, "get_member", missing, scope=branch_a).code == "member_not_found"
    assert refused(roster, "get_organisation", missing, scope=branch_a).code == "organisation_not_found"

    error = refused(roster, "register_member", {
        "name": "丙", "gender": "male", "birth_date": "1980-01-01", "id_number": id_number("1980-01-01", 111),
        "phone": "13900000033", "joined_on": "2000-07-01", "organisation_id": county["branch_b"]["id"]}, scope=branch_a)
    assert (error.code, list(error.details)) == ("unknown_reference", ["organisation_id"])
    error = refused(roster, "create_organisation", {"name": "x", "kind": "branch", "parent_id": county["town_b"]["id"]},
                    scope=branch_a)
    assert (error.code, list(error.details)) == ("unknown_reference", ["parent_id"])
    assert refused(roster, "create_organisation", {"name": "x", "kind": "party_committee"}, scope=branch_a).code == "forbidden"

    # Nothing of B changed, nothing of B was listed.
    assert call(roster, "get_member", b["id"])["status"] == "away"
    members = call(roster, "list_members", {}, scope=branch_a)
    assert [m["id"] for m in members["items"]] == [county["a"]["id"]] and members["total"] == 1
    town_a = scope(county["town_a"])
    organisations = call(roster, "list_organisations", {"per_page": 100}, scope=town_a)
    assert {o["id"] for o in organisations["items"]} == {county["town_a"]["id"], county["branch_a"]["id"]}
    assert call(roster, "get_organisation_subtree", county["town_a"]["id"], scope=town_a)["children"][0]["id"] == \
        county["branch_a"]["id"]
    assert [m["id"] for m in call(roster, "export_members", {}, scope=town_a)["items"]] == [county["a"]["id"]]


def test_writes_in_scope_work_and_record_who(roster, county, database_url):
    branch_a = scope(county["branch_a"], principal="user:secretary-a")
    call(roster, "report_return", county["a"]["id"], {}, scope=branch_a)
    village = call(roster, "create_organisation", {"name": "A2村网络党支部", "kind": "village_online_branch",
                                                   "parent_id": county["branch_a"]["id"]}, scope=branch_a)
    assert village["parent_id"] == county["branch_a"]["id"]
    rows = sql(database_url, "SELECT reported_by, return_reported_by FROM departures WHERE member_id = %s",
               county["a"]["id"])
    assert rows == [("user:admin", "user:secretary-a")]
    assert sql(database_url, "SELECT created_by FROM organisations WHERE id = %s", village["id"]) == [("user:secretary-a",)]
    assert sql(database_url, "SELECT registered_by FROM members WHERE id = %s", county["a"]["id"]) == [("user:admin",)]


def test_the_whole_platform_sees_everything(roster, county):
    assert call(roster, "list_members", {})["total"] == 2
    assert call(roster, "list_organisations", {})["total"] == 5
    assert call(roster, "get_member", county["b"]["id"])["id_number"] == PEOPLE["b"]["id_number"]


def test_a_member_sees_only_themself(roster, county):
    me = scope(member=county["a"], principal="user:member-a")
    assert call(roster, "get_member", county["a"]["id"], scope=me)["name"] == "甲"
    page = call(roster, "list_members", {}, scope=me)
    assert [m["id"] for m in page["items"]] == [county["a"]["id"]]
    assert call(roster, "list_organisations", {}, scope=me)["total"] == 0
    assert call(roster, "find_member_by_id_number", PEOPLE["a"]["id_number"], scope=me)["id"] == county["a"]["id"]
    assert call(roster, "report_return", county["a"]["id"], {}, scope=me)["returned_on"]
    assert refused(roster, "get_member", county["b"]["id"], scope=me).code == "member_not_found"
    assert refused(roster, "get_organisation", county["branch_a"]["id"], scope=me).code == "organisation_not_found"


def test_personal_data_is_masked_unless_revealed(roster, county):
    hidden = call(roster, "get_member", county["a"]["id"], scope=scope(county["town_a"], reveal=()))
    assert hidden["id_number"] == mask_id_number(PEOPLE["a"]["id_number"])
    assert hidden["phone"] == mask_phone(PEOPLE["a"]["phone"])
    assert PEOPLE["a"]["contact"] not in str(hidden)
    phone_only = call(roster, "list_members", {}, scope=scope(county["town_a"], reveal=REVEALS[PHONE_READ]))["items"][0]
    assert phone_only["phone"] == PEOPLE["a"]["phone"] and phone_only["id_number"] != PEOPLE["a"]["id_number"]
    assert phone_only["current_departure"]["contact"] == PEOPLE["a"]["contact"]
    assert phone_only["current_departure"]["destination_address"] == ADDRESS
    assert phone_only["birth_date"] is None and phone_only["birth_year"] == 1985
    everything = call(roster, "get_member", county["a"]["id"], scope=scope(county["town_a"], reveal=REVEALS[PERSONAL_DATA_READ]))
    assert everything["id_number"] == PEOPLE["a"]["id_number"] and everything["birth_date"] == "1985-03-02"


def test_a_masked_read_shows_no_more_than_the_last_four_and_the_year(roster, county):
    """Finding 2 of issue 7: 620***********407X beside 1985-03-02 left one guess for a lookup to confirm."""
    id_number = PEOPLE["a"]["id_number"]
    masked = scope(county["town_a"], reveal=())
    answers = [
        call(roster, "get_member", county["a"]["id"], scope=masked),
        call(roster, "list_members", {}, scope=masked)["items"][0],
        call(roster, "export_members", {}, scope=masked)["items"][0],
    ]
    for answer in answers:
        assert answer["id_number"] == "*" * 14 + id_number[-4:]
        assert answer["birth_date"] is None and answer["birth_year"] == 1985
        text = str(answer)
        assert id_number[:6] not in text and id_number[6:14] not in text and "1985-03-02" not in text
        assert answer["current_departure"]["destination_address"] == mask_text(ADDRESS)
        assert ADDRESS not in text


def test_a_missing_or_invalid_scope_is_refused(roster, county):
    with entrypoint_hook(roster, "get_member") as entrypoint:
        with pytest.raises(ServiceError) as error:
            entrypoint(county["a"]["id"])
    assert error.value.code == "caller_not_trusted" and error.value.details == {"reason": "malformed"}
    error = refused(roster, "list_members", {}, scope={"organisation_ids": ["nope"], "principal": "user:x"})
    assert error.code == "validation_failed" and "organisation_ids" in error.details["scope"]


def test_find_by_id_number_and_export(roster, county, monkeypatch):
    found = call(roster, "find_member_by_id_number", f" {PEOPLE['a']['id_number'].lower()} ")  # normalised before lookup
    assert found["id"] == county["a"]["id"] and found["current_departure"]["contact"] == PEOPLE["a"]["contact"]
    assert refused(roster, "find_member_by_id_number", id_number("2000-01-01", 123)).code == "member_not_found"
    assert refused(roster, "find_member_by_id_number", "12").code == "validation_failed"

    export = call(roster, "export_members", {"status": "away"})
    assert export["total"] == 2 and {m["name"] for m in export["items"]} == {"甲", "乙"}
    assert call(roster, "export_members", {"organisation_id": county["town_b"]["id"]})["total"] == 1
    monkeypatch.setattr(usecases, "MAX_EXPORT_ROWS", 1)
    error = refused(roster, "export_members", {})
    assert error.code == "export_too_large" and error.details["total"] == 2
    assert refused(roster, "export_members", {"page": 1}).code == "validation_failed"


def test_a_duplicate_id_number_is_refused_through_the_index(roster, county, database_url):
    error = refused(roster, "register_member", {
        "name": "冒名", "gender": "male", "birth_date": "1985-03-02", "id_number": PEOPLE["b"]["id_number"],
        "phone": "13900000099", "joined_on": "2010-07-01", "organisation_id": county["branch_a"]["id"]})
    assert error.code == "duplicate_id_number"
    assert sql(database_url, "SELECT count(*) FROM members") == [(2,)]
    # For the gateway's audit record: the value of the hash index, as stored, never the number.
    (stored,) = sql(database_url, "SELECT id_number_index FROM members WHERE id = %s", county["b"]["id"])
    assert error.details[AUDIT_ONLY_DETAILS] == {"id_number_index": stored[0]}
    assert PEOPLE["b"]["id_number"] not in str(error.details) + str(error)


def test_registration_answers_alike_whether_or_not_the_number_is_on_the_roll_elsewhere(roster, county):
    """Finding 5: a caller scoped to town B registering in a non-branch of its own
    subtree gets one answer, whether or not the ID number is registered in town A."""
    town_b = scope(county["town_b"], principal="key:town-b")

    def attempt(number):
        error = refused(roster, "register_member", {
            "name": "探", "gender": "female", "birth_date": "1985-03-02", "id_number": number,
            "phone": "13900000098", "joined_on": "2010-07-01", "organisation_id": county["town_b"]["id"]},
            scope=town_b)
        return error.code, error.message, error.details

    on_the_roll_in_town_a = attempt(PEOPLE["a"]["id_number"])
    nowhere = attempt(id_number("1985-03-02", 992))

    assert on_the_roll_in_town_a == nowhere
    assert on_the_roll_in_town_a[0] == "not_a_branch"


def member_body(branch, **changes):
    return {"name": "丙", "gender": "male", "birth_date": "1980-01-01", "id_number": id_number("1980-01-01", 111),
            "phone": "13900000033", "joined_on": "2000-07-01", "organisation_id": branch["id"], **changes}


@pytest.mark.parametrize("changes, field, reason", [
    ({"id_number": id_number("1980-01-01", 111)[:17] + "0"}, "id_number", "check character"),
    ({"id_number": id_number("1980-01-01", 111)[:17] + "X"}, "id_number", "check character"),
    ({"id_number": id_number("1980-01-01", 111).replace("19800101", "19801301")[:17] + "0"}, "id_number", None),
    ({"birth_date": "1980-01-02"}, "birth_date", "birth date inside id_number"),
    ({"birth_date": "1980-01-02"}, "id_number", "does not match birth_date"),
])
def test_an_invalid_id_number_is_refused_naming_the_field(roster, county, changes, field, reason):
    body = member_body(county["branch_a"], **changes)
    error = refused(roster, "register_member", body)
    assert error.code == "validation_failed" and field in error.details
    if reason:
        assert reason in " ".join(error.details[field])
    assert body["id_number"] not in str(error.details) + str(error)
    if field == "id_number" and "birth_date" not in changes:
        lookup = refused(roster, "find_member_by_id_number", body["id_number"])
        assert lookup.code == "validation_failed" and "id_number" in lookup.details


def test_the_check_character_of_a_number_with_x_is_accepted(roster, county):
    body = member_body(county["branch_a"], id_number=id_number("1985-03-02", 126), birth_date="1985-03-02")
    assert body["id_number"].endswith("X")
    assert call(roster, "register_member", body)["id_number"] == body["id_number"]


@pytest.mark.parametrize("method, field, value", [
    ("register_member", "name", "丙\u0001"),
    ("register_member", "name", "丙\n伪造的日志行"),
    ("register_member", "name", "\u202e丙"),
    ("register_member", "name", "丙\u200b"),
    ("register_member", "name", "丙\x85"),
    ("report_departure", "work", "建筑\u0001"),
    ("report_departure", "destination_address", "路\u206618号"),
    ("report_departure", "contact", "\ufeffweixin"),
    ("report_departure", "destination_city", "酒泉\u061c"),
    ("create_organisation", "name", "支部\u2060"),
    ("create_organisation", "location", "瓜州\x7f"),
    ("list_members", "name", "丙\u200d"),
])
def test_invisible_characters_are_refused_naming_the_field(roster, county, method, field, value):
    if method == "register_member":
        args = (member_body(county["branch_a"], **{field: value}),)
    elif method == "report_departure":
        args = (county["b"]["id"], {"destination_province": "甘肃省", "destination_city": "酒泉市", "work": "建筑",
                                    "contact": "weixin", field: value})
        call(roster, "report_return", county["b"]["id"], {})
    elif method == "create_organisation":
        args = ({"name": "支部", "kind": "branch", "parent_id": county["town_a"]["id"], field: value},)
    else:
        args = ({field: value},)
    error = refused(roster, method, *args)
    assert error.code == "validation_failed"
    assert error.details == {field: ["must not contain control, bidirectional or zero-width characters"]}


def test_text_is_stored_in_nfc(roster, county):
    decomposed = "Zoe\u0301 阿依古丽"   # e + combining acute accent
    member = call(roster, "register_member", member_body(county["branch_a"], name=decomposed))
    assert member["name"] == "Zo\u00e9 阿依古丽"
    assert call(roster, "list_members", {"name": "Zoe\u0301"})["items"][0]["id"] == member["id"]


def every_text_value(database_url):
    """Every value of every text, varchar and json column of every table."""
    columns = sql(database_url, """
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'json', 'jsonb')""")
    values = []
    for table, column in columns:
        values += [str(value) for (value,) in sql(database_url, f'SELECT "{column}"::text FROM "{table}"') if value]
    return columns, values


def test_no_plaintext_personal_data_in_the_database_or_the_logs(roster, county, database_url, caplog):
    caplog.set_level(logging.DEBUG)
    # Refusals log warnings: make some that carry personal data in the request.
    refused(roster, "register_member", {
        "name": "丁", "gender": "male", "birth_date": "1985-03-02", "id_number": PEOPLE["a"]["id_number"],
        "phone": PEOPLE["b"]["phone"], "joined_on": "2010-07-01", "organisation_id": county["branch_a"]["id"]})
    refused(roster, "register_member", {
        "name": "丁", "gender": "male", "birth_date": "1985-03-02", "id_number": PEOPLE["a"]["id_number"] + "9",
        "phone": PEOPLE["b"]["phone"] + "9", "joined_on": "2010-07-01", "organisation_id": county["branch_a"]["id"]})
    refused(roster, "find_member_by_id_number", PEOPLE["b"]["id_number"], scope=scope(county["branch_a"]))
    call(roster, "find_member_by_id_number", PEOPLE["b"]["id_number"])
    call(roster, "export_members", {})

    columns, values = every_text_value(database_url)
    assert ("members", "id_number") in columns and ("departures", "contact") in columns
    assert ("outbox", "envelope") in columns
    everything = "\n".join(values)
    logged = caplog.text
    assert "validation_failed" in logged and "duplicate_id_number" in logged  # the refusals were logged
    for person in PEOPLE.values():
        for field in ("id_number", "phone", "contact"):
            assert person[field] not in everything, f"plaintext {field} in the database"
            assert person[field] not in logged, f"plaintext {field} in the logs"
    assert "13900000022" not in logged and PEOPLE["b"]["id_number"] not in logged


def test_a_registration_that_races_past_the_check_is_refused_by_the_unique_index(database_url, personal_data_keys, caplog):
    """Two registrations of one ID number at once: the database refuses the
    second, and the error says duplicate_id_number without the number."""
    caplog.set_level(logging.DEBUG)
    cipher = PersonalDataCipher.from_config(personal_data_keys)
    engine = make_engine(database_url)
    bind_cipher(engine, cipher)
    upgrade_to_head(engine, "services.roster:migrations", personal_data_cipher=cipher)
    now = datetime.now(timezone.utc)
    county = Organisation(id="00000000-0000-4000-8000-0000000000c1", name="县委", kind="party_committee", created_at=now)
    branch = Organisation(id="00000000-0000-4000-8000-0000000000b1", name="支部", kind="branch", parent=county,
                          created_at=now)

    def member(member_id):
        return Member(id=member_id, name="张三", gender="male", birth_date=date(1985, 3, 2),
                      id_number=PEOPLE["a"]["id_number"], phone=PEOPLE["a"]["phone"], joined_on=date(2010, 7, 1),
                      membership="full", organisation=branch, registered_at=now)

    sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def unit_of_work():
        return UnitOfWork(sessions, metadata.tables, repositories=REPOSITORIES,
                          unique_violations={"id_number_index": DUPLICATE_ID_NUMBER})

    tree = unit_of_work()
    tree.organisations.add(county)
    tree.organisations.add(branch)
    tree.commit()
    first = unit_of_work()
    first.members.add(member("00000000-0000-4000-8000-000000000001"))
    first.commit()
    second = unit_of_work()
    assert second.members.find_by_id_number(PEOPLE["a"]["id_number"]) is not None
    second.members.add(member("00000000-0000-4000-8000-000000000002"))
    with pytest.raises(ServiceError) as error:
        second.commit()
    assert error.value.code == "duplicate_id_number"
    assert error.value.__cause__ is None and error.value.__suppress_context__
    assert PEOPLE["a"]["id_number"] not in caplog.text + str(error.value)
    engine.dispose()
