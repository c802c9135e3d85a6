"""The four ones (四个一) of a pairing: one phone call, one text message, one mailed
study material and one letter to each paired member every period.

A period is a calendar month, quarter or year (the pairing says which; a
quarter by default). An item is ``done`` in a period when a contact of its
channel with the member falls in it (whichever track logged it), ``due`` while
the period that holds the day asked about is still running without one, and
``overdue`` once a period has ended without one. A pairing counts from the
period it starts in and up to the one it ends in; periods older than
``LOOKBACK_PERIODS`` before the day asked about are history, not to-dos.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.outreach import FOUR_ONES

ITEMS = tuple(FOUR_ONES)
# Which channel of the contact log keeps which item; a visit or an online chat is a contact, not one of the four.
ITEM_OF_CHANNEL = {"phone": "phone_call", "text": "text_message", "mail": "study_material", "letter": "letter"}
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
LOOKBACK_PERIODS = 4
DONE, DUE, OVERDUE = "done", "due", "overdue"


def four_one_of(channel):
    return ITEM_OF_CHANNEL.get(channel)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the last day, inclusive

    def holds(self, day):
        return self.start <= day <= self.end


def period_of(day: date, period: str) -> Period:
    months = MONTHS_IN[period]
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    return Period(start, _add_months(start, months) - timedelta(days=1))


def _add_months(day, months):
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def periods(starts_on: date, ended_on: date | None, on: date, period: str, lookback=LOOKBACK_PERIODS):
    """The periods of a pairing up to the one holding ``on``, the last ``lookback + 1`` at most, oldest
    first. A pairing that has ended owes nothing for the period it ended in, unless it ended on its last day."""
    last_day = on
    if ended_on is not None and ended_on <= on:
        last_day = ended_on if period_of(ended_on, period).end == ended_on else period_of(
            ended_on, period).start - timedelta(days=1)
    if last_day < starts_on:
        return []
    found = [period_of(last_day, period)]
    while len(found) <= lookback:
        previous = period_of(found[-1].start - timedelta(days=1), period)
        if previous.end < starts_on:
            break
        found.append(previous)
    return list(reversed(found))


@dataclass(frozen=True)
class FourOne:
    period: Period
    item: str
    state: str
    done_on: date | None


def four_ones(starts_on, ended_on, on, period, contact_days) -> list[FourOne]:
    """Each item of each period of a pairing with one member, as of ``on``.

    ``contact_days`` maps an item (``phone_call`` ...) to the days the member was contacted on that
    channel; a contact before the pairing started does not count for it.
    """
    result = []
    for each in periods(starts_on, ended_on, on, period):
        for item in ITEMS:
            done_on = min((day for day in contact_days.get(item, ()) if each.holds(day) and day >= starts_on),
                          default=None)
            if done_on is not None:
                state = DONE
            elif each.end < on:
                state = OVERDUE
            else:
                state = DUE
            result.append(FourOne(each, item, state, done_on))
    return result


def pairing_kind(member_ids) -> str:
    return "one_to_one" if len(member_ids) == 1 else "one_to_many"
