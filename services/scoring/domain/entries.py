"""Manual entries (a branch's points with a reason) and their approval.

An entry counts only once a second person approves it: whoever submitted it
may not decide it (a self-approval is ``separation_of_duties``), and it is
decided once. An entry is dated by what it scores, never in the future, and
never in a year already graded. A correction is an entry like any other that
names the line it corrects: the ledger only ever grows.
"""
from contracts.errors import ErrorCode, RuleViolation

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


def check_submission(occurred_on, today, closed_years):
    if occurred_on > today:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "occurred_on is in the future",
                            {"occurred_on": ["not in the future"]})
    if occurred_on.year in closed_years:
        raise RuleViolation(ErrorCode.YEAR_CLOSED, f"{occurred_on.year} has been graded; its ledger is closed",
                            {"occurred_on": ["in a year already graded"]})


def check_decision(state, submitted_by, decided_by):
    if state != PENDING:
        raise RuleViolation(ErrorCode.NOT_PENDING, f"the entry was {state} already")
    if submitted_by == decided_by:
        raise RuleViolation(ErrorCode.SEPARATION_OF_DUTIES,
                            "no one approves or rejects their own entry: another person decides it")
