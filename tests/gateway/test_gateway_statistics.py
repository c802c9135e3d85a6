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
    "lost_contact": None, "pocket_members": None, "transfers_in_year": None,
    "not_yet_tracked": ["lost_contact", "pocket_members", "transfers_in_year"],
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
