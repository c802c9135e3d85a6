"""Outreach's rules (services.outreach.domain): the four ones due and overdue across period
boundaries, one-to-many pairings, whom a campaign lists, help-case timelines, reserve reviews and
two-way cultivation."""
from datetime import date

import pytest

from contracts.errors import ErrorCode, RuleViolation
from contracts.outreach import HelpPairingCreateSchema
from services.outreach.domain import care, four_ones, reserve


def states(items):
    return {(item.period.start, item.item): item.state for item in items}


# ---- periods and the four ones ------------------------------------------------------------------

@pytest.mark.parametrize(("day", "period", "start", "end"), [
    (date(2026, 3, 31), "quarter", date(2026, 1, 1), date(2026, 3, 31)),
    (date(2026, 4, 1), "quarter", date(2026, 4, 1), date(2026, 6, 30)),
    (date(2026, 12, 31), "quarter", date(2026, 10, 1), date(2026, 12, 31)),
    (date(2026, 2, 14), "month", date(2026, 2, 1), date(2026, 2, 28)),
    (date(2028, 2, 29), "month", date(2028, 2, 1), date(2028, 2, 29)),
    (date(2026, 12, 31), "month", date(2026, 12, 1), date(2026, 12, 31)),
    (date(2026, 7, 1), "year", date(2026, 1, 1), date(2026, 12, 31)),
])
def test_a_period_is_the_calendar_month_quarter_or_year_holding_the_day(day, period, start, end):
    assert four_ones.period_of(day, period) == four_ones.Period(start, end)


def test_on_the_last_day_of_a_period_its_missing_items_are_due_and_the_next_day_overdue():
    contacts = {"phone_call": [date(2026, 2, 3)]}

    last_day = states(four_ones.four_ones(date(2026, 1, 10), None, date(2026, 3, 31), "quarter", contacts))
    next_day = states(four_ones.four_ones(date(2026, 1, 10), None, date(2026, 4, 1), "quarter", contacts))

    q1 = date(2026, 1, 1)
    assert last_day == {(q1, "phone_call"): "done", (q1, "text_message"): "due", (q1, "study_material"): "due",
                        (q1, "letter"): "due"}
    assert next_day[(q1, "phone_call")] == "done"
    assert [next_day[(q1, item)] for item in ("text_message", "study_material", "letter")] == ["overdue"] * 3
    # The new quarter starts owing all four again: the call of February does not count for April.
    q2 = date(2026, 4, 1)
    assert [next_day[(q2, item)] for item in four_ones.ITEMS] == ["due"] * 4


def test_a_contact_counts_for_the_period_it_falls_in_only():
    contacts = {"letter": [date(2026, 3, 31)]}  # the last day of Q1, not the first of Q2

    found = states(four_ones.four_ones(date(2026, 1, 1), None, date(2026, 4, 15), "quarter", contacts))

    assert found[(date(2026, 1, 1), "letter")] == "done"
    assert found[(date(2026, 4, 1), "letter")] == "due"


def test_a_contact_before_the_pairing_started_does_not_count():
    found = four_ones.four_ones(date(2026, 2, 10), None, date(2026, 2, 20), "month",
                                {"phone_call": [date(2026, 2, 9)], "text_message": [date(2026, 2, 10)]})

    assert states(found)[(date(2026, 2, 1), "phone_call")] == "due"
    assert states(found)[(date(2026, 2, 1), "text_message")] == "done"
    assert [item.done_on for item in found if item.item == "text_message"] == [date(2026, 2, 10)]


def test_a_monthly_pairing_looks_back_four_periods_and_not_before_it_started():
    long_ago = four_ones.four_ones(date(2025, 1, 1), None, date(2026, 6, 15), "month", {})
    recent = four_ones.four_ones(date(2026, 5, 20), None, date(2026, 6, 15), "month", {})

    assert sorted({item.period.start for item in long_ago}) == [date(2026, month, 1) for month in (2, 3, 4, 5, 6)]
    assert sorted({item.period.start for item in recent}) == [date(2026, 5, 1), date(2026, 6, 1)]
    assert {item.state for item in recent if item.period.start == date(2026, 5, 1)} == {"overdue"}


def test_an_ended_pairing_owes_nothing_for_the_period_it_ended_in_nor_after():
    ended_mid_quarter = four_ones.four_ones(date(2026, 1, 1), date(2026, 5, 10), date(2026, 9, 1), "quarter", {})
    ended_on_the_last_day = four_ones.four_ones(date(2026, 1, 1), date(2026, 6, 30), date(2026, 9, 1), "quarter", {})

    assert {item.period.start for item in ended_mid_quarter} == {date(2026, 1, 1)}
    assert {item.period.start for item in ended_on_the_last_day} == {date(2026, 1, 1), date(2026, 4, 1)}


def test_a_pairing_not_started_yet_owes_nothing():
    assert four_ones.four_ones(date(2026, 7, 1), None, date(2026, 6, 30), "quarter", {}) == []


def test_only_the_four_channels_keep_the_four_ones():
    assert {channel: four_ones.four_one_of(channel) for channel in ("phone", "text", "mail", "letter", "visit",
                                                                    "online_chat")} == {
        "phone": "phone_call", "text": "text_message", "mail": "study_material", "letter": "letter",
        "visit": None, "online_chat": None}


# ---- pairings: 1+1 and 1+N ---------------------------------------------------------------------

BRANCH, CADRE, A, B, C = (f"00000000-0000-4000-8000-00000000000{n}" for n in range(5))


def pairing(**changes):
    return {"organisation_id": BRANCH, "cadre_member_id": CADRE, "member_ids": [A], "starts_on": "2026-01-01",
            **changes}


def test_one_member_is_one_to_one_and_several_one_to_many():
    assert four_ones.pairing_kind([A]) == "one_to_one"
    assert four_ones.pairing_kind([A, B, C]) == "one_to_many"


def test_a_pairing_is_a_quarter_by_default_and_owes_each_member_their_own_four():
    loaded = HelpPairingCreateSchema().load(pairing(member_ids=[A, B]))
    assert loaded["period"] == "quarter"
    # Each member of a 1+N pairing is owed the four ones: A's call does not keep B's.
    contacts = {A: {"phone_call": [date(2026, 1, 5)]}, B: {}}
    owed = {member: states(four_ones.four_ones(date(2026, 1, 1), None, date(2026, 1, 31), "quarter", days))
            for member, days in contacts.items()}
    assert owed[A][(date(2026, 1, 1), "phone_call")] == "done"
    assert owed[B][(date(2026, 1, 1), "phone_call")] == "due"


@pytest.mark.parametrize(("changes", "field"), [
    ({"member_ids": []}, "member_ids"),
    ({"member_ids": [A, A]}, "member_ids"),
    ({"member_ids": [CADRE]}, "member_ids"),
    ({"member_ids": [f"00000000-0000-4000-8000-{n:012d}" for n in range(51)]}, "member_ids"),
    ({"period": "week"}, "period"),
])
def test_a_pairing_names_each_member_once_and_never_its_committee_member(changes, field):
    with pytest.raises(Exception) as refused:
        HelpPairingCreateSchema().load(pairing(**changes))
    assert field in refused.value.messages


# ---- campaigns ---------------------------------------------------------------------------------------

def situation(member_id, status="normal", returned=None, open_cases=0):
    return care.MemberSituation(member_id, BRANCH, status, returned, open_cases)


SPRING = date(2027, 1, 20)


def test_a_campaign_lists_each_member_once_under_the_first_group_they_fall_in():
    members = [
        situation("away", status="away"),
        situation("lost", status="lost_contact"),
        situation("home-in-autumn", returned=date(2026, 10, 1)),
        situation("home-long-ago", returned=date(2025, 12, 1)),
        situation("home-with-a-case", returned=date(2026, 11, 1), open_cases=1),
        situation("hardship", open_cases=2),
        situation("removed", status="removed", open_cases=1),
        situation("neither"),
    ]

    listed = care.campaign_list(members, ["away_families", "returned_members", "hardship"], SPRING)

    assert [(member.member_id, group) for member, group in listed] == [
        ("away", "away_families"), ("lost", "away_families"), ("home-in-autumn", "returned_members"),
        ("home-with-a-case", "returned_members"), ("hardship", "hardship")]


def test_the_county_chooses_the_groups_and_their_order():
    members = [situation("home-with-a-case", returned=date(2026, 11, 1), open_cases=1), situation("away", "away")]

    assert [(m.member_id, g) for m, g in care.campaign_list(members, ["hardship"], SPRING)] == [
        ("home-with-a-case", "hardship")]
    assert [(m.member_id, g) for m, g in care.campaign_list(members, ["hardship", "returned_members"], SPRING)] == [
        ("home-with-a-case", "hardship")]


def test_returned_within_a_year_counts_the_boundary_day_and_not_a_return_after_the_start():
    on_the_day_a_year_before = situation("a", returned=date(2026, 1, 20))
    a_day_more = situation("b", returned=date(2026, 1, 19))
    after_the_start = situation("c", returned=date(2027, 1, 21))

    listed = care.campaign_list([on_the_day_a_year_before, a_day_more, after_the_start], ["returned_members"], SPRING)

    assert [member.member_id for member, _ in listed] == ["a"]


# ---- visits and help cases -----------------------------------------------------------------------------

def test_a_visit_is_due_within_its_days_and_late_when_made_after():
    assert care.homecoming_visit_due(date(2027, 1, 25)) == date(2027, 2, 24)
    assert care.overdue(date(2027, 2, 24), date(2027, 2, 24), date(2027, 3, 1)) is False
    assert care.overdue(date(2027, 2, 24), date(2027, 2, 25), date(2027, 3, 1)) is True
    assert care.overdue(date(2027, 2, 24), None, date(2027, 2, 24)) is False
    assert care.overdue(date(2027, 2, 24), None, date(2027, 2, 25)) is True


def test_a_visit_is_recorded_once_and_not_before_it_was_scheduled():
    with pytest.raises(RuleViolation) as twice:
        care.check_visit_completion("completed", date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3))
    with pytest.raises(RuleViolation) as before:
        care.check_visit_completion("scheduled", date(2027, 1, 2), date(2027, 1, 1), date(2027, 1, 3))
    with pytest.raises(RuleViolation) as future:
        care.check_visit_completion("scheduled", date(2027, 1, 1), date(2027, 1, 4), date(2027, 1, 3))
    assert twice.value.code == ErrorCode.ALREADY_RECORDED
    assert (before.value.details, future.value.details) == (
        {"visited_on": ["not before the visit was scheduled"]}, {"visited_on": ["not in the future"]})


def entry(on, kind, sequence, due_on=None):
    return care.TimelineEntry(on, kind, None, due_on, "user:1", sequence)


def test_a_help_case_timeline_runs_by_day_then_as_recorded_and_its_last_moved_date_holds():
    recorded = [entry(date(2026, 5, 1), "opened", 0, due_on=date(2026, 5, 31)),
                entry(date(2026, 5, 20), "due_moved", 1, due_on=date(2026, 6, 30)),
                entry(date(2026, 5, 10), "note", 2),  # entered late, of an earlier day
                entry(date(2026, 5, 20), "note", 3)]

    ordered = care.timeline(recorded)

    assert [(item.on.day, item.kind) for item in ordered] == [(1, "opened"), (10, "note"), (20, "due_moved"),
                                                               (20, "note")]
    assert care.due_on_after(recorded, date(2026, 5, 31)) == date(2026, 6, 30)


@pytest.mark.parametrize(("check", "args", "code", "field"), [
    (care.check_note, ("closed", date(2026, 5, 1), date(2026, 5, 2), None, date(2026, 6, 1)),
     ErrorCode.HELP_CASE_CLOSED, None),
    (care.check_note, ("open", date(2026, 5, 1), date(2026, 4, 30), None, date(2026, 6, 1)),
     ErrorCode.VALIDATION_FAILED, "noted_on"),
    (care.check_note, ("open", date(2026, 5, 1), date(2026, 5, 5), date(2026, 5, 4), date(2026, 6, 1)),
     ErrorCode.VALIDATION_FAILED, "due_on"),
    (care.check_closure, ("open", date(2026, 5, 1), date(2026, 6, 2), date(2026, 6, 1)),
     ErrorCode.VALIDATION_FAILED, "closed_on"),
    (care.check_closure, ("closed", date(2026, 5, 1), date(2026, 5, 2), date(2026, 6, 1)),
     ErrorCode.HELP_CASE_CLOSED, None),
])
def test_a_help_case_step_is_dated_within_its_life(check, args, code, field):
    with pytest.raises(RuleViolation) as refused:
        check(*args)
    assert refused.value.code == code
    if field:
        assert field in refused.value.details


def test_a_case_step_on_the_day_it_opened_and_a_closure_today_are_fine():
    care.check_note("open", date(2026, 5, 1), date(2026, 5, 1), date(2026, 5, 1), date(2026, 5, 1))
    care.check_closure("open", date(2026, 5, 1), date(2026, 5, 1), date(2026, 5, 1))


# ---- reserve reviews and cultivation -------------------------------------------------------------------

@pytest.mark.parametrize(("departed", "returned", "months"), [
    (date(2026, 3, 1), date(2027, 1, 20), 10), (date(2026, 3, 21), date(2027, 1, 20), 9),
    (date(2026, 3, 20), date(2027, 1, 20), 10), (None, date(2027, 1, 20), None),
])
def test_the_review_carries_the_whole_months_away(departed, returned, months):
    assert reserve.months_away(departed, returned) == months


def test_a_review_is_decided_once():
    assert reserve.review_state_after("village_cadre") == "nominated"
    assert reserve.review_state_after("not_now") == "declined"
    with pytest.raises(RuleViolation) as twice:
        reserve.check_decision("nominated", date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3))
    assert twice.value.code == ErrorCode.NOT_PENDING


DONE_BOTH_PLACES = {"home_inspection": date(2026, 3, 1), "host_inspection": date(2026, 3, 5),
                    "home_notice": date(2026, 4, 1), "host_notice": date(2026, 4, 2)}


def test_admission_needs_inspection_and_notice_in_both_places():
    with pytest.raises(RuleViolation) as incomplete:
        reserve.check_step("following", {"home_inspection": date(2026, 3, 1), "home_notice": date(2026, 4, 1)},
                           "admitted", date(2026, 5, 1), date(2026, 1, 1), date(2026, 6, 1))
    assert incomplete.value.code == ErrorCode.CULTIVATION_INCOMPLETE
    assert "host_inspection, host_notice" in incomplete.value.message
    assert reserve.check_step("following", DONE_BOTH_PLACES, "admitted", date(2026, 4, 2), date(2026, 1, 1),
                              date(2026, 6, 1)) == "admitted"


def test_nothing_follows_admission_and_no_step_is_recorded_twice():
    with pytest.raises(RuleViolation) as ended:
        reserve.check_step("admitted", DONE_BOTH_PLACES, "dropped", date(2026, 5, 1), date(2026, 1, 1),
                           date(2026, 6, 1))
    with pytest.raises(RuleViolation) as twice:
        reserve.check_step("following", DONE_BOTH_PLACES, "home_notice", date(2026, 5, 1), date(2026, 1, 1),
                           date(2026, 6, 1))
    with pytest.raises(RuleViolation) as early:
        reserve.check_step("following", DONE_BOTH_PLACES, "admitted", date(2026, 4, 1), date(2026, 1, 1),
                           date(2026, 6, 1))
    assert (ended.value.code, twice.value.code, early.value.code) == (
        ErrorCode.CULTIVATION_ENDED, ErrorCode.ALREADY_RECORDED, ErrorCode.VALIDATION_FAILED)
