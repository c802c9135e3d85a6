"""The county's figures: the arithmetic the SQL aggregates leave to Python."""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

EARLIEST_YEAR = 2000  # the series of away members never starts before this


def percent(part, whole):
    """``part`` of ``whole`` in percent, one decimal, rounded half up as the county prints it (25.8)."""
    if not whole:
        return 0.0
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def year_ends(first_year, as_of):
    """(year, day) for each year from ``first_year`` to ``as_of``'s year: 31 December, or
    ``as_of`` itself in its own year (that year has not ended)."""
    first_year = max(first_year, EARLIEST_YEAR)
    return [(year, min(date(year, 12, 31), as_of)) for year in range(first_year, as_of.year + 1)]
