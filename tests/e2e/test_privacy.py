"""A full run of the platform leaves no plaintext ID number, phone number,
contact or destination address in either database or in any log, lookup by ID number still works, and every read
of personal data and every export is in the audit record, which only the
auditor may read."""
import io
import re
import shutil
import subprocess

import openpyxl
import psycopg2
import pytest
import requests

from tests.platform import running_platform
from tests.support import POSTGRES_URL, created, id_number

# All born on 1985-03-02, as registered below; the first ends in X.
ID_NUMBERS = [id_number("1985-03-02", 118), id_number("1985-03-02", 121), id_number("1985-03-02", 131)]
PHONES = ["13912340001", "13912340002", "13912340003"]
CONTACT = "13812349876"
ADDRESS = "天山区隐私路9号院"  # destination_address: personal data, stored encrypted like the contact
SECRETS = ID_NUMBERS + PHONES + [CONTACT, ADDRESS]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """The platform at its most talkative: every process logs at DEBUG, where a
    leak would be likeliest, and the log test checks that they did."""
    with running_platform(tmp_path_factory.mktemp("e2e-privacy-logs"),
                          LIUDONG_LOG_LEVEL="DEBUG", LIUDONG_GATEWAY_LOG_LEVEL="debug") as platform:
        yield platform


@pytest.fixture(scope="module")
def run(platform):
    """The county's working day: register, depart, read, list, look up, export, return."""
    county = created(platform.post("/api/v1/organisations", {"name": "中共高台县委员会", "kind": "party_committee"}))
    branch = created(platform.post("/api/v1/organisations", {"name": "罗城镇第1村党支部", "kind": "branch", "parent_id": county["id"]}))
    members = [
        created(platform.post("/api/v1/members", {
            "name": f"隐私{n}", "gender": "male", "birth_date": "1985-03-02", "id_number": id_number, "phone": phone,
            "joined_on": "2010-07-01", "organisation_id": branch["id"]}))
        for n, (id_number, phone) in enumerate(zip(ID_NUMBERS, PHONES))
    ]
    created(platform.post(f"/api/v1/members/{members[0]['id']}/departures", {
        "destination_province": "新疆维吾尔自治区", "destination_city": "乌鲁木齐市", "work": "运输", "contact": CONTACT,
        "destination_address": ADDRESS}))
    # What a key that may only read members sees (issue 7, finding 2), while the member is away.
    reader = {"X-API-Key": platform.create_key(scopes=["members:read"])}
    masked = platform.get(f"/api/v1/members/{members[0]['id']}", headers=reader)
    reads = [platform.get(f"/api/v1/members/{m['id']}") for m in members]
    assert all(r.status_code == 200 for r in reads)
    assert platform.get("/api/v1/members", params={"organisation_id": branch["id"]}).status_code == 200
    lookup = platform.post("/api/v1/members/lookup", {"id_number": ID_NUMBERS[1]})
    export = platform.get("/api/v1/members/export", params={"organisation_id": branch["id"]})
    assert export.status_code == 200
    created(platform.post(f"/api/v1/members/{members[0]['id']}/returns", {}))
    # Mistyped and unknown ID numbers go through the logs' worst paths: refusals and misses.
    assert platform.post("/api/v1/members/lookup", {"id_number": id_number("1999-12-31", 999)}).status_code == 404
    duplicate = platform.post("/api/v1/members", {**{"name": "x", "gender": "male", "birth_date": "1985-03-02",
                                                     "id_number": ID_NUMBERS[0], "phone": PHONES[0], "joined_on": "2010-07-01",
                                                     "organisation_id": branch["id"]}})
    assert duplicate.status_code == 409
    return {"members": members, "branch": branch, "lookup": lookup, "masked": masked, "duplicate": duplicate}


def test_a_masked_read_shows_the_last_four_characters_and_the_year(run):
    assert run["masked"].status_code == 200, run["masked"].text
    member = run["masked"].json()
    assert member["id_number"] == "*" * 14 + ID_NUMBERS[0][-4:]
    assert member["birth_date"] is None and member["birth_year"] == 1985
    assert member["phone"] == PHONES[0][:3] + "****" + PHONES[0][-4:]
    assert member["current_departure"]["destination_address"] == ADDRESS[0] + "*" * (len(ADDRESS) - 2) + ADDRESS[-1]
    text = run["masked"].text
    for secret in (ID_NUMBERS[0][:6], ID_NUMBERS[0][6:14], "1985-03-02", PHONES[0], CONTACT, ADDRESS):
        assert secret not in text, secret


def test_the_export_writes_text_stored_with_control_characters(platform, run):
    """Issue 7, finding 4: data stored before the API refused them, put straight into the database."""
    member = run["members"][2]
    connection = psycopg2.connect(platform.database_url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("UPDATE members SET name = %s WHERE id = %s", ("隐私\u0001\u202e坏", member["id"]))
    finally:
        connection.close()

    response = platform.get("/api/v1/members/export", params={"organisation_id": run["branch"]["id"]})

    assert response.status_code == 200, response.text
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    names = {row[0]: row[1] for row in rows[1:]}
    assert names[member["id"]] == "隐私\ufffd\ufffd坏"


def pg_dump(database_url):
    name = database_url.rsplit("/", 1)[1]
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump (PostgreSQL client) is needed to read the raw database contents"
    host = POSTGRES_URL.split("@", 1)[1]
    result = subprocess.run([pg_dump, "-h", host.split(":")[0], "-p", host.split(":")[1] if ":" in host else "5432",
                             "-U", "postgres", "--no-owner", name], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_lookup_by_id_number_still_works(run):
    assert run["lookup"].status_code == 200
    assert run["lookup"].json()["id"] == run["members"][1]["id"]


def test_no_plaintext_id_number_or_phone_in_the_databases(platform, run):
    roster, gateway = pg_dump(platform.database_url), pg_dump(platform.gateway_database_url)
    # The dumps hold the run's data: the members (by name, which is not encrypted) and the audit record.
    assert "COPY public.members" in roster and "隐私0" in roster
    assert "COPY public.audit_records" in gateway and run["members"][0]["id"] in gateway
    for database_url, dump in ((platform.database_url, roster), (platform.gateway_database_url, gateway)):
        for secret in SECRETS:
            assert secret not in dump, f"{secret} in the raw contents of {database_url.rsplit('/', 1)[1]}"


# Lines the run must have logged at DEBUG: proof that the logs were written
# and read at the level where personal data would most likely show.
EXPECTED_LOG_LINES = {
    "roster": ["DEBUG services.common.outbox outbox relay published", "ran worker <WorkerContext [roster.find_member_by_id_number]"],
    "gateway": ["POST /api/v1/members/lookup", "GET /api/v1/members/export", "[DEBUG]"],
}


def test_no_plaintext_id_number_or_phone_in_the_logs(platform, run):
    for process in (platform.roster, platform.gateway):
        log = process.log()
        for line in EXPECTED_LOG_LINES[process.name]:
            assert line in log, f"{process.name} did not log {line!r} at DEBUG"
        for secret in SECRETS:
            assert secret not in log, f"{secret} in the {process.name} log"


def test_each_personal_data_read_and_export_is_audited_and_only_the_auditor_reads_it(platform, run):
    username, password = platform.create_user("auditor")
    auditor = platform.token_headers(username, password)

    def records(**filters):
        response = platform.http.get(platform.base_url + "/api/v1/audit-records", headers=auditor,
                                     params={"per_page": 100, **filters}, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    for member in run["members"]:
        actions = {r["action"] for r in records(resource_id=member["id"])}
        assert {"members.read", "members.register"} <= actions, (member["id"], actions)
    # The duplicate registration: on the record by the hash-index value, never the number, and not in the answer.
    refused = [r for r in records(action="members.register") if r["details"].get("error") == "duplicate_id_number"]
    assert len(refused) == 1 and re.fullmatch(r"[0-9a-f]{64}", refused[0]["details"]["id_number_index"]), refused
    assert ID_NUMBERS[0] not in str(refused)
    assert refused[0]["details"]["id_number_index"] not in run["duplicate"].text
    assert run["duplicate"].json()["error"]["details"] == {"id_number": ["already registered"]}
    exports = records(action="members.export")
    assert any(r["outcome"] == "succeeded" and r["details"].get("rows") == 3 for r in exports), exports
    assert records(action="members.lookup")

    # Nobody else reads the record: not the key that did all of the above, not a county administrator.
    assert platform.get("/api/v1/audit-records").status_code == 401  # person-only: a key is no credential here
    username, password = platform.create_user("county_admin")
    admin = platform.token_headers(username, password)
    response = requests.get(platform.base_url + "/api/v1/audit-records", headers=admin, timeout=10)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
