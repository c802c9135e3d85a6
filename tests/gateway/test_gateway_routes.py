"""Every route's happy path against a fake roster: status, body, and what was sent over RPC.

``client`` holds a platform-wide key with every scope, so every call carries ``scope``:
no organisation limit, personal data revealed, the key as principal."""
import uuid

from contracts import platform
from tests.support import id_number

ID_NUMBER = id_number("1985-03-02", 1, "620922")


def test_create_organisation_sends_json_ready_payload_and_answers_201(client, fake_rpc, replies, scope):
    parent_id = str(uuid.uuid4())
    created = replies.organisation(name="红柳湾村党支部", kind="branch", kind_label="党支部", parent_id=parent_id, depth=1)
    fake_rpc.will_answer("create_organisation", created)

    response = client.post("/api/v1/organisations", json={"name": "红柳湾村党支部", "kind": "branch", "parent_id": parent_id})

    assert response.status_code == 201
    assert response.get_json() == created
    assert fake_rpc.calls == [(
        "roster", "create_organisation",
        ({"name": "红柳湾村党支部", "kind": "branch", "parent_id": parent_id, "location": None}, scope),
    )]


def test_list_organisations_passes_paging_and_filters_and_answers_the_envelope(client, fake_rpc, replies, scope):
    parent_id = str(uuid.uuid4())
    items = [replies.organisation(kind="branch", kind_label="党支部", parent_id=parent_id, depth=1) for _ in range(2)]
    fake_rpc.will_answer("list_organisations", replies.page(items, page=2, per_page=2, total=6))

    response = client.get(f"/api/v1/organisations?page=2&per_page=2&kind=branch&parent_id={parent_id}")

    assert response.status_code == 200
    assert response.get_json() == {"items": items, "page": 2, "per_page": 2, "total": 6}
    assert fake_rpc.calls == [("roster", "list_organisations", ({"page": 2, "per_page": 2, "kind": "branch", "parent_id": parent_id}, scope))]


def test_list_defaults_to_the_first_page_of_twenty(client, fake_rpc, replies, scope):
    fake_rpc.will_answer("list_organisations", replies.page([]))

    response = client.get("/api/v1/organisations")

    assert response.status_code == 200
    assert response.get_json() == {"items": [], "page": 1, "per_page": 20, "total": 0}
    assert fake_rpc.calls == [("roster", "list_organisations", ({"page": 1, "per_page": 20}, scope))]


def test_get_organisation(client, fake_rpc, replies, scope):
    organisation = replies.organisation()
    fake_rpc.will_answer("get_organisation", organisation)

    response = client.get(f"/api/v1/organisations/{organisation['id']}")

    assert response.status_code == 200
    assert response.get_json() == organisation
    assert response.get_json()["kind_label"] == "党委"
    assert fake_rpc.calls == [("roster", "get_organisation", (organisation["id"], scope))]


def test_get_organisation_subtree_keeps_the_nesting(client, fake_rpc, replies, scope):
    root = replies.organisation()
    branch = replies.organisation(kind="branch", kind_label="党支部", parent_id=root["id"], depth=1)
    tree = replies.tree(root, [replies.tree(branch)])
    fake_rpc.will_answer("get_organisation_subtree", tree)

    response = client.get(f"/api/v1/organisations/{root['id']}/subtree")

    assert response.status_code == 200
    assert response.get_json() == tree
    assert fake_rpc.calls == [("roster", "get_organisation_subtree", (root["id"], scope))]


def test_register_member_sends_dates_as_strings_and_answers_201(client, fake_rpc, replies, scope):
    branch_id = str(uuid.uuid4())
    member = replies.member(organisation_id=branch_id)
    fake_rpc.will_answer("register_member", member)
    body = {
        "name": "张三", "gender": "male", "birth_date": "1985-03-02", "id_number": ID_NUMBER,
        "phone": "13800000000", "joined_on": "2010-07-01", "organisation_id": branch_id,
    }

    response = client.post("/api/v1/members", json=body)

    assert response.status_code == 201
    assert response.get_json() == member
    assert fake_rpc.calls == [("roster", "register_member", ({**body, "membership": "full"}, scope))]


def test_list_members_passes_every_filter(client, fake_rpc, replies, scope):
    branch_id = str(uuid.uuid4())
    away = replies.member(status="away", current_departure=replies.departure())
    fake_rpc.will_answer("list_members", replies.page([away], per_page=50))

    response = client.get(
        f"/api/v1/members?per_page=50&organisation_id={branch_id}&status=away&membership=full&gender=male&name=张"
    )

    assert response.status_code == 200
    assert response.get_json() == {"items": [away], "page": 1, "per_page": 50, "total": 1}
    assert fake_rpc.calls == [("roster", "list_members", ({
        "page": 1, "per_page": 50, "organisation_id": branch_id, "status": "away",
        "membership": "full", "gender": "male", "name": "张",
    }, scope))]


def test_get_member(client, fake_rpc, replies, scope):
    member = replies.member()
    fake_rpc.will_answer("get_member", member)

    response = client.get(f"/api/v1/members/{member['id']}")

    assert response.status_code == 200
    assert response.get_json() == member
    assert fake_rpc.calls == [("roster", "get_member", (member["id"], scope))]


def test_report_departure(client, fake_rpc, replies, scope):
    member_id = str(uuid.uuid4())
    departure = replies.departure(member_id=member_id)
    fake_rpc.will_answer("report_departure", departure)
    body = {
        "departed_on": "2025-03-01", "destination_province": "新疆维吾尔自治区", "destination_city": "乌鲁木齐市",
        "work": "建筑", "expected_return_on": "2025-12-20", "contact": "13900000000",
    }

    response = client.post(f"/api/v1/members/{member_id}/departures", json=body)

    assert response.status_code == 201
    assert response.get_json() == departure
    assert fake_rpc.calls == [("roster", "report_departure", (member_id, {**body, "destination_address": None}, scope))]


def test_report_return(client, fake_rpc, replies, scope):
    member_id = str(uuid.uuid4())
    closed = replies.departure(member_id=member_id, returned_on="2025-12-18", returned_reported_at="2025-12-18T09:00:00+00:00")
    fake_rpc.will_answer("report_return", closed)

    response = client.post(f"/api/v1/members/{member_id}/returns", json={"returned_on": "2025-12-18"})

    assert response.status_code == 201
    assert response.get_json() == closed
    assert fake_rpc.calls == [("roster", "report_return", (member_id, {"returned_on": "2025-12-18"}, scope))]


def test_a_return_may_be_reported_with_no_body_at_all(client, fake_rpc, replies, scope):
    member_id = str(uuid.uuid4())
    fake_rpc.will_answer("report_return", replies.departure(member_id=member_id, returned_on="2025-12-18"))

    response = client.post(f"/api/v1/members/{member_id}/returns")

    assert response.status_code == 201
    assert fake_rpc.calls == [("roster", "report_return", (member_id, {"returned_on": None}, scope))]


def test_healthz_touches_nothing(client, fake_rpc):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert fake_rpc.calls == []


def test_readyz_pings_every_service(client, fake_rpc):
    fake_rpc.will_answer("ping", {"status": "ok"})

    response = client.get("/readyz")

    assert response.status_code == 200
    names = [spec.name for spec in platform.SERVICES]
    assert response.get_json() == {"status": "ready", "checks": {"broker": "ok", **{name: "ok" for name in names}}}
    assert sorted(fake_rpc.calls) == sorted((name, "ping", ()) for name in names)
