"""A personal value's ciphertext is bound to its row and column (PostgreSQL, the
real roster service): copied to another member's row, or to another column of
the same row, it fails to decrypt; it never reads as somebody else's value."""
from datetime import date, datetime, timezone

import psycopg2
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import sessionmaker

from services.common.crypto import InvalidCiphertext, PersonalDataCipher, is_token
from services.common.db import UnitOfWork
from services.common.tables import bind_cipher
from persistence.engine import make_engine
from persistence.migrations import upgrade_to_head
from services.roster.domain.member import Departure, DepartureReport
from services.roster.models import members, metadata
from services.roster.repository import REPOSITORIES
from tests.integration.rpc import call
from tests.support import id_number

PEOPLE = {
    "a": {"name": "甲", "id_number": id_number("1985-03-02", 118), "phone": "13900000011", "contact": "weixin_jia_2026",
          "destination_address": "乌鲁木齐市天山区解放北路 1 号"},
    "b": {"name": "乙", "id_number": id_number("1985-03-02", 124), "phone": "13900000022", "contact": "13700000022",
          "destination_address": "酒泉市肃州区 8 号工地"},
}


@pytest.fixture
def county(roster):
    county = call(roster, "create_organisation", {"name": "高台县委", "kind": "party_committee"})
    branch = call(roster, "create_organisation", {"name": "南华村党支部", "kind": "branch", "parent_id": county["id"]})
    people = {}
    for who, person in PEOPLE.items():
        member = call(roster, "register_member", {
            "name": person["name"], "gender": "female", "birth_date": "1985-03-02", "id_number": person["id_number"],
            "phone": person["phone"], "joined_on": "2010-07-01", "organisation_id": branch["id"]})
        call(roster, "report_departure", member["id"], {
            "destination_province": "新疆维吾尔自治区", "destination_city": "乌鲁木齐市", "work": "运输",
            "contact": person["contact"], "destination_address": person["destination_address"]})
        people[who] = member["id"]
    return people


def sql(database_url, statement, **params):
    connection = psycopg2.connect(database_url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.close()


def read_fails(roster, member_id):
    """Reading the member raises, and the error shows no personal value of anyone."""
    with pytest.raises(Exception) as failed:
        call(roster, "get_member", member_id)
    shown = str(failed.value) + repr(failed.value)
    for person in PEOPLE.values():
        for field in ("id_number", "phone", "contact", "destination_address"):
            assert person[field] not in shown
    return failed.value


def test_every_personal_value_is_stored_bound_and_reads_back(roster, county, database_url):
    rows = sql(database_url, "SELECT m.id_number, m.phone, d.contact, d.destination_address "
                             "FROM members m JOIN departures d ON d.member_id = m.id WHERE m.id = %(id)s", id=county["a"])
    assert all(is_token(value) for value in rows[0])
    member = call(roster, "get_member", county["a"])
    assert (member["id_number"], member["phone"]) == (PEOPLE["a"]["id_number"], PEOPLE["a"]["phone"])
    departure = member["current_departure"]
    assert (departure["contact"], departure["destination_address"]) == (
        PEOPLE["a"]["contact"], PEOPLE["a"]["destination_address"])


def test_a_ciphertext_copied_to_another_members_row_fails_to_decrypt(roster, county, database_url):
    sql(database_url, "UPDATE members SET id_number = (SELECT id_number FROM members WHERE id = %(a)s) "
                      "WHERE id = %(b)s", a=county["a"], b=county["b"])
    error = read_fails(roster, county["b"])
    assert isinstance(error, InvalidCiphertext) or "InvalidCiphertext" in repr(error)
    assert call(roster, "get_member", county["a"])["id_number"] == PEOPLE["a"]["id_number"]  # the original still reads


def test_a_departures_ciphertext_copied_to_another_departure_fails_to_decrypt(roster, county, database_url):
    sql(database_url, "UPDATE departures SET destination_address = (SELECT destination_address FROM departures "
                      "WHERE member_id = %(a)s) WHERE member_id = %(b)s", a=county["a"], b=county["b"])
    read_fails(roster, county["b"])


def test_a_ciphertext_moved_to_another_column_of_the_same_row_fails_to_decrypt(roster, county, database_url):
    sql(database_url, "UPDATE members SET phone = id_number WHERE id = %(a)s", a=county["a"])
    read_fails(roster, county["a"])
    sql(database_url, "UPDATE departures SET destination_address = contact WHERE member_id = %(b)s", b=county["b"])
    read_fails(roster, county["b"])


@pytest.fixture
def unit_of_work(database_url, personal_data_keys):
    cipher = PersonalDataCipher.from_config(personal_data_keys)
    engine = make_engine(database_url)
    bind_cipher(engine, cipher)
    upgrade_to_head(engine, "services.roster:migrations", personal_data_cipher=cipher)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    yield lambda: UnitOfWork(sessions, metadata.tables, repositories=REPOSITORIES)
    engine.dispose()


def test_a_change_to_a_plain_value_alone_is_stored_encrypted(roster, county, unit_of_work, database_url):
    """The plaintext attributes are not instrumented; the flush still sees a change to one of them."""
    before = sql(database_url, "SELECT phone FROM members WHERE id = %(id)s", id=county["a"])[0][0]
    uow = unit_of_work()
    member = uow.members.get(county["a"])
    assert member.phone == PEOPLE["a"]["phone"]
    member.phone = "13900000099"
    uow.commit()
    uow.close()
    after = sql(database_url, "SELECT phone FROM members WHERE id = %(id)s", id=county["a"])[0][0]
    assert after != before and is_token(after) and "13900000099" not in after
    assert call(roster, "get_member", county["a"])["phone"] == "13900000099"


def test_nothing_but_a_bound_token_can_be_written_through_the_mapped_table(roster, county, unit_of_work, database_url):
    uow = unit_of_work()
    with pytest.raises(StatementError, match="never a plain value"):
        uow.session.execute(sa.update(members).where(members.c.id == county["a"]).values(phone="13900000099"))
    uow.close()
    # A departure whose id the flush cannot name is refused before anything is written.
    uow = unit_of_work()
    nameless = Departure(id=None, member_id=county["a"], reported=True, reported_at=datetime.now(timezone.utc),
                         report=DepartureReport(departed_on=date(2026, 3, 1), destination_province="甘肃省",
                                                destination_city="酒泉市", work="x", contact="y"))
    uow.session.add(nameless)
    with pytest.raises(ValueError, match="primary key"):
        uow.session.flush()
    uow.close()
