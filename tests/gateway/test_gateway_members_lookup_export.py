"""Finding a member by ID number (in a POST body) and exporting members as an Excel workbook."""
import io
import uuid
from datetime import date

import openpyxl
import pytest

from contracts.errors import ServiceError
from gateway.access import policy, store
from gateway.api import members as members_api
from tests.support import id_number

TOWN = str(uuid.uuid4())
ID_NUMBER = id_number("1985-03-02", 1, "620922")


# ---- lookup ---------------------------------------------------------------------------

def test_lookup_sends_the_id_number_and_answers_the_member(client, fake_rpc, replies, scope):
    member = replies.member(id_number=ID_NUMBER)
    fake_rpc.will_answer("find_member_by_id_number", member)

    response = client.post("/api/v1/members/lookup", json={"id_number": ID_NUMBER})

    assert response.status_code == 200
    assert response.get_json() == member
    assert fake_rpc.calls == [("roster", "find_member_by_id_number", (ID_NUMBER, scope))]


def test_lookup_of_an_unknown_or_out_of_scope_id_number_is_404(client, fake_rpc):
    fake_rpc.will_answer("find_member_by_id_number", ServiceError("member_not_found", "no member has this ID number"))

    response = client.post("/api/v1/members/lookup", json={"id_number": ID_NUMBER})

    assert response.status_code == 404 and response.get_json()["error"]["code"] == "member_not_found"


@pytest.mark.parametrize("body", [{}, {"id_number": "123"}, {"id_number": ID_NUMBER, "name": "张三"}])
def test_lookup_validates_its_body_without_echoing_it(client, fake_rpc, body):
    response = client.post("/api/v1/members/lookup", json=body)

    assert response.status_code == 422
    assert fake_rpc.calls == []
    assert ID_NUMBER not in response.get_data(as_text=True)


def test_lookup_is_never_a_get(client):
    assert client.get(f"/api/v1/members/lookup?id_number={ID_NUMBER}").status_code == 405


def test_a_member_looks_up_with_their_own_scope(access, fake_rpc, replies):
    member_id = str(uuid.uuid4())
    client, user = access.user_client(policy.MEMBER, member_id=member_id)
    fake_rpc.will_answer("find_member_by_id_number", replies.member(id=member_id))

    assert client.post("/api/v1/members/lookup", json={"id_number": ID_NUMBER}).status_code == 200
    assert fake_rpc.calls[0][2][1] == {
        "organisation_ids": [], "member_id": member_id, "reveal": ["id_number", "birth_date", "phone", "contact", "destination_address"], "principal": f"user:{user['id']}",
    }


# ---- export ----------------------------------------------------------------------------

def test_export_answers_a_workbook_with_a_row_per_member(access, fake_rpc, replies):
    client, user = access.user_client((policy.TOWN_ADMIN, TOWN))
    # As roster answers a town admin: ID number and birth date masked.
    away = replies.member(
        name="李四", id_number="**************001X", birth_date=None, phone="138****0000", status="away",
        current_departure=replies.departure(contact="139****0000", destination_city="乌鲁木齐市"),
    )
    home = replies.member(name="王芳", gender="female", membership="probationary", id_number="**************0023",
                          birth_date=None, birth_year=1990)
    fake_rpc.will_answer("export_members", {"items": [away, home], "total": 2})

    response = client.get(f"/api/v1/members/export?organisation_id={TOWN}&membership=full")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="members-')
    assert response.headers["Cache-Control"] == "no-store"
    assert fake_rpc.calls == [("roster", "export_members", (
        {"organisation_id": TOWN, "membership": "full"},
        {"organisation_ids": [TOWN], "member_id": None, "reveal": ["phone", "contact", "destination_address"], "principal": f"user:{user['id']}"},
    ))]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) == 3
    assert header[:3] == ("党员编号 (id)", "姓名", "性别")
    first = dict(zip(header, rows[1]))
    assert first["姓名"] == "李四" and first["身份证号"] == "**************001X" and first["手机号"] == "138****0000"
    assert first["状态"] == "外出" and first["外出城市"] == "乌鲁木齐市" and first["外出联系方式"] == "139****0000"
    assert first["出生日期"] is None and first["出生年份"] == 1985
    second = dict(zip(header, rows[2]))
    assert second["性别"] == "女" and second["党员类别"] == "预备党员" and second["外出城市"] is None
    assert second["出生日期"] is None and second["出生年份"] == 1990


def test_export_of_a_revealed_birth_date_writes_the_date(access, fake_rpc, replies):
    client, _ = access.user_client(policy.COUNTY_ADMIN)
    fake_rpc.will_answer("export_members", {"items": [replies.member()], "total": 1})

    rows = list(openpyxl.load_workbook(io.BytesIO(client.get("/api/v1/members/export").data)).active.values)

    row = dict(zip(rows[0], rows[1]))
    assert row["出生日期"].date() == date(1985, 3, 2) and row["出生年份"] == 1985 and row["身份证号"] == ID_NUMBER


def test_export_writes_stored_text_with_characters_a_workbook_cannot_hold(access, fake_rpc, replies):
    """Data stored before the API refused them may hold control characters (openpyxl refuses \x01)."""
    client, _ = access.user_client(policy.COUNTY_ADMIN)
    dirty = replies.member(name="张\u0001三\u202e", status="away",
                           current_departure=replies.departure(work="建筑\x00\x0b\u200b工", contact="\tweixin"))
    fake_rpc.will_answer("export_members", {"items": [dirty], "total": 1})

    response = client.get("/api/v1/members/export")

    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.values)
    row = dict(zip(rows[0], rows[1]))
    assert row["姓名"] == "张\ufffd三\ufffd" and row["务工内容"] == "建筑\ufffd\ufffd\ufffd工"
    assert row["外出联系方式"] == "\ufffdweixin"


def test_a_workbook_that_cannot_be_built_leaves_no_exported_record(access, fake_rpc, replies, monkeypatch):
    client, _ = access.user_client(policy.COUNTY_ADMIN)
    fake_rpc.will_answer("export_members", {"items": [replies.member()], "total": 1})

    def broken(members):
        raise ValueError("cannot build")

    monkeypatch.setattr(members_api, "members_workbook", broken)

    assert client.get("/api/v1/members/export").status_code == 500

    with access.store.connect() as conn:
        records, _ = store.list_audit_records(conn, page=1, per_page=100, action="members.export")
    assert [(r["outcome"], r["status"], r["details"]["error"]) for r in records] == [("failed", 500, "internal_error")]


def test_export_cells_are_never_formulas(access, fake_rpc, replies):
    client, _ = access.user_client(policy.COUNTY_ADMIN)
    fake_rpc.will_answer("export_members", {"items": [replies.member(name="=HYPERLINK(\"http://x\")")], "total": 1})

    response = client.get("/api/v1/members/export")

    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def test_an_export_too_large_is_422(access, fake_rpc):
    client, _ = access.user_client(policy.COUNTY_ADMIN)
    fake_rpc.will_answer("export_members", ServiceError("export_too_large", "more than 10000 members match", {"total": 12000}))

    response = client.get("/api/v1/members/export")

    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "export_too_large", "message": "more than 10000 members match", "details": {"total": 12000}}


def test_export_filters_are_validated(client, fake_rpc):
    assert client.get("/api/v1/members/export?page=2").status_code == 422
    assert client.get("/api/v1/members/export?status=gone").status_code == 422
    assert fake_rpc.calls == []
