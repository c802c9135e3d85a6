"""The points assessment's rules (services.scoring.domain): the bands at their exact boundaries, caps,
effective dates, approval by another person, and a closed year left as it was graded."""
from datetime import date
from decimal import Decimal

import pytest

from contracts.errors import ErrorCode, RuleViolation
from contracts.scoring import RuleSetCreateSchema
from services.scoring.domain import earning, entries, grading, rules, standing
from services.scoring.domain.defaults import DEFAULT_DOCUMENT

D = Decimal


def rule_set(effective_from=date(2015, 1, 1), **changes):
    return rules.RuleSet.from_document("v", effective_from, {**DEFAULT_DOCUMENT, **changes})


BANDS = rule_set().bands


@pytest.mark.parametrize(("score", "grade"), [
    ("59.9", "unqualified"), ("60", "warned"), ("60.0", "warned"), ("69.9", "warned"), ("70", "qualified"),
    ("89.9", "qualified"), ("90", "excellent"), ("100", "excellent"), ("0", "unqualified"),
])
def test_each_band_holds_its_lower_bound_and_not_its_upper(score, grade):
    assert BANDS.grade(D(score)) == grade


def test_the_bands_come_from_the_rule_set():
    stricter = rule_set(bands={"excellent": "95", "qualified": "75", "warned": "65"}).bands
    assert (stricter.grade(D("94.9")), stricter.grade(D("64.9"))) == ("qualified", "unqualified")


def test_a_rule_set_whose_bands_do_not_rise_is_refused():
    document = {**DEFAULT_DOCUMENT, "effective_from": "2027-01-01",
                "bands": {"excellent": "70", "qualified": "90", "warned": "60"}}
    with pytest.raises(Exception) as refused:
        RuleSetCreateSchema().load(document)
    assert "excellent" in refused.value.messages["bands"]


# ---- caps ---------------------------------------------------------------------------------

def test_a_line_credits_what_its_rule_gives_while_there_is_room():
    assert rule_set().credit("duty", D(3), in_category=D(4)) == rules.Credit(D(3), D(3), None)


def test_the_category_cap_holds_a_line_back_to_what_is_left_and_then_to_nothing():
    assert rule_set().credit("duty", D(3), in_category=D(8)) == rules.Credit(D(2), D(3), "category")
    assert rule_set().credit("duty", D(3), in_category=D(10)) == rules.Credit(D(0), D(3), "category")


def test_the_period_cap_holds_a_rule_back_within_its_period():
    credit = rule_set().credit("organisational_life", D(2), in_category=D(6), in_period=D(3), period_cap=D(4))
    assert credit == rules.Credit(D(1), D(2), "period")


def test_the_tighter_of_the_two_caps_wins_and_is_named():
    credit = rule_set().credit("organisational_life", D(2), in_category=D("19.5"), in_period=D(0), period_cap=D(4))
    assert credit == rules.Credit(D("0.5"), D(2), "category")


def test_deductions_stop_at_the_categorys_floor():
    assert rule_set().credit("discipline", D(-10), in_category=D(-35)) == rules.Credit(D(-5), D(-10), "category")
    assert rule_set().credit("discipline", D(-10), in_category=D(0)) == rules.Credit(D(-10), D(-10), None)


@pytest.mark.parametrize(("period", "day", "bounds"), [
    ("month", date(2025, 2, 14), (date(2025, 2, 1), date(2025, 2, 28))),
    ("month", date(2024, 2, 29), (date(2024, 2, 1), date(2024, 2, 29))),
    ("month", date(2025, 12, 31), (date(2025, 12, 1), date(2025, 12, 31))),
    ("quarter", date(2025, 3, 31), (date(2025, 1, 1), date(2025, 3, 31))),
    ("quarter", date(2025, 10, 1), (date(2025, 10, 1), date(2025, 12, 31))),
    ("year", date(2025, 6, 1), (date(2025, 1, 1), date(2025, 12, 31))),
])
def test_a_period_is_the_calendar_month_quarter_or_year_that_holds_the_day(period, day, bounds):
    assert rules.period_bounds(period, day) == bounds


# ---- effective dates and closed years ----------------------------------------------------------

def test_an_event_is_valued_under_the_version_in_force_on_its_day():
    first, second = rule_set(date(2015, 1, 1)), rule_set(date(2026, 7, 1))
    assert rules.in_force([first, second], date(2026, 6, 30)) is first
    assert rules.in_force([first, second], date(2026, 7, 1)) is second
    with pytest.raises(RuleViolation) as none:
        rules.in_force([second], date(2026, 6, 30))
    assert none.value.code == ErrorCode.NO_RULE_SET


def test_a_new_version_takes_effect_today_or_later_never_before():
    rules.check_new_version(date(2026, 12, 3), today=date(2026, 12, 3), closed_years=set())
    with pytest.raises(RuleViolation) as retroactive:
        rules.check_new_version(date(2026, 12, 2), today=date(2026, 12, 3), closed_years=set())
    assert retroactive.value.code == ErrorCode.RULE_SET_RETROACTIVE


def test_a_closed_year_is_left_as_it_was_graded_by_a_rule_change():
    today = date(2025, 12, 20)  # 2025 graded early by mistake would be refused; here 2025 is closed
    with pytest.raises(RuleViolation) as closed:
        rules.check_new_version(date(2025, 12, 25), today=today, closed_years={2025})
    assert closed.value.code == ErrorCode.YEAR_CLOSED
    # A version for the next year leaves the closed year's version in force on its last day.
    old, new = rule_set(date(2015, 1, 1)), rule_set(date(2026, 1, 1), starting_score="70")
    rules.check_new_version(new.effective_from, today=today, closed_years={2025})
    assert rules.in_force([old, new], grading.year_end(2025)) is old


def test_grading_waits_for_the_year_to_end_and_happens_once():
    with pytest.raises(RuleViolation) as early:
        grading.check_year(2026, today=date(2026, 12, 31), closed_years=set())
    assert early.value.code == ErrorCode.YEAR_NOT_OVER
    grading.check_year(2025, today=date(2026, 1, 1), closed_years=set())
    with pytest.raises(RuleViolation) as twice:
        grading.check_year(2025, today=date(2026, 3, 1), closed_years={2025})
    assert twice.value.code == ErrorCode.YEAR_CLOSED


# ---- manual entries ----------------------------------------------------------------------------------

def test_no_one_approves_their_own_entry():
    with pytest.raises(RuleViolation) as own:
        entries.check_decision(entries.PENDING, submitted_by="user:li", decided_by="user:li")
    assert own.value.code == ErrorCode.SEPARATION_OF_DUTIES
    entries.check_decision(entries.PENDING, submitted_by="user:li", decided_by="user:wang")


def test_an_entry_is_decided_once():
    with pytest.raises(RuleViolation) as decided:
        entries.check_decision(entries.APPROVED, submitted_by="user:li", decided_by="user:wang")
    assert decided.value.code == ErrorCode.NOT_PENDING


def test_an_entry_is_neither_in_the_future_nor_in_a_closed_year():
    with pytest.raises(RuleViolation) as future:
        entries.check_submission(date(2026, 12, 4), today=date(2026, 12, 3), closed_years=set())
    assert future.value.details == {"occurred_on": ["not in the future"]}
    with pytest.raises(RuleViolation) as closed:
        entries.check_submission(date(2025, 12, 31), today=date(2026, 12, 3), closed_years={2025})
    assert closed.value.code == ErrorCode.YEAR_CLOSED


# ---- what grades open, and what closes them ----------------------------------------------------------

def test_each_grade_but_qualified_opens_its_follow_up_due_as_the_rules_say():
    due = DEFAULT_DOCUMENT["follow_up_due_days"]
    assert grading.follow_up("excellent", date(2026, 1, 5), due) == grading.FollowUpDue("commendation", date(2026, 3, 6))
    assert grading.follow_up("warned", date(2026, 1, 5), due).kind == "warning_talk"
    assert grading.follow_up("unqualified", date(2026, 1, 5), due) == grading.FollowUpDue("disposition", date(2026, 4, 5))
    assert grading.follow_up("qualified", date(2026, 1, 5), due) is None


def test_an_unqualified_members_follow_up_closes_with_a_persons_decision_only():
    for outcome in ("rectification", "persuaded_to_leave", "removed"):
        grading.check_closure("open", "disposition", outcome, date(2026, 2, 1), date(2026, 1, 5), date(2026, 2, 1))
    with pytest.raises(RuleViolation) as wrong:
        grading.check_closure("open", "disposition", "commended", date(2026, 2, 1), date(2026, 1, 5), date(2026, 2, 1))
    assert "outcome" in wrong.value.details
    with pytest.raises(RuleViolation) as closed:
        grading.check_closure("closed", "disposition", "removed", date(2026, 2, 1), date(2026, 1, 5), date(2026, 2, 1))
    assert closed.value.code == ErrorCode.FOLLOW_UP_CLOSED


# ---- what events earn; standings ------------------------------------------------------------------------

def test_a_check_in_is_in_time_up_to_fifteen_days_after_leaving():
    assert earning.checked_in_in_time(date(2025, 3, 1), date(2025, 3, 16))
    assert not earning.checked_in_in_time(date(2025, 3, 1), date(2025, 3, 17))


def test_a_departure_reported_on_the_day_of_leaving_is_in_advance_and_one_day_late_is_not():
    assert earning.departure_reported_in_advance(date(2025, 3, 1), date(2025, 3, 1))
    assert not earning.departure_reported_in_advance(date(2025, 3, 2), date(2025, 3, 1))


def test_only_taking_part_earns_points_for_attendance():
    assert [earning.took_part(s) for s in ("present", "late", "excused", "absent")] == [True, True, False, False]


def test_the_projection_extrapolates_gains_at_the_pace_so_far_within_the_limits():
    halfway = date(2025, 7, 2)  # day 183 of 365
    totals = {"organisational_life": D(6), "duty": D(10), "discipline": D(-5)}
    projected = standing.projected_score(rule_set(), totals, halfway)
    # 60 + 6 x 365/183 (11.97) + min(10, 19.9) + (-5) = 76.97 -> 77.0
    assert projected == D("77.0")
    assert standing.projected_score(rule_set(), totals, date(2025, 12, 31)) == standing.running_score(rule_set(), totals)


def test_no_rule_rewards_logging_in_or_time_online():
    document = {**DEFAULT_DOCUMENT, "effective_from": "2027-01-01",
                "rules": {**DEFAULT_DOCUMENT["rules"], "logged_in": {"category": "role", "points": "1"}}}
    with pytest.raises(Exception) as refused:
        RuleSetCreateSchema().load(document)
    assert "logged_in" in str(refused.value.messages["rules"])
