"""Personal fields leave the roster masked unless the caller's scope reveals them."""
from datetime import date, datetime, timezone

import pytest

from contracts.access import PERSONAL_FIELDS, Scope, mask_contact, mask_id_number, mask_phone, mask_text
from contracts.roster import REVEALS
from services.roster import schemas
from services.roster.domain.member import DepartureReport, Member
from services.roster.domain.organisation import Organisation

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
from tests.support import id_number

BIRTH = date(1985, 3, 2)
ID_NUMBER, PHONE, CONTACT = id_number(BIRTH, 123), "13900000001", "13800000002"
ADDRESS = "新疆乌鲁木齐市天山区解放北路12号"


@pytest.fixture
def away_member():
    county = Organisation(id="c", name="c", kind="party_committee", created_at=NOW)
    branch = Organisation(id="b", name="b", kind="branch", parent=county, created_at=NOW)
    member = Member(id="m", name="张三", gender="male", birth_date=BIRTH, id_number=ID_NUMBER,
                    phone=PHONE, joined_on=date(2010, 7, 1), membership="full", organisation=branch, registered_at=NOW)
    member.report_departure(departure_id="d", reported_at=NOW, report=DepartureReport(
        departed_on=date(2026, 3, 2), destination_province="甘肃省", destination_city="酒泉市", work="建筑", contact=CONTACT,
        destination_address=ADDRESS))
    return member


def seen(reveal):
    return Scope.of(organisation_ids=None, reveal=reveal)


def personal(dumped):
    departure = dumped["current_departure"]
    return (dumped["id_number"], dumped["birth_date"], dumped["phone"], departure["contact"],
            departure["destination_address"])


MASKED = (mask_id_number(ID_NUMBER), None, mask_phone(PHONE), mask_contact(CONTACT), mask_text(ADDRESS))
SHOWN = (ID_NUMBER, BIRTH.isoformat(), PHONE, CONTACT, ADDRESS)


def expected(reveal):
    return tuple(shown if field in reveal else masked for field, shown, masked in zip(PERSONAL_FIELDS, SHOWN, MASKED))


@pytest.mark.parametrize("reveal", [
    [], ["phone", "contact"], ["id_number"], ["destination_address"], ["birth_date"], list(PERSONAL_FIELDS),
    *REVEALS.values(),
])
def test_each_personal_field_is_masked_unless_revealed(away_member, reveal):
    want = expected(reveal)
    assert personal(schemas.dump_member(away_member, seen(reveal))) == want
    page = schemas.dump_member_page([away_member], 1, {"page": 1, "per_page": 20}, seen(reveal))
    assert personal(page["items"][0]) == want
    export = schemas.dump_member_export([away_member], 1, seen(reveal))
    assert personal(export["items"][0]) == want and export["total"] == 1
    departure = schemas.dump_departure(away_member.current_departure, seen(reveal))
    assert (departure["contact"], departure["destination_address"]) == want[3:]
    # The year of birth is always there, masked or not.
    assert schemas.dump_member(away_member, seen(reveal))["birth_year"] == 1985


def test_masked_values_keep_nothing_but_the_last_four_and_the_year(away_member):
    dumped = schemas.dump_member(away_member, seen([]))
    assert dumped["id_number"] == "*" * 14 + ID_NUMBER[-4:] and dumped["phone"] == "139****0001"
    assert dumped["birth_date"] is None and dumped["birth_year"] == 1985
    # Neither the region code nor the birth date inside the number shows anywhere.
    assert ID_NUMBER[:6] not in str(dumped) and ID_NUMBER[6:14] not in str(dumped) and BIRTH.isoformat() not in str(dumped)
    assert dumped["current_departure"]["destination_address"] == "新" + "*" * (len(ADDRESS) - 2) + "号"
    for value in (ID_NUMBER, PHONE, CONTACT, ADDRESS):
        assert value not in str(dumped)


def test_the_masks_of_odd_values():
    assert mask_id_number("12345") == "*2345" and mask_id_number("1234") == "****" and mask_id_number("") == ""
    assert mask_text("a") == "a*" and mask_text("ab") == "a*b" and mask_text(None) is None
    assert mask_contact("weixin_1") == "w******1" and mask_contact("13900000001") == "139****0001"


def test_masking_never_changes_the_member(away_member):
    schemas.dump_member(away_member, seen([]))
    assert (away_member.id_number, away_member.birth_date, away_member.phone, away_member.current_departure.contact,
            away_member.current_departure.destination_address) == (ID_NUMBER, BIRTH, PHONE, CONTACT, ADDRESS)
