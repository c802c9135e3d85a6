"""The statistics use case on fakes: the day defaults to the county's today (the
clock's), the figures are put together as the contract says; the counting
itself is SQL, proved on PostgreSQL (tests/integration/test_roster_statistics.py)."""
from datetime import date

from contracts.access import Scope
from contracts.roster import StatisticsSchema
from services.common.fakes import FakeUnitOfWork, FixedClock
from services.roster import usecases

EVERYTHING = Scope.everything(principal="user:admin")


class FakeStatistics:
    """Answers as the SQL would for a county of 7,009 members, 1,807 away on ``day``."""

    def __init__(self):
        self.days = []

    def by_organisation(self, scope, root, day):
        self.days.append(day)
        return [("b1", "东联村党支部", "branch", 7000, 1800), ("b2", "城区第1流动党员党支部", "urban_mobile_branch", 9, 7)]

    def away_count(self, scope, root, day):
        return 742 if day == date(2015, 12, 31) else 1807

    def away_by_reach(self, scope, root, day):
        return {"out_of_province": 690, "in_province": 607, "in_county": 509, "unclassified": 1}

    def organisations_by_kind(self, scope, root):
        return {"party_committee": 24, "branch": 458, "urban_mobile_branch": 8}

    def first_departure_year(self, scope, root, day):
        return 2015

    def transfers_received(self, scope, root, first, last):
        self.transfers_between = (first, last)
        return 121

    def lost_contact_count(self, scope, root, day):
        return 3

    def pocket_members_open(self, scope, root, day):
        return 53


def test_the_figures_are_for_the_countys_today_unless_a_day_is_given():
    statistics = FakeStatistics()
    uow = FakeUnitOfWork(statistics=statistics)
    clock = FixedClock(today=date(2016, 1, 1))

    figures = usecases.county_statistics(uow, {}, clock, EVERYTHING)

    assert statistics.days == [date(2016, 1, 1)] and figures["date"] == date(2016, 1, 1)
    assert (figures["members"], figures["away"], figures["away_share_percent"]) == (7009, 1807, 25.8)
    assert [(row["reach"], row["away"], row["share_percent"]) for row in figures["away_by_reach"]] == [
        ("in_county", 509, 28.2), ("in_province", 607, 33.6), ("out_of_province", 690, 38.2), ("unclassified", 1, 0.1)]
    assert [(row["year"], row["as_of"], row["away"]) for row in figures["away_by_year"]] == [
        (2015, date(2015, 12, 31), 742), (2016, date(2016, 1, 1), 1807)]
    assert [(row["kind"], row["organisations"], row["members"]) for row in figures["members_by_kind"]] == [
        ("party_committee", 24, 0), ("branch", 458, 7000), ("urban_mobile_branch", 8, 9)]
    assert figures["lost_contact"] == 3 and figures["pocket_members"] == 53
    assert figures["not_yet_tracked"] == []
    assert figures["transfers_in_year"] == 121 and statistics.transfers_between == (date(2016, 1, 1), date(2016, 1, 1))
    StatisticsSchema().dump(figures)  # what the entrypoint answers

    usecases.county_statistics(uow, {"date": date(2015, 12, 31)}, clock, EVERYTHING)
    assert statistics.days[-1] == date(2015, 12, 31)
