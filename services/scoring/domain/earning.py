"""Which rule an event of another service earns, if any, and on which day.

The rule set says what each rule is worth; this says what each rule reads:

- ``departure_reported_in_advance``: roster recorded the report on or before the day of leaving;
- ``checked_in_in_time``: a check-in (双报到) within ``CHECK_IN_DAYS`` of leaving (待报到 starts after it);
- ``return_reported``: a return after a reported departure (an unreported absence earns nothing);
- ``talk_held``, ``study_recorded``: the talk held, a study record (one per record, never per minute);
- ``session_attended``, ``training_attended``: present or late (excused and absent earn nothing).
"""
from datetime import date

CHECK_IN_DAYS = 15
TOOK_PART = ("present", "late")


def departure_reported_in_advance(reported_on: date, departed_on: date) -> bool:
    return reported_on <= departed_on


def checked_in_in_time(departed_on: date, checked_in_on: date) -> bool:
    return (checked_in_on - departed_on).days <= CHECK_IN_DAYS


def return_reported(departure_reported: bool) -> bool:
    return bool(departure_reported)


def took_part(status: str) -> bool:
    return status in TOOK_PART
