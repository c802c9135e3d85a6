"""Migration 0002 encrypts what 0001 stored in plaintext (on PostgreSQL and on
SQLite), the tables agree with the models, and key rotation re-encrypts every row."""
from datetime import datetime, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet
from nameko.testing.services import entrypoint_hook
from sqlalchemy import text

from contracts.access import unrestricted
from services.common.crypto import PersonalDataCipher, new_data_key
from persistence.engine import make_engine
from persistence.migrations import upgrade_to_head
from services.roster import rotate_keys
from services.roster.models import metadata
from services.roster.service import RosterService
from tests.support import id_number

MIGRATIONS = "services.roster:migrations"
ADMIN = unrestricted("user:admin")
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
COUNTY, BRANCH = "00000000-0000-4000-8000-0000000000c0", "00000000-0000-4000-8000-0000000000b0"
OLD_ROWS = [  # (member id, id number, phone, contact while away)
    ("00000000-0000-4000-8000-00000000000%d" % n, id_number("1985-03-02", n), "1390000%04d" % n, "wx_old_%d" % n)
    for n in range(1, 6)
]


def cipher_of(keys):
    return PersonalDataCipher.from_config(keys)


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request, tmp_path):
    url = request.getfixturevalue("database_url") if request.param == "postgresql" else f"sqlite:///{tmp_path}/roster.db"
    engine = make_engine(url)
    yield engine
    engine.dispose()


def write_plaintext_rows_at_0001(engine):
    upgrade_to_head(engine, MIGRATIONS, revision="0001")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO organisations (id, name, kind, parent_id, path, depth, created_at) VALUES "
            "(:c, '高台县委', 'party_committee', NULL, :c_path, 0, :now), "
            "(:b, '南华村党支部', 'branch', :c, :b_path, 1, :now)"
        ), {"now": NOW, "c": COUNTY, "b": BRANCH, "c_path": f"/{COUNTY}/", "b_path": f"/{COUNTY}/{BRANCH}/"})
        for n, (member_id, id_number, phone, contact) in enumerate(OLD_ROWS):
            connection.execute(text(
                "INSERT INTO members (id, name, gender, birth_date, id_number, phone, joined_on, membership, "
                "organisation_id, status, registered_at) VALUES (:id, '张三', 'male', '1985-03-02', :id_number, :phone, "
                "'2010-07-01', 'full', :branch, 'away', :now)"
            ), {"id": member_id, "id_number": id_number, "phone": phone, "now": NOW, "branch": BRANCH})
            connection.execute(text(
                "INSERT INTO departures (id, member_id, open_for_member_id, reported, reported_at, contact) "
                "VALUES (:id, :member_id, :member_id, :reported, :now, :contact)"
            ), {"id": f"00000000-0000-4000-8000-0000000000d{n}", "member_id": member_id, "reported": True, "now": NOW, "contact": contact})


def raw(engine, query):
    with engine.connect() as connection:
        return connection.execute(text(query)).all()


def test_0002_encrypts_and_indexes_the_rows_0001_stored(engine, personal_data_keys):
    write_plaintext_rows_at_0001(engine)
    cipher = cipher_of(personal_data_keys)
    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher)

    members = {row.id: row for row in raw(engine, "SELECT id, id_number, phone, id_number_index, phone_index FROM members")}
    contacts = dict(raw(engine, "SELECT member_id, contact FROM departures"))
    for member_id, id_number, phone, contact in OLD_ROWS:
        row = members[member_id]
        assert id_number not in row.id_number and phone not in row.phone and contact not in contacts[member_id]
        assert cipher.decrypt(row.id_number) == id_number and cipher.decrypt(row.phone) == phone
        assert cipher.decrypt(contacts[member_id]) == contact
        assert row.id_number_index == cipher.index(id_number, "id_number")
        assert row.phone_index == cipher.index(phone, "phone")

    # The schema the migrations built is the one the models describe.
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata) == []


def test_0002_refuses_to_leave_plaintext_without_a_cipher(engine):
    write_plaintext_rows_at_0001(engine)
    with pytest.raises(RuntimeError, match="LIUDONG_PERSONAL_DATA_KEYS"):
        upgrade_to_head(engine, MIGRATIONS)
    assert raw(engine, "SELECT id_number FROM members ORDER BY id")[0][0] == OLD_ROWS[0][1]


def test_the_service_upgrades_an_old_database_and_finds_members_by_id_number(
        container_factory, service_config, database_url):
    engine = make_engine(database_url)
    write_plaintext_rows_at_0001(engine)
    engine.dispose()
    roster = container_factory(RosterService, service_config)
    roster.start()  # migrations run at start, with the service's cipher
    member_id, id_number, phone, contact = OLD_ROWS[2]
    with entrypoint_hook(roster, "find_member_by_id_number") as find:
        member = find(id_number, ADMIN)
    assert member["id"] == member_id and member["phone"] == phone
    assert member["current_departure"]["contact"] == contact
    with entrypoint_hook(roster, "report_return") as report_return:
        assert report_return(member_id, {}, ADMIN)["reported"] is True


def test_key_rotation_re_encrypts_every_row_batch_by_batch(engine, personal_data_keys):
    write_plaintext_rows_at_0001(engine)
    old_keys = personal_data_keys
    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher_of(old_keys))
    before = raw(engine, "SELECT id, id_number, phone, id_number_index FROM members ORDER BY id")

    new_key = new_data_key()
    rotated_keys = {**old_keys, "PERSONAL_DATA_KEYS": f"{new_key},{old_keys['PERSONAL_DATA_KEYS']}"}
    cipher = cipher_of(rotated_keys)
    report = rotate_keys.rotate_personal_data(engine, cipher, batch_size=2)
    assert report == {"members": (5, 5), "departures": (5, 5)}

    only_new = Fernet(new_key)
    after = raw(engine, "SELECT id, id_number, phone, id_number_index FROM members ORDER BY id")
    for old, new, (member_id, id_number, phone, _) in zip(before, after, sorted(OLD_ROWS)):
        assert new.id_number != old.id_number
        assert only_new.decrypt(new.id_number.encode()).decode() == id_number
        assert only_new.decrypt(new.phone.encode()).decode() == phone
        assert new.id_number_index == old.id_number_index  # the index key did not change
    for (contact_token,) in raw(engine, "SELECT contact FROM departures"):
        only_new.decrypt(contact_token.encode())

    # Done once, nothing is left to do.
    assert rotate_keys.rotate_personal_data(engine, cipher) == {"members": (5, 0), "departures": (5, 0)}


def test_the_rotation_command_reads_the_service_config(database_url, personal_data_keys, monkeypatch, capsys):
    engine = make_engine(database_url)
    write_plaintext_rows_at_0001(engine)
    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher_of(personal_data_keys))
    new_key = new_data_key()
    monkeypatch.setenv("LIUDONG_ROSTER_DATABASE_URL", database_url)
    monkeypatch.setenv("LIUDONG_PERSONAL_DATA_KEYS", f"{new_key},{personal_data_keys['PERSONAL_DATA_KEYS']}")
    monkeypatch.setenv("LIUDONG_PERSONAL_DATA_INDEX_KEY", personal_data_keys["PERSONAL_DATA_INDEX_KEY"])
    assert rotate_keys.main(["--config", "config/roster.yml", "--batch-size", "3"]) == 0
    output = capsys.readouterr().out
    assert "members: 5 of 5" in output and "departures: 5 of 5" in output
    for (token,) in raw(engine, "SELECT id_number FROM members"):
        Fernet(new_key).decrypt(token.encode())
    for _, id_number, phone, _ in OLD_ROWS:
        assert id_number not in output and phone not in output
    engine.dispose()

    monkeypatch.delenv("LIUDONG_PERSONAL_DATA_KEYS")
    with pytest.raises(SystemExit) as stopped:
        rotate_keys.main(["--config", "config/roster.yml"])
    assert stopped.value.code == 2
    assert "LIUDONG_PERSONAL_DATA_KEYS" in capsys.readouterr().err
