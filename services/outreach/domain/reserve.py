"""Reserve (储备工程) and cultivation (培养工程).

A return opens a reserve-cadre review for the member unless one is open already
(a seasonal worker home every winter is considered once, until the committee
decides). The review carries the member's record as outreach knows it: how long
the last absence was and the latest yearly grade. The committee decides once:
village cadre (村干部), reserve cadre (后备干部), or not now.

A candidate for membership from among migrant workers is inspected and publicly
noticed in both places (双向培养, 两地考察, 两地公示) before admission; no step
is recorded twice, and nothing follows admission or the end of cultivation.
"""
from datetime import date

from contracts.errors import ErrorCode, RuleViolation
from services.outreach.domain.care import not_before, not_in_future

REVIEW_OPEN, NOMINATED, DECLINED = "open", "nominated", "declined"
NOMINATING = ("village_cadre", "reserve_cadre")

BOTH_PLACES = ("home_inspection", "host_inspection", "home_notice", "host_notice")
FOLLOWING, ADMITTED, DROPPED = "following", "admitted", "dropped"


def months_away(departed_on: date | None, returned_on: date) -> int | None:
    """Whole months between leaving and coming home."""
    if departed_on is None:
        return None
    months = (returned_on.year - departed_on.year) * 12 + returned_on.month - departed_on.month
    if returned_on.day < departed_on.day:
        months -= 1
    return max(months, 0)


def review_state_after(decision):
    return NOMINATED if decision in NOMINATING else DECLINED


def check_decision(state, opened_on, decided_on, today):
    if state != REVIEW_OPEN:
        raise RuleViolation(ErrorCode.NOT_PENDING, "the review has been decided already")
    not_in_future(decided_on, today, "decided_on")
    not_before(decided_on, opened_on, "decided_on", "the review opened")


def check_step(state, steps_done, step, on, identified_on, today):
    """``steps_done``: {step: day} recorded so far. Returns the candidate's state after ``step``."""
    if state != FOLLOWING:
        raise RuleViolation(ErrorCode.CULTIVATION_ENDED, f"the candidate's cultivation has ended ({state})")
    if step in steps_done:
        raise RuleViolation(ErrorCode.ALREADY_RECORDED, f"{step} has been recorded already", {"step": ["recorded"]})
    not_in_future(on, today, "on")
    not_before(on, identified_on, "on", "the candidate was identified")
    if step == ADMITTED:
        missing = [each for each in BOTH_PLACES if each not in steps_done]
        if missing:
            raise RuleViolation(ErrorCode.CULTIVATION_INCOMPLETE,
                                f"admission follows inspection and public notice in both places: {', '.join(missing)} "
                                f"not recorded", {"step": [f"missing {', '.join(missing)}"]})
        if on < max(steps_done[each] for each in BOTH_PLACES):
            raise RuleViolation(ErrorCode.VALIDATION_FAILED, "admitted before the last inspection or notice",
                                {"on": ["not before the last inspection or notice"]})
        return ADMITTED
    if step == "dropped":
        return DROPPED
    return FOLLOWING
