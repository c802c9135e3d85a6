"""Migration 0008 classifies the departures already stored, with the same rules as a new report."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from persistence.engine import make_engine
from persistence.migrations import upgrade_to_head
from services.common.crypto import PersonalDataCipher
from tests.integration.test_roster_personal_data_migrations import MIGRATIONS, assert_schema_matches_the_models, downgrade

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
COUNTY, BRANCH = "00000000-0000-4000-8000-0000000000c0", "00000000-0000-4000-8000-0000000000b0"
ROWS = [  # (province, city, reach and code after 0008)
    ("甘肃", "酒泉市瓜州县", ("in_province", "620922")),
    ("甘肃省", "高台县城", ("in_county", "620724")),
    ("新疆维吾尔自治区", "乌鲁木齐", ("out_of_province", "650100")),
    ("某省", "某市", (None, None)),          # not on the list: left unclassified, the upgrade goes on
    (None, None, (None, None)),              # a return never reported as a departure
]


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request, tmp_path):
    url = request.getfixturevalue("database_url") if request.param == "postgresql" else f"sqlite:///{tmp_path}/roster.db"
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_0008_classifies_the_stored_departures(engine, personal_data_keys):
    cipher = PersonalDataCipher.from_config(personal_data_keys)
    upgrade_to_head(engine, MIGRATIONS, revision="0005", personal_data_cipher=cipher)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO organisations (id, name, kind, parent_id, path, depth, created_at) VALUES "
            "(:c, '高台县委', 'party_committee', NULL, :c_path, 0, :now), (:b, '南华村党支部', 'branch', :c, :b_path, 1, :now)"
        ), {"now": NOW, "c": COUNTY, "b": BRANCH, "c_path": f"/{COUNTY}/", "b_path": f"/{COUNTY}/{BRANCH}/"})
        for n, (province, city, _) in enumerate(ROWS):
            member = f"00000000-0000-4000-8000-00000000000{n}"
            connection.execute(text(
                "INSERT INTO members (id, name, gender, birth_date, id_number, id_number_index, phone, phone_index, "
                "joined_on, membership, organisation_id, status, registered_at) VALUES (:id, '张三', 'male', "
                "'1985-03-02', 'x', :index, 'x', 'x', '2010-07-01', 'full', :branch, 'away', :now)"
            ), {"id": member, "index": f"index-{n}", "branch": BRANCH, "now": NOW})
            connection.execute(text(
                "INSERT INTO departures (id, member_id, reported, reported_at, destination_province, destination_city) "
                "VALUES (:id, :member, :reported, :now, :province, :city)"
            ), {"id": f"00000000-0000-4000-8000-0000000000d{n}", "member": member, "reported": province is not None,
                "now": NOW, "province": province, "city": city})

    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher)

    with engine.connect() as connection:
        stored = connection.execute(text(
            "SELECT destination_reach, destination_code FROM departures ORDER BY id")).all()
    assert [tuple(row) for row in stored] == [expected for _, _, expected in ROWS]
    assert_schema_matches_the_models(engine)
    downgrade(engine, "0005", cipher)
    upgrade_to_head(engine, MIGRATIONS, personal_data_cipher=cipher)
    assert_schema_matches_the_models(engine)
