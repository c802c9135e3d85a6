"""Status is computed, never typed: every status, its precedence and the clock's boundaries
(services.roster.domain.status), and the status code on the kernel's fakes (services.roster.status)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from contracts.roster import MEMBER_STATUSES
from services.common.fakes import FixedClock
from services.roster import status as refresher
from services.roster import transfers, usecases
from services.roster.domain import status as s
from services.roster.domain.status import StatusFacts, derive_status
from tests.support import id_number
from tests.unit.roster.status_fakes import status_events
from tests.unit.roster.test_usecases import EVERYTHING, REFUSED, create, register, uow  # noqa: F401 (fixture)

LEFT = date(2026, 3, 2)  # due for check-in from 17 March (15 days), should transfer from 2 September


def test_the_contract_lists_every_status_and_only_those():
    assert set(MEMBER_STATUSES) == set(s.STATUSES)
    assert len(s.PRECEDENCE) == len(set(s.PRECEDENCE)) == 9


def test_at_home_with_nothing_else_is_normal():
    assert derive_status(StatusFacts(), date(2026, 3, 2), 15) == s.NORMAL


@pytest.mark.parametrize("today,checked_in,expected", [
    (date(2026, 3, 2), False, s.AWAY),                  # the day of leaving
    (date(2026, 3, 16), False, s.AWAY),                 # the day before the due day
    (date(2026, 3, 17), False, s.AWAITING_CHECK_IN),    # the due day itself counts
    (date(2026, 3, 17), True, s.AWAY),                  # checked in: not awaiting
    (date(2026, 9, 1), False, s.AWAITING_CHECK_IN),     # the day before six months
    (date(2026, 9, 1), True, s.AWAY),
    (date(2026, 9, 2), False, s.SHOULD_TRANSFER),       # exactly six months away
    (date(2026, 9, 2), True, s.SHOULD_TRANSFER),        # a check-in does not change six months
    (date(2027, 5, 1), True, s.SHOULD_TRANSFER),
])
def test_an_open_departure_by_the_clock(today, checked_in, expected):
    assert derive_status(StatusFacts(departed_on=LEFT, checked_in=checked_in), today, 15) == expected


def test_the_due_days_are_the_configured_ones():
    facts = StatusFacts(departed_on=LEFT)
    assert derive_status(facts, date(2026, 3, 9), 7) == s.AWAITING_CHECK_IN
    assert derive_status(facts, date(2026, 3, 8), 7) == s.AWAY


def test_six_months_from_a_month_end_is_the_shorter_months_last_day():
    facts = StatusFacts(departed_on=date(2026, 8, 31), checked_in=True)
    assert derive_status(facts, date(2027, 2, 27), 15) == s.AWAY
    assert derive_status(facts, date(2027, 2, 28), 15) == s.SHOULD_TRANSFER


# Each row: the facts that hold, and the status; every fact below the winner holds too.
PRECEDENCE_CASES = [
    (dict(removed=True, suspended=True, transferred_out=True, lost_contact=True, transfer_pending=True), s.REMOVED),
    (dict(suspended=True, transferred_out=True, lost_contact=True, transfer_pending=True), s.SUSPENDED),
    (dict(transferred_out=True, lost_contact=True, transfer_pending=True), s.TRANSFERRED_OUT),
    (dict(lost_contact=True, transfer_pending=True), s.LOST_CONTACT),
    (dict(transfer_pending=True), s.TRANSFER_PENDING),
]


@pytest.mark.parametrize("facts,expected", PRECEDENCE_CASES)
@pytest.mark.parametrize("departed_on", [None, LEFT])
def test_the_precedence_highest_first(facts, expected, departed_on):
    # away six months and more, so that should transfer is below them all
    assert derive_status(StatusFacts(departed_on=departed_on, **facts), date(2026, 12, 1), 15) == expected


def test_each_status_alone():
    today = date(2026, 12, 1)
    for flag, expected in [("removed", s.REMOVED), ("suspended", s.SUSPENDED), ("transferred_out", s.TRANSFERRED_OUT),
                           ("lost_contact", s.LOST_CONTACT), ("transfer_pending", s.TRANSFER_PENDING)]:
        assert derive_status(StatusFacts(**{flag: True}), today, 15) == expected


def test_a_member_transferred_while_away_is_away_neither_awaiting_nor_to_transfer():
    facts = StatusFacts(departed_on=LEFT, transferred_while_away=True)
    assert derive_status(facts, LEFT + timedelta(days=400), 15) == s.AWAY
    assert derive_status(StatusFacts(departed_on=LEFT, transferred_while_away=True, lost_contact=True),
                         LEFT + timedelta(days=400), 15) == s.LOST_CONTACT


def test_the_day_a_status_took_effect():
    facts = StatusFacts(departed_on=LEFT)
    late = date(2026, 10, 1)  # noticed late: the clock's statuses still know their day
    assert s.effective_on(s.SHOULD_TRANSFER, facts, late, 15) == date(2026, 9, 2)
    assert s.effective_on(s.AWAITING_CHECK_IN, facts, late, 15) == date(2026, 3, 17)
    assert s.effective_on(s.AWAY, facts, late, 15, default=LEFT) == LEFT
    assert s.effective_on(s.NORMAL, StatusFacts(), late, 15) == late
    # a departure reported ahead of the day: away from today, not from a day to come
    assert s.effective_on(s.AWAY, StatusFacts(departed_on=date(2026, 11, 1)), late, 15, default=date(2026, 11, 1)) == late


# ---- the status code on the fakes --------------------------------------------

DEPARTURE = {"destination_province": "甘肃省", "destination_city": "酒泉市瓜州县", "work": "枸杞采摘",
             "contact": "13900000001"}


def clock_on(day):
    return FixedClock(now=datetime(day.year, day.month, day.day, 2, 0, tzinfo=timezone.utc), today=day)


@pytest.fixture
def world(uow):  # noqa: F811
    county = create(uow, "高台县委", "party_committee")
    village = create(uow, "A1村党支部", "branch", county)
    other = create(uow, "B1村党支部", "branch", county)
    member = register(uow, village, id_number("1985-03-02", 140), name="甲")
    return {"uow": uow, "village": village, "other": other, "member": member}


def history(uow, member):
    return [(c.previous_status, c.status, c.effective_on, c.cause, c.changed_by)
            for c in uow.member_statuses.for_member(member.id)]


def test_registration_writes_the_first_status_without_member_status_changed(world):
    uow, member = world["uow"], world["member"]
    assert member.status == s.NORMAL
    assert history(uow, member) == [(None, s.NORMAL, date(2026, 3, 1), "member_registered", "user:admin")]
    assert status_events(uow) == []
    assert [e.event_type for e in uow.events][-1] == "member_registered"


def test_each_movement_changes_the_status_once_with_its_cause(world):
    uow, member = world["uow"], world["member"]
    usecases.report_departure(uow, member.id, {**DEPARTURE, "departed_on": LEFT}, clock_on(LEFT), EVERYTHING)
    assert member.status == s.AWAY
    # The clock: nothing until the due day, then awaiting check-in, once however often it runs.
    assert refresher.sweep_statuses(uow, clock_on(date(2026, 3, 16)), 15) == 0
    assert refresher.sweep_statuses(uow, clock_on(date(2026, 3, 17)), 15) == 1
    assert refresher.sweep_statuses(uow, clock_on(date(2026, 3, 17)), 15) == 0
    assert member.status == s.AWAITING_CHECK_IN
    usecases.report_check_in(uow, member.id, {"host_name": "瓜州县某社区", "host_place": "瓜州县",
                                              "checked_in_on": date(2026, 3, 20)}, clock_on(date(2026, 3, 20)),
                             EVERYTHING)
    assert member.status == s.AWAY
    assert refresher.sweep_statuses(uow, clock_on(date(2026, 9, 1)), 15) == 0
    assert refresher.sweep_statuses(uow, clock_on(date(2026, 9, 3)), 15) == 1  # noticed a day late
    assert member.status == s.SHOULD_TRANSFER
    usecases.report_return(uow, member.id, {"returned_on": date(2026, 9, 5)}, clock_on(date(2026, 9, 6)), EVERYTHING)
    assert member.status == s.NORMAL
    assert history(uow, member)[1:] == [
        (s.NORMAL, s.AWAY, LEFT, "member_departed", "user:admin"),
        (s.AWAY, s.AWAITING_CHECK_IN, date(2026, 3, 17), "clock", None),
        (s.AWAITING_CHECK_IN, s.AWAY, date(2026, 3, 20), "member_checked_in", "user:admin"),
        (s.AWAY, s.SHOULD_TRANSFER, date(2026, 9, 2), "clock", None),
        (s.SHOULD_TRANSFER, s.NORMAL, date(2026, 9, 5), "member_returned", "user:admin"),
    ]
    assert [(e["previous_status"], e["status"], e["cause"]) for e in status_events(uow)] == [
        (prev, new, cause) for prev, new, _, cause, _ in history(uow, member)[1:]]
    assert all(e["member_id"] == member.id and e["organisation_id"] == world["village"].id for e in status_events(uow))


def test_a_departure_reported_late_is_at_once_what_the_clock_says(world):
    uow, member = world["uow"], world["member"]
    usecases.report_departure(uow, member.id, {**DEPARTURE, "departed_on": LEFT}, clock_on(date(2026, 10, 1)),
                              EVERYTHING)
    assert member.status == s.SHOULD_TRANSFER
    assert history(uow, member)[-1][:3] == (s.NORMAL, s.SHOULD_TRANSFER, date(2026, 9, 2))


def test_a_refused_movement_changes_no_status(world):
    uow, member = world["uow"], world["member"]
    events = list(uow.events)
    with pytest.raises(REFUSED):
        usecases.report_check_in(uow, member.id, {"host_name": "x", "host_place": "y"}, clock_on(LEFT), EVERYTHING)
    assert uow.events == events and member.status == s.NORMAL and len(history(uow, member)) == 1


def test_a_transfer_is_pending_until_received_or_expired(world):
    from tests.unit.roster.test_transfers import FakeTransfers

    uow, member = world["uow"], world["member"]
    uow.transfers = FakeTransfers(uow.organisations)
    issued = date(2026, 3, 1)
    usecases.report_departure(uow, member.id, {**DEPARTURE, "departed_on": issued}, clock_on(issued), EVERYTHING)
    letter = transfers.issue_transfer(uow, member.id, {"to_organisation_id": world["other"].id,
                                                       "dues_paid_until": "2026-02"}, clock_on(issued), EVERYTHING)
    assert member.status == s.TRANSFER_PENDING
    # pending covers awaiting check-in: the clock's sweep leaves the member alone
    assert refresher.sweep_statuses(uow, clock_on(date(2026, 3, 20)), 15) == 0
    # the letter expires (valid through 31 March): the expiry sweep derives the status again
    assert transfers.expire_overdue_transfers(uow, clock_on(date(2026, 4, 1))) == 1
    assert member.status == s.AWAITING_CHECK_IN
    assert history(uow, member)[-1] == (s.TRANSFER_PENDING, s.AWAITING_CHECK_IN, date(2026, 3, 16),
                                        "member_transfer_expired", None)
    again = transfers.reissue_transfer(uow, letter.id, {}, clock_on(date(2026, 4, 2)), EVERYTHING)
    assert member.status == s.TRANSFER_PENDING
    transfers.receive_transfer(uow, again.id, clock_on(date(2026, 4, 3)), EVERYTHING)
    # in the new branch, which manages the member where they are: away, neither awaiting check-in nor to transfer
    assert member.status == s.AWAY and member.organisation_id == world["other"].id
    assert refresher.sweep_statuses(uow, clock_on(date(2026, 12, 1)), 15) == 0 and member.status == s.AWAY
    last = uow.member_statuses.for_member(member.id)[-1]
    assert (last.cause, last.organisation_id) == ("member_transferred", world["other"].id)


def test_a_letter_received_outside_the_platform_is_transferred_out_for_good(world):
    from tests.unit.roster.test_transfers import FakeTransfers

    uow, member = world["uow"], world["member"]
    uow.transfers = FakeTransfers(uow.organisations)
    letter = transfers.issue_transfer(uow, member.id, {"to_name": "兰州市某街道党工委", "to_place": "兰州市",
                                                       "dues_paid_until": "2026-02"}, clock_on(LEFT), EVERYTHING)
    transfers.receive_transfer(uow, letter.id, clock_on(LEFT), EVERYTHING)
    assert member.status == s.TRANSFERRED_OUT
    usecases.report_departure(uow, member.id, {**DEPARTURE, "departed_on": LEFT}, clock_on(LEFT), EVERYTHING)
    assert member.status == s.TRANSFERRED_OUT
    assert refresher.sweep_statuses(uow, clock_on(date(2027, 1, 1)), 15) == 0
    with pytest.raises(REFUSED) as refused:
        transfers.issue_transfer(uow, member.id, {"to_name": "x", "to_place": "y", "dues_paid_until": "2026-02"},
                                 clock_on(LEFT), EVERYTHING)
    assert refused.value.code == "member_transferred_out"


def test_the_sweep_goes_in_batches(world):
    uow = world["uow"]
    members = [register(uow, world["village"], id_number("1980-01-01", 200 + i), name=f"乙{i}") for i in range(5)]
    for member in members:
        usecases.report_departure(uow, member.id, {**DEPARTURE, "departed_on": LEFT}, clock_on(LEFT), EVERYTHING)
    later = clock_on(date(2026, 4, 1))
    assert [refresher.sweep_statuses(uow, later, 15, batch=2) for _ in range(4)] == [2, 2, 1, 0]
    assert {m.status for m in members} == {s.AWAITING_CHECK_IN}


def test_the_history_is_read_with_the_member_and_only_by_who_sees_them(world):
    from contracts.access import Scope

    uow, member = world["uow"], world["member"]
    assert [c.status for c in refresher.status_history(uow, member.id, EVERYTHING)] == [s.NORMAL]
    stranger = Scope.of(organisation_ids=[world["other"].id], principal="user:other")
    with pytest.raises(REFUSED) as refused:
        refresher.status_history(uow, member.id, stranger)
    assert refused.value.code == "member_not_found"
