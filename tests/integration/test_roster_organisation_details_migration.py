"""Migration 0015 gives the organisations already stored what the new rules expect: urban mobile
branches their activity day (the 6th), and each village's online branch its village, the earliest
if a village holds two (the other stays unmarked rather than stopping the upgrade). Then the
database refuses a new second one, and the migration goes down and up again."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from persistence.engine import make_engine
from persistence.migrations import upgrade_to_head
from services.common.crypto import PersonalDataCipher
from tests.integration.test_roster_personal_data_migrations import MIGRATIONS, assert_schema_matches_the_models, downgrade

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
COUNTY, VILLAGE, URBAN = (f"00000000-0000-4000-8000-0000000000{n}" for n in ("c0", "b0", "a0"))
ONLINE, SECOND = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request, tmp_path):
    url = request.getfixturevalue("database_url") if request.param == "postgresql" else f"sqlite:///{tmp_path}/roster.db"
    engine = make_engine(url)
    yield engine
    engine.dispose()


def insert(connection, id, kind, parent, created_at=NOW):
    path = f"/{COUNTY}/" if parent is None else f"/{COUNTY}/{VILLAGE}/{id}/" if parent == VILLAGE else f"/{COUNTY}/{id}/"
    connection.execute(text(
        "INSERT INTO organisations (id, name, kind, parent_id, path, depth, created_at) "
        "VALUES (:id, :id, :kind, :parent, :path, :depth, :at)"
    ), {"id": id, "kind": kind, "parent": parent, "path": path, "depth": path.count("/") - 2, "at": created_at})


def test_0015_marks_the_stored_organisations(engine, personal_data_keys):
    cipher = PersonalDataCipher.from_config(personal_data_keys)
    upgrade_to_head(engine, MIGRATIONS, revision="0014", personal_data_cipher=cipher)
    with engine.begin() as connection:
        insert(connection, COUNTY, "party_committee", None)
        insert(connection, VILLAGE, "branch", COUNTY)
        insert(connection, URBAN, "urban_mobile_branch", COUNTY)
        insert(connection, SECOND, "village_online_branch", VILLAGE, NOW + timedelta(days=1))
        insert(connection, ONLINE, "village_online_branch", VILLAGE)

    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher)

    with engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, online_branch_of FROM organisations")).all())
        days = dict(connection.execute(text("SELECT id, activity_day FROM organisations")).all())
        revisions = set(connection.execute(text("SELECT revision FROM organisations")).scalars())
    assert stored[ONLINE] == VILLAGE and stored[SECOND] is None and stored[URBAN] is None
    assert days[URBAN] == 6 and days[VILLAGE] is None and revisions == {1}
    assert_schema_matches_the_models(engine)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("UPDATE organisations SET online_branch_of = :v WHERE id = :id"),
                           {"v": VILLAGE, "id": SECOND})
    downgrade(engine, "0014", cipher)
    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher)
    assert_schema_matches_the_models(engine)
