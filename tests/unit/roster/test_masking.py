"""Personal fields leave the roster masked unless the caller's scope reveals them."""
from datetime import date, datetime, timezone

import pytest

from contracts.access import PERSONAL_FIELDS, mask_contact, mask_id_number, mask_phone
from services.roster import schemas
from contracts.access import Scope
from services.roster.domain.member import DepartureReport, Member
from services.roster.domain.organisation import Organisation

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
ID_NUMBER, PHONE, CONTACT = "62072419850302123X", "13900000001", "13800000002"


@pytest.fixture
def away_member():
    county = Organisation(id="c", name="c", kind="party_committee", created_at=NOW)
    branch = Organisation(id="b", name="b", kind="branch", parent=county, created_at=NOW)
    member = Member(id="m", name="张三", gender="male", birth_date=date(1985, 3, 2), id_number=ID_NUMBER,
                    phone=PHONE, joined_on=date(2010, 7, 1), membership="full", organisation=branch, registered_at=NOW)
    member.report_departure(departure_id="d", reported_at=NOW, report=DepartureReport(
        departed_on=date(2026, 3, 2), destination_province="甘肃省", destination_city="酒泉市", work="建筑", contact=CONTACT))
    return member


def seen(reveal):
    return Scope.of(organisation_ids=None, reveal=reveal)


def personal(dumped):
    return dumped["id_number"], dumped["phone"], dumped["current_departure"]["contact"]


@pytest.mark.parametrize("reveal, expected", [
    ([], (mask_id_number(ID_NUMBER), mask_phone(PHONE), mask_contact(CONTACT))),
    (["phone", "contact"], (mask_id_number(ID_NUMBER), PHONE, CONTACT)),
    (["id_number"], (ID_NUMBER, mask_phone(PHONE), mask_contact(CONTACT))),
    (list(PERSONAL_FIELDS), (ID_NUMBER, PHONE, CONTACT)),
])
def test_each_personal_field_is_masked_unless_revealed(away_member, reveal, expected):
    assert personal(schemas.dump_member(away_member, seen(reveal))) == expected
    page = schemas.dump_member_page([away_member], 1, {"page": 1, "per_page": 20}, seen(reveal))
    assert personal(page["items"][0]) == expected
    export = schemas.dump_member_export([away_member], 1, seen(reveal))
    assert personal(export["items"][0]) == expected and export["total"] == 1
    assert schemas.dump_departure(away_member.current_departure, seen(reveal))["contact"] == expected[2]


def test_masked_values_keep_nothing_but_the_ends(away_member):
    dumped = schemas.dump_member(away_member, seen([]))
    assert dumped["id_number"] == "620***********123X" and dumped["phone"] == "139****0001"
    assert ID_NUMBER not in str(dumped) and PHONE not in str(dumped) and CONTACT not in str(dumped)


def test_masking_never_changes_the_member(away_member):
    schemas.dump_member(away_member, seen([]))
    assert (away_member.id_number, away_member.phone, away_member.current_departure.contact) == (ID_NUMBER, PHONE, CONTACT)
