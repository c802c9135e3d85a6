"""Time and identity for use cases: passed in as arguments, so tests pass fixed ones."""
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

DEFAULT_COUNTY_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Clock:
    """Wall-clock time; ``today`` is the county's calendar date, not UTC's
    (a return reported at 07:00 in Gansu is today's, not yesterday's)."""

    county_timezone: object

    @classmethod
    def from_config(cls, config):
        return cls(ZoneInfo((config or {}).get("COUNTY_TIMEZONE") or DEFAULT_COUNTY_TIMEZONE))

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return datetime.now(self.county_timezone).date()

    def day_of(self, moment: datetime) -> date:
        """The county's calendar day of a moment (an event's ``occurred_at``)."""
        return moment.astimezone(self.county_timezone).date()

    def start_of(self, day: date) -> datetime:
        """The first moment of a county day, in UTC (the lower bound of a day's records)."""
        return datetime(day.year, day.month, day.day, tzinfo=self.county_timezone).astimezone(timezone.utc)


def new_id() -> str:
    """A new entity id: a random UUID, as text (every table keys on String(36))."""
    return str(uuid.uuid4())
