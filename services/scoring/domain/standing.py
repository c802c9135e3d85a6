"""A member's standing at any date: the running score, and where the pace so far leads by year end.

The projection extrapolates each category's gains at the pace of the days
elapsed, within the category's limits (a member halfway through the year with
10 points of organisational life is on course for 20); deductions are kept as
they are, not extrapolated (a warning is not expected to repeat). On or after
the last day of the year the projection is the score itself.
"""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from services.scoring.domain.rules import ONE_PLACE, ZERO


def running_score(rule_set, totals):
    """The starting score plus what each category holds (``totals``: category -> points)."""
    return rule_set.starting_score + sum(totals.values(), ZERO)


def projected_score(rule_set, totals, on):
    first, last = date(on.year, 1, 1), date(on.year, 12, 31)
    if on >= last:
        return running_score(rule_set, totals)
    pace = Decimal((last - first).days + 1) / Decimal((on - first).days + 1)
    projected = rule_set.starting_score
    for category, limits in rule_set.categories.items():
        points = totals.get(category, ZERO)
        projected += min(limits.maximum, points * pace) if points > 0 else points
    return projected.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
