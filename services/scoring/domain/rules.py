"""The county's rule set and what one ledger line is worth under it.

A rule set is data (``contracts.scoring.RuleSetDocumentSchema``): the starting
score, the grade bands, each category's limits for a year and each rule's
points, with an optional cap per period. Versions follow one another by the
day they take effect; an event is always valued under the version in force on
the day it happened, and a line, once credited, is never revalued. So a new
version may start today or later, never earlier, and never in a year already
graded: a closed year stays exactly as it was graded.

Caps are applied when a line is credited, against what the member already has
in the year (for the category) and in the period (for the rule): the line
keeps what the rule gives (``rule_points``) beside what it credits
(``points``) and says which cap held it back, so a score is explained line by
line without replaying anything.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from contracts.errors import ErrorCode, RuleViolation
from contracts.scoring import GRADES

ZERO = Decimal(0)
ONE_PLACE = Decimal("0.1")
EXCELLENT, QUALIFIED, WARNED, UNQUALIFIED = GRADES


def exact(value) -> Decimal:
    """A number of the stored document as a ``Decimal``, through its text: 59.9 stays 59.9."""
    return Decimal(str(value))


@dataclass(frozen=True)
class Bands:
    """The lowest score of each grade; a band includes its lower bound (90 is excellent, 89.9 qualified)."""

    excellent: Decimal
    qualified: Decimal
    warned: Decimal

    def grade(self, score) -> str:
        if score >= self.excellent:
            return EXCELLENT
        if score >= self.qualified:
            return QUALIFIED
        if score >= self.warned:
            return WARNED
        return UNQUALIFIED


@dataclass(frozen=True)
class Rule:
    category: str
    points: Decimal
    period: str | None = None
    period_cap: Decimal | None = None


@dataclass(frozen=True)
class Limits:
    minimum: Decimal
    maximum: Decimal


@dataclass(frozen=True)
class Credit:
    """What a line credits (``points``) of what its rule gives (``rule_points``), and the cap that held it back."""

    points: Decimal
    rule_points: Decimal
    capped_by: str | None


@dataclass(frozen=True)
class RuleSet:
    id: str
    effective_from: date
    starting_score: Decimal
    bands: Bands
    categories: dict
    rules: dict
    follow_up_due_days: dict

    @classmethod
    def from_document(cls, id, effective_from, document):
        """From the stored document (numbers as JSON numbers or strings, read exactly)."""
        return cls(
            id=id, effective_from=effective_from,
            starting_score=exact(document["starting_score"]),
            bands=Bands(**{name: exact(value) for name, value in document["bands"].items()}),
            categories={name: Limits(exact(limits["minimum"]), exact(limits["maximum"]))
                        for name, limits in document["categories"].items()},
            rules={key: Rule(rule["category"], exact(rule["points"]), rule.get("period"),
                             None if rule.get("period_cap") is None else exact(rule["period_cap"]))
                   for key, rule in document["rules"].items()},
            follow_up_due_days=dict(document["follow_up_due_days"]),
        )

    def rule(self, key):
        """The rule, or None: a rule the version leaves out is worth nothing."""
        return self.rules.get(key)

    def credit(self, category, rule_points, in_category, in_period=ZERO, period_cap=None) -> Credit:
        """What a line of ``rule_points`` under ``category`` credits, given what the member already has in the
        category this year (``in_category``) and under the rule in its period (``in_period``)."""
        limits = self.categories[category]
        if rule_points >= 0:
            room_in_category = max(ZERO, limits.maximum - in_category)
            room_in_period = None if period_cap is None else max(ZERO, period_cap - in_period)
            points, capped_by = rule_points, None
            if room_in_period is not None and room_in_period < points:
                points, capped_by = room_in_period, "period"
            if room_in_category < points:
                points, capped_by = room_in_category, "category"
            return Credit(points, rule_points, capped_by)
        room_below = min(ZERO, limits.minimum - in_category)  # how far the category may still fall
        if rule_points < room_below:
            return Credit(room_below, rule_points, "category")
        return Credit(rule_points, rule_points, None)


def in_force(rule_sets, on):
    """The version in force on ``on``: the latest that took effect on or before it."""
    candidates = [rule_set for rule_set in rule_sets if rule_set.effective_from <= on]
    if not candidates:
        raise RuleViolation(ErrorCode.NO_RULE_SET, f"no rule set is in force on {on.isoformat()}")
    return max(candidates, key=lambda rule_set: rule_set.effective_from)


def check_new_version(effective_from, today, closed_years):
    """A version takes effect today or later, and never in a year already graded."""
    if effective_from < today:
        raise RuleViolation(
            ErrorCode.RULE_SET_RETROACTIVE,
            f"a rule set takes effect today ({today.isoformat()}) or later: points already credited are never revalued",
            {"effective_from": ["not before today"]})
    if effective_from.year in closed_years:
        raise RuleViolation(ErrorCode.YEAR_CLOSED, f"{effective_from.year} has been graded; its rules stay as they were",
                            {"effective_from": ["in a year already graded"]})


def period_bounds(period, on):
    """The first and last day of the period (month, quarter or year) that holds ``on``."""
    if period == "month":
        first = on.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    elif period == "quarter":
        first = date(on.year, 3 * ((on.month - 1) // 3) + 1, 1)
        last = (first + timedelta(days=93)).replace(day=1) - timedelta(days=1)
    elif period == "year":
        first, last = date(on.year, 1, 1), date(on.year, 12, 31)
    else:
        raise ValueError(f"no such period: {period!r}")
    return first, last

