"""Migration 0013: the stored at_home becomes normal, and each member on the roll gets the first row of
the status history; the downgrade folds the computed statuses back into the three stored before."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from persistence.engine import make_engine
from persistence.migrations import upgrade_to_head
from services.common.crypto import PersonalDataCipher
from tests.integration.test_roster_personal_data_migrations import MIGRATIONS, assert_schema_matches_the_models, downgrade

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
COUNTY, BRANCH = "00000000-0000-4000-8000-0000000000c0", "00000000-0000-4000-8000-0000000000b0"
BEFORE = ["at_home", "away", "transferred_out"]


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request, tmp_path):
    url = request.getfixturevalue("database_url") if request.param == "postgresql" else f"sqlite:///{tmp_path}/roster.db"
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_0013_renames_at_home_and_starts_each_members_history(engine, personal_data_keys):
    cipher = PersonalDataCipher.from_config(personal_data_keys)
    upgrade_to_head(engine, MIGRATIONS, revision="0012", personal_data_cipher=cipher)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO organisations (id, name, kind, parent_id, path, depth, created_at) VALUES "
            "(:c, '高台县委', 'party_committee', NULL, :c_path, 0, :now), (:b, '南华村党支部', 'branch', :c, :b_path, 1, :now)"
        ), {"now": NOW, "c": COUNTY, "b": BRANCH, "c_path": f"/{COUNTY}/", "b_path": f"/{COUNTY}/{BRANCH}/"})
        for n, status in enumerate(BEFORE):
            connection.execute(text(
                "INSERT INTO members (id, name, gender, birth_date, id_number, id_number_index, phone, phone_index, "
                "joined_on, membership, organisation_id, status, registered_at) VALUES (:id, '张三', 'male', "
                "'1985-03-02', 'x', :index, 'x', 'x', '2010-07-01', 'full', :branch, :status, :now)"
            ), {"id": f"00000000-0000-4000-8000-00000000000{n}", "index": f"index-{n}", "branch": BRANCH,
                "status": status, "now": NOW})

    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher)

    with engine.connect() as connection:
        statuses = [row[0] for row in connection.execute(text("SELECT status FROM members ORDER BY id"))]
        history = connection.execute(text(
            "SELECT member_id, organisation_id, status, previous_status, changed_by, cause "
            "FROM member_status_changes ORDER BY member_id")).all()
    assert statuses == ["normal", "away", "transferred_out"]
    assert [tuple(row) for row in history] == [
        (f"00000000-0000-4000-8000-00000000000{n}", BRANCH, status, None, None, "migration")
        for n, status in enumerate(statuses)]
    assert_schema_matches_the_models(engine)

    with engine.begin() as connection:
        connection.execute(text("UPDATE members SET status = 'should_transfer' WHERE status = 'away'"))
    downgrade(engine, "0012", cipher)
    with engine.connect() as connection:
        assert [row[0] for row in connection.execute(text("SELECT status FROM members ORDER BY id"))] == BEFORE
    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher)
    assert_schema_matches_the_models(engine)
