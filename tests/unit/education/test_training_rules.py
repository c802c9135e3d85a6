"""Which training a member who came home joins (services.education.domain.trainings)."""
from datetime import date

import pytest

from contracts.errors import ErrorCode, RuleViolation
from services.education.domain import trainings as rules

BACK = date(2026, 12, 10)


def training(name, kind, starts_on, ends_on, depth=1, capacity=50, enrolled=0):
    return rules.Candidate(training_id=name, kind=kind, starts_on=starts_on, ends_on=ends_on, capacity=capacity,
                           enrolled=enrolled, depth=depth)


WINTER = training("winter", rules.WINTER, date(2026, 12, 1), date(2027, 2, 28), depth=0)
HOMECOMING_NEXT_WEEK = training("homecoming", rules.HOMECOMING, date(2026, 12, 15), date(2026, 12, 17), depth=2)


def test_a_winter_training_running_on_the_day_back_is_joined_before_a_homecoming_training():
    assert rules.choose_training([HOMECOMING_NEXT_WEEK, WINTER], BACK, BACK).training_id == "winter"


def test_a_rotation_training_running_on_the_day_back_is_joined_too():
    rotation = training("rotation", rules.ROTATION, date(2026, 12, 8), date(2026, 12, 12), depth=1)
    assert rules.choose_training([HOMECOMING_NEXT_WEEK, rotation], BACK, BACK).training_id == "rotation"


def test_a_winter_training_still_to_come_does_not_beat_an_earlier_homecoming_training():
    later_winter = training("winter", rules.WINTER, date(2027, 1, 5), date(2027, 2, 28), depth=0)
    assert rules.choose_training([later_winter, HOMECOMING_NEXT_WEEK], BACK, BACK).training_id == "homecoming"


def test_without_a_joined_training_the_soonest_homecoming_training_wins_and_the_nearest_organisation_breaks_ties():
    town = training("town", rules.HOMECOMING, date(2026, 12, 15), date(2026, 12, 16), depth=1)
    branch = training("branch", rules.HOMECOMING, date(2026, 12, 15), date(2026, 12, 16), depth=2)
    later = training("later", rules.HOMECOMING, date(2026, 12, 12), date(2026, 12, 13), depth=0)
    assert rules.choose_training([town, branch], BACK, BACK).training_id == "branch"
    assert rules.choose_training([town, branch, later], BACK, BACK).training_id == "later"


def test_a_full_or_ended_training_is_passed_over_and_with_nothing_left_the_member_waits():
    full = training("full", rules.WINTER, date(2026, 12, 1), date(2027, 2, 28), capacity=30, enrolled=30)
    ended = training("ended", rules.HOMECOMING, date(2026, 11, 1), date(2026, 12, 9))
    assert rules.choose_training([full, ended, HOMECOMING_NEXT_WEEK], BACK, BACK).training_id == "homecoming"
    assert rules.choose_training([full, ended], BACK, BACK) is None
    assert rules.choose_training([], BACK, BACK) is None


def test_a_training_ending_on_the_day_back_still_takes_the_member():
    last_day = training("last-day", rules.HOMECOMING, date(2026, 12, 1), BACK)
    assert rules.choose_training([last_day], BACK, BACK).training_id == "last-day"


def test_a_return_reported_late_is_not_enrolled_in_a_training_that_has_ended_since():
    earlier = training("earlier", rules.HOMECOMING, date(2026, 12, 1), date(2026, 12, 12))
    assert rules.choose_training([earlier], BACK, today=date(2026, 12, 13)) is None
    assert not rules.waiting_member_fits(date(2026, 12, 12), BACK, date(2026, 12, 13))
    assert rules.waiting_member_fits(date(2026, 12, 13), BACK, date(2026, 12, 13))


def test_enrolment_by_hand_is_once_per_member_and_within_capacity():
    rules.check_enrolment(capacity=2, enrolled=1, already_enrolled=False)
    with pytest.raises(RuleViolation) as full:
        rules.check_enrolment(capacity=2, enrolled=2, already_enrolled=False)
    assert full.value.code == ErrorCode.TRAINING_FULL
    with pytest.raises(RuleViolation) as twice:
        rules.check_enrolment(capacity=2, enrolled=1, already_enrolled=True)
    assert twice.value.code == ErrorCode.ALREADY_ENROLLED


def test_a_register_is_taken_after_the_session_and_for_enrolled_members_only():
    rules.check_register(BACK, BACK, ["a"], ["a", "b"])
    with pytest.raises(RuleViolation) as early:
        rules.check_register(date(2026, 12, 11), BACK, ["a"], ["a"])
    assert early.value.code == ErrorCode.VALIDATION_FAILED
    with pytest.raises(RuleViolation) as stranger:
        rules.check_register(BACK, BACK, ["a", "z"], ["a"])
    assert stranger.value.code == ErrorCode.NOT_ENROLLED and stranger.value.details == {"items": {"member_id": ["z"]}}


def test_sessions_fall_within_the_training():
    rules.check_session_day(date(2026, 12, 1), date(2026, 12, 1), date(2026, 12, 3))
    with pytest.raises(RuleViolation) as outside:
        rules.check_session_day(date(2026, 12, 4), date(2026, 12, 1), date(2026, 12, 3))
    assert "held_on" in outside.value.details
