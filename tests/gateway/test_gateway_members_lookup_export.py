"""Finding a member by ID number (in a POST body) and exporting members as an Excel workbook."""
import io
import uuid
from datetime import date

import openpyxl
import pytest

from contracts.errors import ServiceError
from gateway.access import policy

TOWN = str(uuid.uuid4())
ID_NUMBER = "62092219850302001X"


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
        "organisation_ids": [], "member_id": member_id, "reveal": ["id_number", "phone", "contact"], "principal": f"user:{user['id']}",
    }


# ---- export ----------------------------------------------------------------------------

def test_export_answers_a_workbook_with_a_row_per_member(access, fake_rpc, replies):
    client, user = access.user_client((policy.TOWN_ADMIN, TOWN))
    away = replies.member(
        name="李四", id_number="620***********001X", phone="138****0000", status="away",
        current_departure=replies.departure(contact="139****0000", destination_city="乌鲁木齐市"),
    )
    home = replies.member(name="王芳", gender="female", membership="probationary")
    fake_rpc.will_answer("export_members", {"items": [away, home], "total": 2})

    response = client.get(f"/api/v1/members/export?organisation_id={TOWN}&membership=full")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="members-')
    assert response.headers["Cache-Control"] == "no-store"
    assert fake_rpc.calls == [("roster", "export_members", (
        {"organisation_id": TOWN, "membership": "full"},
        {"organisation_ids": [TOWN], "member_id": None, "reveal": ["phone", "contact"], "principal": f"user:{user['id']}"},
    ))]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) == 3
    assert header[:3] == ("党员编号 (id)", "姓名", "性别")
    first = dict(zip(header, rows[1]))
    assert first["姓名"] == "李四" and first["身份证号"] == "620***********001X" and first["手机号"] == "138****0000"
    assert first["状态"] == "外出" and first["外出城市"] == "乌鲁木齐市" and first["外出联系方式"] == "139****0000"
    assert first["出生日期"].date() == date(1985, 3, 2)
    second = dict(zip(header, rows[2]))
    assert second["性别"] == "女" and second["党员类别"] == "预备党员" and second["外出城市"] is None


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
