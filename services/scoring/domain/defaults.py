"""The rule set the county starts with (in force from 2015-01-01, the first year of its figures).

DOMAIN.md gives the four categories and the bands, not the points; these are
our reading of a typical county 积分制 scheme, and the county changes them
through the gateway (a new version, never an edit):

- every member starts the year at 60 (the bottom of 警示): a member who takes
  no part in anything all year ends warned, not qualified;
- organisational life may add up to 20 (sessions 2 each, at most 4 a month;
  study 1 a record, at most 2 a month; training sessions 2 each);
- duties up to 10 (departure reported in advance 3, check-in within 15 days 3,
  return reported 2, the pre-departure talk held 2);
- the role played up to 10 (volunteering 2, help given 2, contact kept 1 a month);
- discipline takes away, down to -40, through manual entries with a reason.

So the best possible year is 100, and 90 needs a full year in every category.
"""

DEFAULT_EFFECTIVE_FROM = "2015-01-01"

DEFAULT_DOCUMENT = {
    "starting_score": "60",
    "bands": {"excellent": "90", "qualified": "70", "warned": "60"},
    "categories": {
        "organisational_life": {"minimum": "0", "maximum": "20"},
        "duty": {"minimum": "0", "maximum": "10"},
        "discipline": {"minimum": "-40", "maximum": "0"},
        "role": {"minimum": "0", "maximum": "10"},
    },
    "rules": {
        "departure_reported_in_advance": {"category": "duty", "points": "3"},
        "checked_in_in_time": {"category": "duty", "points": "3"},
        "return_reported": {"category": "duty", "points": "2"},
        "talk_held": {"category": "duty", "points": "2"},
        "study_recorded": {"category": "organisational_life", "points": "1", "period": "month", "period_cap": "2"},
        "session_attended": {"category": "organisational_life", "points": "2", "period": "month", "period_cap": "4"},
        "training_attended": {"category": "organisational_life", "points": "2"},
        "volunteer_service": {"category": "role", "points": "2"},
        "help_given": {"category": "role", "points": "2"},
        "contact_kept": {"category": "role", "points": "1", "period": "month", "period_cap": "1"},
        "manual": {"category": "role", "points": "0"},
    },
    "follow_up_due_days": {"commendation": 60, "warning_talk": 30, "disposition": 90},
}
