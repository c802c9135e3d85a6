"""GET /api/v1/statistics against a fake roster: the query passed through, the figures answered as the contract says."""
import uuid

from contracts.errors import ErrorCode, ServiceError

FIGURES = {
    "organisation_id": None, "date": "2026-12-02", "members": 7009, "away": 1807, "away_share_percent": 25.8,
    "away_by_reach": [{"reach": "in_county", "away": 300, "share_percent": 16.6},
                      {"reach": "in_province", "away": 817, "share_percent": 45.2},
                      {"reach": "out_of_province", "away": 690, "share_percent": 38.2}],
    "away_by_year": [{"year": 2015, "as_of": "2015-12-31", "away": 742}, {"year": 2026, "as_of": "2026-12-02", "away": 1807}],
    "members_by_kind": [{"kind": "branch", "kind_label": "党支部", "organisations": 458, "members": 7009}],
    "members_by_organisation": [{"organisation_id": str(uuid.uuid4()), "name": "东联村党支部", "kind": "branch",
                                 "members": 40, "away": 10}],
    "lost_contact": 3, "pocket_members": 53, "transfers_in_year": 121,
    "not_yet_tracked": [],
}


def test_the_figures_of_a_subtree_on_a_day(client, fake_rpc, scope):
    organisation_id = str(uuid.uuid4())
    fake_rpc.will_answer("county_statistics", {**FIGURES, "organisation_id": organisation_id})

    response = client.get(f"/api/v1/statistics?organisation_id={organisation_id}&date=2026-12-02")

    assert response.status_code == 200
    assert response.get_json() == {**FIGURES, "organisation_id": organisation_id}
    assert fake_rpc.calls == [("roster", "county_statistics", ({"organisation_id": organisation_id, "date": "2026-12-02"}, scope))]


def test_no_filter_asks_for_everything_the_caller_sees_today(client, fake_rpc, scope):
    fake_rpc.will_answer("county_statistics", FIGURES)

    assert client.get("/api/v1/statistics").status_code == 200
    assert fake_rpc.calls == [("roster", "county_statistics", ({}, scope))]


def test_bad_query_names_the_field_and_calls_nothing(client, fake_rpc):
    for query, field in (("date=2026-13-01", "date"), ("organisation_id=nope", "organisation_id"), ("colour=red", "colour")):
        response = client.get(f"/api/v1/statistics?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["error"]["code"] == "validation_failed"
        assert field in str(response.get_json()["error"]["details"]), query
    assert fake_rpc.calls == []


def test_an_organisation_outside_the_caller_is_404(client, fake_rpc):
    fake_rpc.will_answer("county_statistics", ServiceError(ErrorCode.ORGANISATION_NOT_FOUND, "organisation not found"))

    response = client.get(f"/api/v1/statistics?organisation_id={uuid.uuid4()}")

    assert response.status_code == 404 and response.get_json()["error"]["code"] == "organisation_not_found"


# ---- batches -----------------------------------------------------------------

def test_a_batch_of_registrations_is_passed_whole_and_answered_per_item(client, fake_rpc, replies, scope):
    member = replies.member()
    answer = {"items": [{"index": 0, "status": 201, "member": member, "error": None},
                        {"index": 1, "status": 422, "member": None,
                         "error": {"code": "validation_failed", "message": "invalid", "details": {"phone": ["bad"]}}}],
              "succeeded": 1, "refused": 1}
    fake_rpc.will_answer("register_members", answer)
    items = [{"name": "甲"}, {"name": "乙", "phone": "12"}]  # each item is the service's to validate

    response = client.post("/api/v1/members/batch", json={"items": items})

    assert response.status_code == 200
    assert response.get_json()["items"][1]["error"]["details"] == {"phone": ["bad"]}
    assert response.get_json()["succeeded"] == 1
    assert fake_rpc.calls == [("roster", "register_members", ({"items": items}, scope))]


def test_a_batch_that_is_not_a_list_of_1_to_500_is_refused_whole(client, fake_rpc):
    for body in ({"items": []}, {"items": [{}] * 501}, {"items": "all"}, {}):
        response = client.post("/api/v1/members/departures/batch", json=body)
        assert response.status_code == 422 and "items" in response.get_json()["error"]["details"]["json"], body
    assert fake_rpc.calls == []


def test_the_audit_record_names_every_member_a_batch_registered(client, fake_rpc, replies, access):
    from gateway.access import store

    registered = [replies.member(), replies.member()]
    fake_rpc.will_answer("register_members", {
        "items": [{"index": 0, "status": 201, "member": registered[0], "error": None},
                  {"index": 1, "status": 409, "member": None,
                   "error": {"code": "duplicate_id_number", "message": "already registered", "details": {}}},
                  {"index": 2, "status": 201, "member": registered[1], "error": None}],
        "succeeded": 2, "refused": 1})

    assert client.post("/api/v1/members/batch", json={"items": [{}, {}, {}]}).status_code == 200

    with access.store.connect() as conn:
        items, _ = store.list_audit_records(conn, page=1, per_page=10, action="members.register_batch.items")
    assert [(item["resource_ids"], item["details"]) for item in items] == [
        ([registered[0]["id"], registered[1]["id"]], {"refused": {"1": "duplicate_id_number"}})]
