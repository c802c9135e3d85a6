"""组织关系转接: the letter's rules (validity, expiry boundary, one pending letter, receipt,
re-issue) and the use cases on the kernel's fakes, with a fixed county calendar."""
from datetime import date, datetime, timedelta, timezone

import pytest

from contracts.access import Scope
from services.common.fakes import FakeRepository, FixedClock
from services.roster import transfers
from services.roster.domain import transfer as rules
from tests.support import id_number
from tests.unit.roster import pocket_fakes
from tests.unit.roster.test_usecases import EVERYTHING, REFUSED, create, register, uow  # noqa: F401 (fixture)

ISSUED = date(2026, 3, 1)


def clock_on(day):
    return FixedClock(now=datetime(day.year, day.month, day.day, 2, 0, tzinfo=timezone.utc), today=day)


class FakeTransfers(FakeRepository):
    def __init__(self, organisations):
        super().__init__()
        self.organisations = organisations

    def pending_for(self, member_id):
        return next((t for t in self.rows.values() if t.pending_for_member_id == str(member_id)), None)

    def overdue(self, today, limit):
        return [t for t in self.rows.values() if t.state == rules.PENDING and t.valid_until < today][:limit]

    def list(self, *, scope, organisation, direction, state, member_id, today, offset, limit):
        def within(organisation_id):
            other = self.organisations.get(organisation_id) if organisation_id else None
            if other is None:
                return False
            return (organisation is None or other.path.startswith(organisation.path)) and scope.sees_organisation(other)

        found = [
            t for t in self.rows.values()
            if (direction != "received" and within(t.from_organisation_id)
                or direction != "sent" and within(t.to_organisation_id)
                or organisation is None and scope.is_self(t.member_id))
            and (not state or t.state_on(today) == state) and (not member_id or t.member_id == str(member_id))
        ]
        return found[offset:offset + limit], len(found)


@pytest.fixture
def world(uow):  # noqa: F811
    uow.transfers = FakeTransfers(uow.organisations)
    pocket_fakes.install(uow)  # an expired letter makes a pocket-member candidate (issue 8)
    county = create(uow, "高台县委", "party_committee")
    town_a, town_b = create(uow, "A镇党委", "party_committee", county), create(uow, "B镇党委", "party_committee", county)
    a1, b1 = create(uow, "A1村党支部", "branch", town_a), create(uow, "B1村党支部", "branch", town_b)
    station = create(uow, "服务站", "service_station", county)
    member = register(uow, a1, id_number("1985-03-02", 140), name="甲")
    return {"uow": uow, "county": county, "town_a": town_a, "town_b": town_b, "a1": a1, "b1": b1, "station": station,
            "member": member}


def issue(w, day=ISSUED, scope=EVERYTHING, **command):
    body = {"to_organisation_id": w["b1"].id, "dues_paid_until": "2026-02", **command}
    return transfers.issue_transfer(w["uow"], w["member"].id, body, clock_on(day), scope)


def events(w, event_type):
    return [e.envelope()["data"] for e in w["uow"].events if e.event_type == event_type]


def refused(call, code):
    with pytest.raises(REFUSED) as error:
        call()
    assert error.value.code == code, error.value
    return error.value


# ---- the calendar -------------------------------------------------------------

def test_the_default_validity_is_30_days():
    assert rules.validity(ISSUED) == date(2026, 3, 31)


@pytest.mark.parametrize("issued, latest", [
    (date(2026, 3, 1), date(2026, 6, 1)),
    (date(2026, 11, 30), date(2027, 2, 28)),   # the month is shorter: its last day
    (date(2027, 11, 30), date(2028, 2, 29)),   # a leap year
    (date(2026, 10, 31), date(2027, 1, 31)),
])
def test_three_months_are_calendar_months(issued, latest):
    assert rules.validity(issued, latest) == latest
    error = refused(lambda: rules.validity(issued, latest + timedelta(days=1)), "validation_failed")
    assert "valid_until" in error.details and latest.isoformat() in error.details["valid_until"][0]


def test_a_letter_cannot_end_before_it_is_issued():
    assert rules.validity(ISSUED, ISSUED) == ISSUED
    assert "valid_until" in refused(lambda: rules.validity(ISSUED, ISSUED - timedelta(days=1)), "validation_failed").details


# ---- issuing --------------------------------------------------------------------

def test_issuing_records_a_pending_letter_and_member_transfer_started(world):
    letter = issue(world)
    assert letter.state == "pending" and letter.valid_until == date(2026, 3, 31) and letter.issued_on == ISSUED
    assert world["member"].organisation_id == world["a1"].id  # the old branch stays responsible
    assert events(world, "member_transfer_started") == [{
        "transfer_id": letter.id, "member_id": world["member"].id, "from_organisation_id": world["a1"].id,
        "to_organisation_id": world["b1"].id, "to_name": "B1村党支部", "issued_on": "2026-03-01",
        "valid_until": "2026-03-31", "dues_paid_until": "2026-02", "reissue_of": None,
    }]


def test_a_letter_over_three_months_is_refused_and_records_nothing(world):
    error = refused(lambda: issue(world, valid_until=date(2026, 6, 2)), "validation_failed")
    assert "valid_until" in error.details
    assert world["uow"].transfers.rows == {} and events(world, "member_transfer_started") == []


def test_a_second_pending_letter_is_refused(world):
    first = issue(world)
    error = refused(lambda: issue(world, to_organisation_id=None, to_name="昌吉市某社区党支部", to_place="新疆昌吉市"),
                    "transfer_already_pending")
    assert error.details == {"pending_transfer_id": first.id}
    assert len(world["uow"].transfers.rows) == 1


def test_a_letter_goes_to_another_branch(world):
    assert "to_organisation_id" in refused(lambda: issue(world, to_organisation_id=world["a1"].id), "validation_failed").details
    assert "to_organisation_id" in refused(lambda: issue(world, to_organisation_id=world["station"].id), "not_a_branch").details
    assert "to_organisation_id" in refused(lambda: issue(world, to_organisation_id="nope"), "unknown_reference").details
    assert "dues_paid_until" in refused(lambda: issue(world, dues_paid_until="2026-13"), "validation_failed").details
    assert world["uow"].transfers.rows == {}


def test_a_letter_may_go_to_a_branch_outside_the_callers_scope(world):
    town_a = Scope.of(organisation_ids=[world["town_a"].id], principal="user:a")
    letter = issue(world, scope=town_a)
    assert letter.to_organisation_id == world["b1"].id and letter.issued_by == "user:a"
    other = Scope.of(organisation_ids=[world["town_b"].id], principal="user:b")
    refused(lambda: transfers.issue_transfer(world["uow"], world["member"].id, {"dues_paid_until": "2026-02",
                                             "to_organisation_id": world["a1"].id}, clock_on(ISSUED), other),
            "member_not_found")


# ---- expiry: valid through valid_until, expired the day after ----------------------------

def test_a_letter_expiring_today_is_received_today(world):
    letter = issue(world)
    received = transfers.receive_transfer(world["uow"], letter.id, clock_on(date(2026, 3, 31)), EVERYTHING)
    assert received.state == "received" and received.received_on == date(2026, 3, 31)
    assert world["member"].organisation_id == world["b1"].id
    [event] = events(world, "member_transferred")
    assert event == {"transfer_id": letter.id, "member_id": world["member"].id, "from_organisation_id": world["a1"].id,
                     "to_organisation_id": world["b1"].id, "transferred_out": False, "received_on": "2026-03-31"}


def test_a_receipt_the_day_after_is_refused_as_expired_and_changes_nothing(world):
    letter = issue(world)
    before = list(world["uow"].events)
    error = refused(lambda: transfers.receive_transfer(world["uow"], letter.id, clock_on(date(2026, 4, 1)), EVERYTHING),
                    "transfer_expired")
    assert error.details == {"valid_until": "2026-03-31"}
    assert world["member"].organisation_id == world["a1"].id
    # The fake does not roll back: the expiry is checked before anything changes.
    assert letter.state == "pending" and world["uow"].events == before


def test_the_sweep_expires_only_what_has_passed_once(world):
    letter = issue(world)
    assert transfers.expire_overdue_transfers(world["uow"], clock_on(date(2026, 3, 31))) == 0
    assert letter.state == "pending" and letter.state_on(date(2026, 3, 31)) == "pending"
    assert letter.state_on(date(2026, 4, 1)) == "expired"
    assert transfers.expire_overdue_transfers(world["uow"], clock_on(date(2026, 4, 1))) == 1
    assert transfers.expire_overdue_transfers(world["uow"], clock_on(date(2026, 4, 2))) == 0
    assert letter.state == "expired" and letter.expired_on == date(2026, 4, 1) and letter.pending_for_member_id is None
    assert events(world, "member_transfer_expired") == [{
        "transfer_id": letter.id, "member_id": world["member"].id, "from_organisation_id": world["a1"].id,
        "to_organisation_id": world["b1"].id, "valid_until": "2026-03-31", "expired_on": "2026-04-01"}]


def test_reading_an_overdue_letter_records_its_expiry(world):
    letter = issue(world)
    assert transfers.get_transfer(world["uow"], letter.id, clock_on(date(2026, 3, 31)), EVERYTHING).state == "pending"
    assert transfers.get_transfer(world["uow"], letter.id, clock_on(date(2026, 4, 1)), EVERYTHING).state == "expired"
    transfers.get_transfer(world["uow"], letter.id, clock_on(date(2026, 4, 2)), EVERYTHING)
    assert len(events(world, "member_transfer_expired")) == 1


def test_an_expired_letter_frees_the_member_for_a_new_one(world):
    old = issue(world)
    new = issue(world, day=date(2026, 4, 1))
    assert old.state == "expired" and new.state == "pending" and new.reissue_of is None


# ---- re-issue -----------------------------------------------------------------------

def test_an_expired_letter_is_reissued_referring_to_it(world):
    old = issue(world)
    new = transfers.reissue_transfer(world["uow"], old.id, {"dues_paid_until": "2026-03"}, clock_on(date(2026, 4, 5)),
                                     EVERYTHING)
    assert new.reissue_of == old.id and old.reissued_as == new.id and new.state == "pending"
    assert new.to_organisation_id == world["b1"].id and new.issued_on == date(2026, 4, 5)
    assert new.valid_until == date(2026, 5, 5) and new.dues_paid_until == "2026-03"
    assert [e["reissue_of"] for e in events(world, "member_transfer_started")] == [None, old.id]
    assert len(events(world, "member_transfer_expired")) == 1  # recorded on access, before the new letter
    refused(lambda: transfers.reissue_transfer(world["uow"], old.id, {}, clock_on(date(2026, 4, 6)), EVERYTHING),
            "transfer_already_reissued")


def test_a_letter_is_not_reissued_for_a_member_who_moved_since(world):
    old = issue(world)
    newer = issue(world, day=date(2026, 4, 1), to_organisation_id=world["b1"].id)
    transfers.receive_transfer(world["uow"], newer.id, clock_on(date(2026, 4, 1)), EVERYTHING)
    error = refused(lambda: transfers.reissue_transfer(world["uow"], old.id, {}, clock_on(date(2026, 4, 2)), EVERYTHING),
                    "transfer_superseded")
    assert error.details == {"from_organisation_id": world["a1"].id} and old.reissued_as is None


def test_only_an_expired_letter_is_reissued(world):
    letter = issue(world)
    refused(lambda: transfers.reissue_transfer(world["uow"], letter.id, {}, clock_on(date(2026, 3, 31)), EVERYTHING),
            "transfer_not_expired")
    transfers.receive_transfer(world["uow"], letter.id, clock_on(ISSUED), EVERYTHING)
    refused(lambda: transfers.reissue_transfer(world["uow"], letter.id, {}, clock_on(date(2026, 4, 5)), EVERYTHING),
            "transfer_not_expired")
    refused(lambda: transfers.receive_transfer(world["uow"], letter.id, clock_on(ISSUED), EVERYTHING),
            "transfer_not_pending")


# ---- outside the platform, scopes and lists ----------------------------------------------

def test_a_receipt_from_outside_the_platform_transfers_the_member_out(world):
    letter = issue(world, to_organisation_id=None, to_name="昌吉市某社区党支部", to_place="新疆昌吉市", dues_paid_until="2026-02")
    assert letter.to_organisation_id is None and letter.to_place == "新疆昌吉市"
    # The sender records the paper receipt.
    sender = Scope.of(organisation_ids=[world["a1"].id], principal="user:a1")
    transfers.receive_transfer(world["uow"], letter.id, clock_on(ISSUED), sender)
    assert world["member"].status == "transferred_out" and world["member"].organisation_id == world["a1"].id
    assert events(world, "member_transferred")[0]["transferred_out"] is True
    refused(lambda: issue(world, day=date(2026, 3, 2)), "member_transferred_out")


def test_the_receiving_side_records_the_receipt_and_both_sides_keep_the_history(world):
    letter = issue(world)
    sender = Scope.of(organisation_ids=[world["town_a"].id], principal="user:a")
    receiver = Scope.of(organisation_ids=[world["town_b"].id], principal="user:b")
    stranger = Scope.of(organisation_ids=[world["station"].id], principal="user:s")
    refused(lambda: transfers.receive_transfer(world["uow"], letter.id, clock_on(ISSUED), sender), "forbidden")
    refused(lambda: transfers.receive_transfer(world["uow"], letter.id, clock_on(ISSUED), stranger), "transfer_not_found")
    refused(lambda: transfers.get_transfer(world["uow"], letter.id, clock_on(ISSUED), stranger), "transfer_not_found")
    transfers.receive_transfer(world["uow"], letter.id, clock_on(ISSUED), receiver)
    assert world["member"].organisation_id == world["b1"].id

    page = {"page": 1, "per_page": 20}
    for scope, organisation, direction in ((sender, world["a1"], "sent"), (receiver, world["b1"], "received")):
        items, _ = transfers.list_transfers(world["uow"], {**page, "organisation_id": organisation.id,
                                                               "direction": direction}, clock_on(ISSUED), scope)
        assert [t.id for t in items] == [letter.id] and items[0].state == "received"
    items, _ = transfers.list_transfers(world["uow"], {**page, "direction": "received"}, clock_on(ISSUED), sender)
    assert items == []
    refused(lambda: transfers.list_transfers(world["uow"], {**page, "organisation_id": world["b1"].id},
                                             clock_on(ISSUED), sender), "unknown_reference")


def test_the_list_filters_by_state_as_of_today(world):
    letter = issue(world)
    page = {"page": 1, "per_page": 20}
    items, _ = transfers.list_transfers(world["uow"], {**page, "state": "expired"}, clock_on(date(2026, 4, 1)), EVERYTHING)
    assert [t.id for t in items] == [letter.id]
    items, _ = transfers.list_transfers(world["uow"], {**page, "state": "pending"}, clock_on(date(2026, 4, 1)), EVERYTHING)
    assert items == []


def test_unknown_ids_are_not_found(world):
    refused(lambda: transfers.get_transfer(world["uow"], "nope", clock_on(ISSUED), EVERYTHING), "transfer_not_found")
    refused(lambda: transfers.receive_transfer(world["uow"], "nope", clock_on(ISSUED), EVERYTHING), "transfer_not_found")
    refused(lambda: transfers.reissue_transfer(world["uow"], "nope", {}, clock_on(ISSUED), EVERYTHING), "transfer_not_found")
    refused(lambda: transfers.issue_transfer(world["uow"], "nope", {"to_organisation_id": world["b1"].id,
                                             "dues_paid_until": "2026-02"}, clock_on(ISSUED), EVERYTHING), "member_not_found")
