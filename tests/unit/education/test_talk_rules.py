"""The pre-departure talk's due day and its recording (services.education.domain.talks)."""
from datetime import date

import pytest

from contracts.errors import ErrorCode, RuleViolation
from services.education.domain import talks as rules

REPORTED = date(2026, 3, 2)


def test_a_talk_is_due_a_week_after_the_report_when_the_member_leaves_later():
    assert rules.due(date(2026, 3, 20), REPORTED, 7) == rules.TalkDue(due_on=date(2026, 3, 9), late_report=False)


def test_a_talk_is_due_by_the_day_of_leaving_when_that_comes_first():
    assert rules.due(date(2026, 3, 5), REPORTED, 7) == rules.TalkDue(due_on=date(2026, 3, 5), late_report=False)


def test_leaving_the_day_after_the_report_makes_the_talk_due_that_day():
    assert rules.due(date(2026, 3, 3), REPORTED, 7).due_on == date(2026, 3, 3)


def test_a_report_on_the_day_of_leaving_is_not_late_and_is_due_by_the_rhythm():
    assert rules.due(REPORTED, REPORTED, 7) == rules.TalkDue(due_on=date(2026, 3, 9), late_report=False)


def test_a_report_after_the_member_left_still_opens_a_talk_marked_late():
    assert rules.due(date(2026, 2, 10), REPORTED, 7) == rules.TalkDue(due_on=date(2026, 3, 9), late_report=True)


def test_the_number_of_days_is_configurable_and_zero_means_the_day_of_the_report():
    assert rules.due(date(2026, 3, 20), REPORTED, 0).due_on == REPORTED
    assert rules.due(date(2026, 3, 20), REPORTED, 14).due_on == date(2026, 3, 16)


def test_no_talk_for_a_member_already_home_or_a_departure_not_yet_known():
    assert rules.opens_for(date(2026, 3, 1), None)
    assert not rules.opens_for(date(2026, 3, 1), date(2026, 3, 10))
    assert not rules.opens_for(None, date(2026, 3, 10))


def test_an_open_talk_is_overdue_from_the_day_after_its_due_day():
    due_on = date(2026, 3, 9)
    assert not rules.overdue(rules.OPEN, due_on, date(2026, 3, 9))
    assert rules.overdue(rules.OPEN, due_on, date(2026, 3, 10))
    assert not rules.overdue(rules.COMPLETED, due_on, date(2026, 3, 10))


def test_a_talk_is_recorded_once_and_not_ahead_of_time():
    rules.check_completion(rules.OPEN, date(2026, 3, 9), date(2026, 3, 9))
    with pytest.raises(RuleViolation) as future:
        rules.check_completion(rules.OPEN, date(2026, 3, 10), date(2026, 3, 9))
    assert future.value.code == ErrorCode.VALIDATION_FAILED and "held_on" in future.value.details
    with pytest.raises(RuleViolation) as twice:
        rules.check_completion(rules.COMPLETED, date(2026, 3, 9), date(2026, 3, 9))
    assert twice.value.code == ErrorCode.TALK_ALREADY_COMPLETED


def test_an_open_talk_lapses_when_the_member_comes_home_and_may_still_be_recorded():
    assert rules.lapses_on_return(rules.OPEN)
    assert not rules.lapses_on_return(rules.COMPLETED) and not rules.lapses_on_return(rules.LAPSED)
    rules.check_completion(rules.LAPSED, date(2026, 3, 9), date(2026, 3, 9))
    assert not rules.overdue(rules.LAPSED, date(2026, 3, 9), date(2026, 4, 1))
