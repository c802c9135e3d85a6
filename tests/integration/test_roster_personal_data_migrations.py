"""Migration 0002 encrypts what 0001 stored in plaintext, 0005 binds every token
to its row and column and encrypts destination_address (on PostgreSQL and on
SQLite), the tables agree with the models, and key rotation re-encrypts every
row with its binding kept."""
from datetime import datetime, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet
from nameko.testing.services import entrypoint_hook
from sqlalchemy import text

from contracts.access import unrestricted
from services.common.crypto import InvalidCiphertext, PersonalDataCipher, is_token, new_data_key, place
from persistence.engine import make_engine
from persistence.migrations import alembic_config, upgrade_to_head
from services.roster import rotate_keys
from services.roster.models import metadata
from services.roster.service import RosterService
from tests.support import id_number, signed

MIGRATIONS = "services.roster:migrations"
ADMIN = unrestricted("user:admin")
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
COUNTY, BRANCH = "00000000-0000-4000-8000-0000000000c0", "00000000-0000-4000-8000-0000000000b0"
OLD_ROWS = [  # (member id, id number, phone, contact while away, destination address)
    ("00000000-0000-4000-8000-00000000000%d" % n, id_number("1985-03-02", n), "1390000%04d" % n, "wx_old_%d" % n,
     "乌鲁木齐市天山区 %d 号" % n if n != 4 else None)  # one departure without an address
    for n in range(1, 6)
]
DEPARTURE_OF = {row[0]: "00000000-0000-4000-8000-0000000000d%d" % n for n, row in enumerate(OLD_ROWS)}


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
        for member_id, id_number, phone, contact, address in OLD_ROWS:
            connection.execute(text(
                "INSERT INTO members (id, name, gender, birth_date, id_number, phone, joined_on, membership, "
                "organisation_id, status, registered_at) VALUES (:id, '张三', 'male', '1985-03-02', :id_number, :phone, "
                "'2010-07-01', 'full', :branch, 'away', :now)"
            ), {"id": member_id, "id_number": id_number, "phone": phone, "now": NOW, "branch": BRANCH})
            connection.execute(text(
                "INSERT INTO departures (id, member_id, open_for_member_id, reported, reported_at, contact, "
                "destination_address) VALUES (:id, :member_id, :member_id, :reported, :now, :contact, :address)"
            ), {"id": DEPARTURE_OF[member_id], "member_id": member_id, "reported": True, "now": NOW,
                "contact": contact, "address": address})


def write_rows_at_0003(engine, cipher):
    """What an install made before 0005 holds: Fernet tokens, and destination_address in plaintext."""
    write_plaintext_rows_at_0001(engine)
    upgrade_to_head(engine, MIGRATIONS, revision="0003", personal_data_cipher=cipher)


def downgrade(engine, revision, cipher):
    with engine.begin() as connection:
        config = alembic_config(MIGRATIONS)
        config.attributes.update(connection=connection, personal_data_cipher=cipher)
        command.downgrade(config, revision)


def raw(engine, query):
    with engine.connect() as connection:
        return connection.execute(text(query)).all()


def stored(engine):
    """{member id: (id_number, phone, contact, destination_address)} as the database holds them."""
    return {row[0]: tuple(row[1:]) for row in raw(
        engine, "SELECT m.id, m.id_number, m.phone, d.contact, d.destination_address "
                "FROM members m JOIN departures d ON d.member_id = m.id")}


def opened(cipher, member_id, tokens):
    """The four values of one member, each decrypted for its own place."""
    id_number, phone, contact, address = tokens
    departure = DEPARTURE_OF[member_id]
    return (
        cipher.decrypt(id_number, place("members", "id_number", member_id)),
        cipher.decrypt(phone, place("members", "phone", member_id)),
        cipher.decrypt(contact, place("departures", "contact", departure)),
        None if address is None else cipher.decrypt(address, place("departures", "destination_address", departure)),
    )


def assert_schema_matches_the_models(engine):
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata) == []


def test_0002_encrypts_and_indexes_the_rows_0001_stored(engine, personal_data_keys):
    write_plaintext_rows_at_0001(engine)
    cipher = cipher_of(personal_data_keys)
    upgrade_to_head(engine, MIGRATIONS, revision="0002", personal_data_cipher=cipher)

    members = {row.id: row for row in raw(engine, "SELECT id, id_number, phone, id_number_index, phone_index FROM members")}
    contacts = dict(raw(engine, "SELECT member_id, contact FROM departures"))
    for member_id, id_number, phone, contact, _ in OLD_ROWS:
        row = members[member_id]
        assert id_number not in row.id_number and phone not in row.phone and contact not in contacts[member_id]
        assert cipher.fernet_decrypt(row.id_number) == id_number and cipher.fernet_decrypt(row.phone) == phone
        assert cipher.fernet_decrypt(contacts[member_id]) == contact
        assert row.id_number_index == cipher.index(id_number, "id_number")
        assert row.phone_index == cipher.index(phone, "phone")


def test_0005_binds_every_token_to_its_place_and_encrypts_destination_address(engine, personal_data_keys):
    cipher = cipher_of(personal_data_keys)
    write_rows_at_0003(engine, cipher)
    before = stored(engine)
    assert before[OLD_ROWS[0][0]][3] == OLD_ROWS[0][4]  # the address is still plaintext at 0003

    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher)

    after = stored(engine)
    for member_id, id_number, phone, contact, address in OLD_ROWS:
        tokens = after[member_id]
        assert all(is_token(token) for token in tokens if token is not None)
        assert not {token for token in tokens if token} & set(before[member_id])  # every Fernet token and plaintext replaced
        assert opened(cipher, member_id, tokens) == (id_number, phone, contact, address)
        assert (address is None) == (tokens[3] is None)
        # Bound: the same token does not open as another column of the row, nor as another member's.
        with pytest.raises(InvalidCiphertext):
            cipher.decrypt(tokens[0], place("members", "phone", member_id))
        with pytest.raises(InvalidCiphertext):
            cipher.decrypt(tokens[0], place("members", "id_number", OLD_ROWS[0][0] if member_id != OLD_ROWS[0][0]
                                            else OLD_ROWS[1][0]))
    assert_schema_matches_the_models(engine)


def test_0005_downgrades_to_fernet_tokens_and_a_plaintext_address(engine, personal_data_keys):
    cipher = cipher_of(personal_data_keys)
    write_rows_at_0003(engine, cipher)
    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher)
    downgrade(engine, "0003", cipher)
    for member_id, id_number, phone, contact, address in OLD_ROWS:
        tokens = stored(engine)[member_id]
        assert [cipher.fernet_decrypt(token) for token in tokens[:3]] == [id_number, phone, contact]
        assert tokens[3] == address
    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher)  # and up again
    assert opened(cipher, OLD_ROWS[0][0], stored(engine)[OLD_ROWS[0][0]]) == OLD_ROWS[0][1:]


def test_0002_refuses_to_leave_plaintext_without_a_cipher(engine):
    write_plaintext_rows_at_0001(engine)
    with pytest.raises(RuntimeError, match="LIUDONG_PERSONAL_DATA_KEYS"):
        upgrade_to_head(engine, MIGRATIONS)
    assert raw(engine, "SELECT id_number FROM members ORDER BY id")[0][0] == OLD_ROWS[0][1]


def test_0005_refuses_to_leave_unbound_tokens_without_a_cipher(engine, personal_data_keys):
    write_rows_at_0003(engine, cipher_of(personal_data_keys))
    with pytest.raises(RuntimeError, match="LIUDONG_PERSONAL_DATA_KEYS"):
        upgrade_to_head(engine, MIGRATIONS)
    assert stored(engine)[OLD_ROWS[0][0]][3] == OLD_ROWS[0][4]


def test_the_service_upgrades_an_old_database_and_finds_members_by_id_number(
        container_factory, service_config, database_url, personal_data_keys):
    engine = make_engine(database_url)
    write_rows_at_0003(engine, cipher_of(personal_data_keys))
    engine.dispose()
    roster = container_factory(RosterService, service_config)
    roster.start()  # migrations run at start, with the service's cipher
    member_id, id_number, phone, contact, address = OLD_ROWS[2]
    with entrypoint_hook(roster, "find_member_by_id_number") as find:
        member = find(id_number, signed("roster", "find_member_by_id_number", [id_number], ADMIN))
    assert member["id"] == member_id and member["phone"] == phone
    assert member["current_departure"]["contact"] == contact
    assert member["current_departure"]["destination_address"] == address
    with entrypoint_hook(roster, "report_return") as report_return:
        assert report_return(member_id, {}, signed("roster", "report_return", [member_id, {}], ADMIN))["reported"] is True


def test_key_rotation_re_encrypts_every_row_batch_by_batch(engine, personal_data_keys):
    old_keys = personal_data_keys
    write_rows_at_0003(engine, cipher_of(old_keys))
    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher_of(old_keys))
    before = stored(engine)
    indexes_before = raw(engine, "SELECT id, id_number_index FROM members ORDER BY id")

    new_key = new_data_key()
    rotated_keys = {**old_keys, "PERSONAL_DATA_KEYS": f"{new_key},{old_keys['PERSONAL_DATA_KEYS']}"}
    cipher = cipher_of(rotated_keys)
    report = rotate_keys.rotate_personal_data(engine, cipher, batch_size=2)
    assert report == {"members": (5, 5), "departures": (5, 5), "member_field_changes": (0, 0)}

    only_new = cipher_of({**old_keys, "PERSONAL_DATA_KEYS": new_key})
    after = stored(engine)
    for member_id, *values in OLD_ROWS:
        assert not {token for token in after[member_id] if token} & set(before[member_id])
        assert opened(only_new, member_id, after[member_id]) == tuple(values)  # the binding is kept
    # the index key did not change
    assert raw(engine, "SELECT id, id_number_index FROM members ORDER BY id") == indexes_before

    # Done once, nothing is left to do.
    assert rotate_keys.rotate_personal_data(engine, cipher) == {"members": (5, 0), "departures": (5, 0), "member_field_changes": (0, 0)}


def test_key_rotation_refuses_a_token_moved_to_another_row(engine, personal_data_keys):
    cipher = cipher_of(personal_data_keys)
    write_rows_at_0003(engine, cipher)
    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher)
    first, second = OLD_ROWS[0][0], OLD_ROWS[1][0]
    with engine.begin() as connection:
        connection.execute(text("UPDATE members SET phone = (SELECT phone FROM members WHERE id = :first) "
                                "WHERE id = :second"), {"first": first, "second": second})
    with pytest.raises(InvalidCiphertext):
        rotate_keys.rotate_personal_data(engine, cipher_of({**personal_data_keys, "PERSONAL_DATA_KEYS": (
            f"{new_data_key()},{personal_data_keys['PERSONAL_DATA_KEYS']}")}))


def test_the_rotation_command_reads_the_service_config(database_url, personal_data_keys, monkeypatch, capsys):
    engine = make_engine(database_url)
    write_rows_at_0003(engine, cipher_of(personal_data_keys))
    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher_of(personal_data_keys))
    new_key = new_data_key()
    monkeypatch.setenv("LIUDONG_ROSTER_DATABASE_URL", database_url)
    monkeypatch.setenv("LIUDONG_PERSONAL_DATA_KEYS", f"{new_key},{personal_data_keys['PERSONAL_DATA_KEYS']}")
    monkeypatch.setenv("LIUDONG_PERSONAL_DATA_INDEX_KEY", personal_data_keys["PERSONAL_DATA_INDEX_KEY"])
    assert rotate_keys.main(["--config", "config/roster.yml", "--batch-size", "3"]) == 0
    output = capsys.readouterr().out
    assert "members: 5 of 5" in output and "departures: 5 of 5" in output
    only_new = cipher_of({**personal_data_keys, "PERSONAL_DATA_KEYS": new_key})
    for member_id, *values in OLD_ROWS:
        assert opened(only_new, member_id, stored(engine)[member_id]) == tuple(values)
        assert not any(value in output for value in values if value)
    engine.dispose()

    monkeypatch.delenv("LIUDONG_PERSONAL_DATA_KEYS")
    with pytest.raises(SystemExit) as stopped:
        rotate_keys.main(["--config", "config/roster.yml"])
    assert stopped.value.code == 2
    assert "LIUDONG_PERSONAL_DATA_KEYS" in capsys.readouterr().err
