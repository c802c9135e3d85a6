"""Who a session expects, and the rate (services.education.domain.participation): the
denominator follows the member's mobility."""
from datetime import date

from services.education.domain import participation as rules

COUNTY, TOWN, BRANCH, HOST, OTHER = "county", "town", "branch", "host", "other-branch"
LINE = frozenset({COUNTY, TOWN, BRANCH})


def session(day, mode, holder=BRANCH):
    return rules.Session(id=f"{holder}-{day}-{mode}", organisation_id=holder, held_on=day, mode=mode)


def at_home(on_roll=True):
    return rules.MemberOnDay(on_roll=on_roll, line=LINE, away=False)


def away(host=None):
    return rules.MemberOnDay(on_roll=True, line=LINE, away=True, host_organisation_id=host)


def test_at_home_a_member_is_expected_offline_and_away_online_and_both_ways_always():
    day = date(2026, 6, 6)
    assert rules.expected_at(session(day, "offline"), at_home())
    assert not rules.expected_at(session(day, "online"), at_home())
    assert rules.expected_at(session(day, "online"), away())
    assert not rules.expected_at(session(day, "offline"), away())
    assert rules.expected_at(session(day, "both"), at_home()) and rules.expected_at(session(day, "both"), away())


def test_sessions_above_the_branch_count_and_other_branches_do_not():
    day = date(2026, 6, 6)
    assert rules.expected_at(session(day, "both", TOWN), at_home())
    assert rules.expected_at(session(day, "offline", COUNTY), at_home())
    assert not rules.expected_at(session(day, "both", OTHER), at_home())


def test_an_away_member_is_expected_at_the_host_organisations_sessions_whatever_their_mode():
    day = date(2026, 6, 6)
    assert rules.expected_at(session(day, "offline", HOST), away(host=HOST))
    assert not rules.expected_at(session(day, "offline", HOST), away(host=None))
    assert not rules.expected_at(session(day, "offline", HOST), at_home())


def test_a_member_not_on_the_roll_is_expected_nowhere():
    assert not rules.expected_at(session(date(2026, 6, 6), "both"), at_home(on_roll=False))


def test_away_on_a_day_is_left_on_or_before_it_and_not_back_before_it():
    spells = [(date(2026, 3, 1), date(2026, 5, 1), "host")]
    assert rules.away_on(date(2026, 2, 28), spells) is None
    assert rules.away_on(date(2026, 3, 1), spells)[2] == "host"
    assert rules.away_on(date(2026, 4, 30), spells) is not None
    assert rules.away_on(date(2026, 5, 1), spells) is None  # back that day: home that day
    assert rules.away_on(date(2026, 9, 1), [(date(2026, 8, 1), None, None)]) is not None
    assert rules.away_on(date(2026, 9, 1), [(None, date(2026, 10, 1), None)]) is None  # departure unknown yet


def test_the_branch_on_a_day_is_the_latest_placement_from_that_day_or_before():
    placements = [(date(2020, 1, 1), "old"), (date(2026, 4, 10), "new")]
    assert rules.branch_on(date(2026, 4, 9), placements) == "old"
    assert rules.branch_on(date(2026, 4, 10), placements) == "new"
    assert rules.branch_on(date(2019, 12, 31), placements) is None


def test_a_member_who_left_mid_period_is_counted_offline_before_and_online_after():
    """The branch holds an offline activity day and an online 三会一课 each month, January to June; the
    member leaves on 15 March and attends whatever they are expected at."""
    spells = [(date(2026, 3, 15), None, None)]
    tally = rules.Tally()
    for month in range(1, 7):
        for mode in ("offline", "online"):
            s = session(date(2026, month, 6), mode)
            member = rules.MemberOnDay(on_roll=True, line=LINE, away=rules.away_on(s.held_on, spells) is not None)
            if rules.expected_at(s, member):
                tally.add(True)
    # January to early March at home: 3 offline; April to June away: 3 online. Six sessions, not twelve.
    assert (tally.expected, tally.participated, tally.rate_percent) == (6, 6, 100.0)


def test_a_member_who_joined_late_is_not_absent_from_the_sessions_before_and_the_rate_has_one_decimal():
    registered_on = date(2026, 4, 20)
    tally = rules.Tally()
    for month, attended in zip(range(1, 7), [False, False, False, True, False, True]):
        s = session(date(2026, month, 6), "both")
        if rules.expected_at(s, at_home(on_roll=registered_on <= s.held_on)):
            tally.add(attended)
    assert (tally.expected, tally.participated) == (2, 1)  # May and June only
    assert tally.rate_percent == 50.0
    three = rules.Tally()
    for took_part in (True, False, False):
        three.add(took_part)
    assert three.rate_percent == 33.3 and rules.Tally().rate_percent is None


def test_suspension_removal_or_transfer_out_end_the_expectation_from_their_day():
    assert not rules.out_of_roll_on(date(2026, 5, 1), "suspended", date(2026, 6, 1))
    assert rules.out_of_roll_on(date(2026, 6, 1), "suspended", date(2026, 6, 1))
    assert rules.out_of_roll_on(date(2026, 7, 1), "transferred_out", date(2026, 6, 1))
    assert not rules.out_of_roll_on(date(2026, 7, 1), "away", date(2026, 6, 1))
