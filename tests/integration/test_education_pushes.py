"""Pushes over the channels with the real roster and education containers on one broker:
a phone channel asks roster for the numbers at send time under education's own identity,
the delivery log keeps them masked and education stores none; roster not answering fails
each delivery with the reason, fast, and loses nothing."""
import pytest
from sqlalchemy import create_engine, select

from contracts.errors import ServiceError
from services.education.models import channel_log, deliveries, members
from tests.integration.rpc import call
from tests.support import EventTap, id_number, wait_for


def rows(database_url, query):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).all()
    finally:
        engine.dispose()


@pytest.fixture
def education_config(education_config):
    return {**education_config, "ROSTER_RPC_TIMEOUT": 1}


def test_a_push_reaches_the_away_members_over_sms_with_the_number_asked_of_roster_and_never_kept(
        roster, education, education_database_url, rabbit_config):
    county = call(roster, "create_organisation", {"name": "高台县委", "kind": "party_committee"})["id"]
    branch = call(roster, "create_organisation", {"name": "红崖村党支部", "kind": "branch", "parent_id": county})["id"]
    people = [call(roster, "register_member", {
        "name": f"党员{n}", "gender": "male", "birth_date": "1980-01-01", "id_number": id_number("1980-01-01", 300 + n),
        "phone": f"1390000{n:04d}", "joined_on": "2005-07-01", "membership": "full", "organisation_id": branch})
        for n in range(2)]
    call(roster, "report_departure", people[0]["id"], {
        "destination_province": "甘肃省", "destination_city": "嘉峪关市", "work": "钢铁厂", "contact": "13900000000"})
    wait_for(lambda: rows(education_database_url, select(members.c.status).where(
        members.c.member_id == people[0]["id"])) == [("away",)], message="education to see the member away")
    wait_for(lambda: len(rows(education_database_url, select(members))) == 2, message="both members projected")

    tap = EventTap(rabbit_config["AMQP_URI"], exchange="education.events")
    try:
        material = call(education, "publish_material", {"organisation_id": county, "title": "新修订党章学习", "kind": "course"})
        push = call(education, "push_material", {"material_id": material["id"], "organisation_id": county,
                                                 "channel": "sms", "message": "【空中学堂】请学习新修订的党章"})
        assert (push["recipients"], push["sent"], push["failed"]) == (1, 1, 0)
        [delivery] = call(education, "list_deliveries", push["id"], {})["items"]
        assert (delivery["member_id"], delivery["address"]) == (people[0]["id"], "139****0000")
        assert [e["data"]["status"] for e in tap.wait_for("delivery_recorded")] == ["sent"]
        tap.wait_for("material_pushed")

        to_all = call(education, "push_material", {"material_id": material["id"], "organisation_id": branch,
                                                   "channel": "app", "audience": "all", "message": "网络讲堂新课程"})
        assert (to_all["recipients"], to_all["sent"]) == (2, 2)
        logged = {row.address for row in rows(education_database_url, select(channel_log.c.address))}
        assert logged == {"139****0000", "党建App / 公众号"}  # never the number itself

        # Roster stopped: the phone channel cannot get its numbers; each delivery fails with the reason, fast.
        roster.stop()
        late = call(education, "push_material", {"material_id": material["id"], "organisation_id": county,
                                                 "channel": "phone_call", "message": "电话党课"})
        assert (late["recipients"], late["sent"], late["failed"]) == (1, 0, 1)
        [failed] = rows(education_database_url, select(deliveries).where(deliveries.c.push_id == late["id"]))
        assert failed.status == "failed" and "roster did not answer" in failed.reason
    finally:
        tap.close()


def test_phone_numbers_are_handed_to_a_delivering_service_only(roster):
    county = call(roster, "create_organisation", {"name": "高台县委", "kind": "party_committee"})["id"]
    with pytest.raises(ServiceError) as refused:
        call(roster, "member_contact_for_delivery", {"member_ids": [county]})
    assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError) as too_many:
        call(roster, "member_contact_for_delivery", {"member_ids": [county] * 501})
    assert too_many.value.code == "validation_failed"
