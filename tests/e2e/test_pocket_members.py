"""口袋党员 through the real gateway and roster processes: a transfer letter that expires unreceived
puts its member on the pocket-member list, which the county statistics count; an ID number that
matches no one is recorded once; placing both closes them, with ``pocket_member_found`` and
``pocket_member_placed`` on ``roster.events``; bad input is a 4xx naming the field and writes nothing."""
import json

import pytest

from tests.support import backdate_transfer, created, id_number, scalar, wait_for

STRANGER = id_number("1993-03-03", 579)
WRONG_CHECK = STRANGER[:-1] + ("1" if STRANGER[-1] == "0" else "0")


@pytest.fixture(scope="module")
def county(platform):
    def org(name, kind, parent=None):
        return created(platform.post("/api/v1/organisations", {"name": name, "kind": kind,
                                                               "parent_id": parent["id"] if parent else None}))

    county = org("中共高台县委员会", "party_committee")
    town = org("宣化镇党委", "party_committee", county)
    return {"county": county, "town": town, "home": org("宣化镇第1村党支部", "branch", town),
            "guazhou": org("瓜州县流动党员党支部", "destination_mobile_branch", county)}


def statistics(platform, county):
    return platform.get("/api/v1/statistics", params={"organisation_id": county["county"]["id"]}).json()


def test_a_letter_expired_unreceived_and_a_stranger_are_listed_counted_and_placed(platform, county, tap):
    member = created(platform.post("/api/v1/members", {
        "name": "马永福", "gender": "male", "birth_date": "1978-04-09", "id_number": id_number("1978-04-09", 801),
        "phone": "13900000801", "joined_on": "2004-07-01", "organisation_id": county["home"]["id"]}))
    letter = created(platform.post(f"/api/v1/members/{member['id']}/transfers", {
        "to_name": "昌吉市某社区党支部", "to_place": "新疆昌吉市", "dues_paid_until": "2026-11"}))
    backdate_transfer(platform.database_url, letter["id"], 31)
    assert platform.get(f"/api/v1/transfers/{letter['id']}").json()["state"] == "expired"  # the read records it

    listed = platform.get("/api/v1/pocket-members", params={"organisation_id": county["county"]["id"]}).json()
    [from_letter] = listed["items"]
    assert (from_letter["source"], from_letter["member_id"], from_letter["state"]) == (
        "transfer_letter", member["id"], "open")
    sighted = platform.post("/api/v1/pocket-members/sightings", {
        "id_number": STRANGER, "name": "李春花", "source": "registration_elsewhere",
        "organisation_id": county["town"]["id"], "place": "酒泉市瓜州县"})
    assert sighted.status_code == 200, sighted.text
    assert sighted.json()["outcome"] == "candidate" and sighted.json()["new"] is True
    assert statistics(platform, county)["pocket_members"] == 2
    assert "pocket_members" not in statistics(platform, county)["not_yet_tracked"]

    placed = created(platform.post(f"/api/v1/pocket-members/{from_letter['id']}/placement",
                                   {"branch_id": county["guazhou"]["id"], "note": "到瓜州县流动党员党支部"}))
    assert placed["placement"]["from_organisation_id"] == county["home"]["id"]
    assert platform.get(f"/api/v1/members/{member['id']}").json()["organisation_id"] == county["guazhou"]["id"]
    stranger = sighted.json()["pocket_member"]
    registered = created(platform.post(f"/api/v1/pocket-members/{stranger['id']}/placement", {
        "branch_id": county["home"]["id"], "phone": "13900000802", "joined_on": "2016-07-01"}))
    assert registered["placement"]["registered"] is True
    assert statistics(platform, county)["pocket_members"] == 0

    again = platform.post(f"/api/v1/pocket-members/{stranger['id']}/placement", {
        "branch_id": county["home"]["id"], "phone": "13900000802", "joined_on": "2016-07-01"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "pocket_member_not_open"

    wait_for(lambda: len(tap.envelopes("pocket_member_placed")) >= 2, message="two pocket_member_placed")
    found = tap.envelopes("pocket_member_found")
    assert sorted(e["data"]["source"] for e in found) == ["registration_elsewhere", "transfer_letter"]
    assert STRANGER not in json.dumps(tap.envelopes(), ensure_ascii=False)


@pytest.mark.parametrize("body, status, field", [
    ({"id_number": WRONG_CHECK, "name": "x", "source": "check_in"}, 422, "id_number"),
    ({"id_number": STRANGER, "name": "x", "source": "rumour"}, 422, "source"),
    ({"id_number": STRANGER, "name": "x", "source": "check_in", "organisation_id": "00000000-0000-4000-8000-000000000000"},
     422, "organisation_id"),
])
def test_a_bad_sighting_names_the_field_and_writes_nothing(platform, county, body, status, field):
    before = scalar(platform.database_url, "SELECT count(*) FROM pocket_members")
    response = platform.post("/api/v1/pocket-members/sightings", {"organisation_id": county["town"]["id"], **body})
    assert response.status_code == status, response.text
    assert field in json.dumps(response.json()["error"]["details"]), response.text
    assert scalar(platform.database_url, "SELECT count(*) FROM pocket_members") == before
