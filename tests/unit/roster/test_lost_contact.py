"""失联 and what follows it: the rules with no broker and no database, boundaries first."""
from datetime import date, datetime, timezone

import pytest

from contracts.errors import ErrorCode, RuleViolation
from services.roster.domain import lost_contact as rules
from services.roster.domain.member import Member
from services.roster.domain.organisation import Organisation
from tests.support import id_number

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)
MEMBER_ID = "00000000-0000-4000-8000-000000000001"
BRANCH_ID = "00000000-0000-4000-8000-000000000002"
SPELL_ID = "00000000-0000-4000-8000-000000000003"


@pytest.fixture
def member():
    branch = Organisation(id=BRANCH_ID, name="第1村党支部", kind="branch",
                          parent=Organisation(id="00000000-0000-4000-8000-000000000009", name="县委",
                                              kind="party_committee", created_at=NOW), created_at=NOW)
    return Member(id=MEMBER_ID, name="张三", gender="male", birth_date=date(1985, 3, 2),
                  id_number=id_number("1985-03-02", 118), phone="13900000001", joined_on=date(2010, 7, 1),
                  membership="full", organisation=branch, registered_at=NOW)


def effort(on):
    return rules.SearchEffort(on=on, how="电话联系本人", outcome="停机")


def lose(member, lost_since, reported_on, efforts=None, open_spell=None, decisions=()):
    return rules.report(member, lost_contact_id=SPELL_ID, open_spell=open_spell, decisions=list(decisions),
                        lost_since=lost_since, reported_on=reported_on,
                        search_efforts=efforts if efforts is not None else [effort(reported_on)], reported_at=NOW)


def decide(member, spell, decisions, kind, on, today=None):
    return rules.decide(member, decision_id=f"decision-{len(decisions)}", spell=spell, decisions=decisions, kind=kind,
                        decided_on=on, today=today or on, decided_at=NOW)


def code_of(call):
    with pytest.raises(RuleViolation) as refused:
        call()
    return refused.value.code, refused.value.details


def test_a_report_opens_a_spell_with_its_efforts_and_an_event(member):
    spell, event = lose(member, date(2026, 3, 1), date(2026, 4, 1), [effort(date(2026, 3, 5)), effort(date(2026, 4, 1))])
    assert spell.open and spell.open_for_member_id == MEMBER_ID
    assert spell.search_efforts[0] == {"on": "2026-03-05", "how": "电话联系本人", "outcome": "停机"}
    assert event == rules.MemberLostContact(member_id=MEMBER_ID, lost_contact_id=SPELL_ID, organisation_id=BRANCH_ID,
                                            lost_since=date(2026, 3, 1), reported_on=date(2026, 4, 1), search_efforts=2)


@pytest.mark.parametrize("lost_since, efforts, field", [
    (date(2026, 4, 2), [effort(date(2026, 4, 1))], "lost_since"),       # lost after today
    (date(2026, 3, 1), [], "search_efforts"),                           # no search made
    (date(2026, 3, 1), [effort(date(2026, 2, 28))], "search_efforts"),  # searched before contact was lost
    (date(2026, 3, 1), [effort(date(2026, 4, 2))], "search_efforts"),   # searched in the future
])
def test_a_report_without_proper_efforts_or_dates_is_refused_naming_the_field(member, lost_since, efforts, field):
    code, details = code_of(lambda: lose(member, lost_since, date(2026, 4, 1), efforts))
    assert code == ErrorCode.VALIDATION_FAILED and field in details


def test_a_second_open_spell_is_refused(member):
    spell, _ = lose(member, date(2026, 3, 1), date(2026, 4, 1))
    assert code_of(lambda: lose(member, date(2026, 3, 1), date(2026, 4, 1), open_spell=spell))[0] == \
        ErrorCode.ALREADY_LOST_CONTACT


def test_a_member_transferred_out_is_not_reported_lost(member):
    member.status = "transferred_out"
    assert code_of(lambda: lose(member, date(2026, 3, 1), date(2026, 4, 1)))[0] == ErrorCode.MEMBER_TRANSFERRED_OUT


@pytest.mark.parametrize("lost_since, due_from", [
    (date(2026, 3, 1), date(2026, 9, 1)),
    (date(2026, 8, 31), date(2027, 2, 28)),   # no 31 February: the month's last day
    (date(2027, 8, 31), date(2028, 2, 29)),   # a leap year's
])
def test_suspension_is_proposed_from_exactly_six_calendar_months_after_contact_was_lost(member, lost_since, due_from):
    spell, _ = lose(member, lost_since, lost_since)
    day_before = date.fromordinal(due_from.toordinal() - 1)
    assert rules.proposal(spell, [], day_before) is None
    assert rules.proposal(spell, [], due_from) == rules.Proposal(rules.SUSPENSION, due_from)
    assert rules.next_proposal(spell, []) == rules.Proposal(rules.SUSPENSION, due_from)
    assert code_of(lambda: decide(member, spell, [], rules.SUSPENSION, day_before))[0] == ErrorCode.NO_PROPOSAL
    decision, event = decide(member, spell, [], rules.SUSPENSION, due_from)
    assert decision.proposed_from == due_from and isinstance(event, rules.MemberSuspended)


def test_removal_is_proposed_two_calendar_years_after_the_suspension_not_before(member):
    spell, _ = lose(member, date(2025, 8, 29), date(2025, 9, 1))
    suspension, _ = decide(member, spell, [], rules.SUSPENSION, date(2026, 2, 28))
    decisions = [suspension]
    assert rules.suspended(decisions) and not rules.removed(decisions)
    # Not removal straight after six months, nor the day before two years are up.
    assert code_of(lambda: decide(member, spell, decisions, rules.REMOVAL, date(2026, 3, 1)))[0] == ErrorCode.NO_PROPOSAL
    assert rules.proposal(spell, decisions, date(2028, 2, 27)) is None
    assert rules.proposal(spell, decisions, date(2028, 2, 28)) == rules.Proposal(rules.REMOVAL, date(2028, 2, 28))
    removal, event = decide(member, spell, decisions, rules.REMOVAL, date(2028, 2, 28))
    decisions.append(removal)
    assert isinstance(event, rules.MemberRemoved) and rules.removed(decisions) and not rules.suspended(decisions)
    assert rules.proposal(spell, decisions, date(2030, 1, 1)) is None


def test_a_second_suspension_and_a_decision_dated_in_the_future_are_refused(member):
    spell, _ = lose(member, date(2026, 1, 1), date(2026, 1, 2))
    suspension, _ = decide(member, spell, [], rules.SUSPENSION, date(2026, 7, 1))
    code, details = code_of(lambda: decide(member, spell, [suspension], rules.SUSPENSION, date(2026, 8, 1)))
    assert code == ErrorCode.NO_PROPOSAL and "kind" in details
    code, details = code_of(lambda: decide(member, spell, [], rules.SUSPENSION, date(2026, 8, 2), today=date(2026, 8, 1)))
    assert code == ErrorCode.VALIDATION_FAILED and "decided_on" in details


def test_nothing_is_proposed_for_a_member_whose_contact_is_not_lost(member):
    assert code_of(lambda: decide(member, None, [], rules.SUSPENSION, date(2026, 8, 1)))[0] == ErrorCode.NO_PROPOSAL


def test_restored_contact_closes_the_spell_and_reverses_a_confirmed_suspension(member):
    spell, _ = lose(member, date(2026, 1, 1), date(2026, 1, 2))
    suspension, _ = decide(member, spell, [], rules.SUSPENSION, date(2026, 7, 1))
    event = rules.restore(member, spell=spell, decisions=[suspension], restored_on=date(2026, 9, 1),
                          today=date(2026, 9, 2), restored_at=NOW, restored_by="user:x")
    assert not spell.open and spell.open_for_member_id is None and spell.restored_by == "user:x"
    assert suspension.reversed_on == date(2026, 9, 1) and not rules.suspended([suspension])
    assert event.suspension_reversed and event.restored_on == date(2026, 9, 1)
    assert rules.proposal(spell, [suspension], date(2027, 1, 1)) is None


def test_restored_contact_before_six_months_leaves_nothing_proposed(member):
    spell, _ = lose(member, date(2026, 1, 1), date(2026, 1, 2))
    event = rules.restore(member, spell=spell, decisions=[], restored_on=date(2026, 3, 1), today=date(2026, 3, 1),
                          restored_at=NOW)
    assert not event.suspension_reversed and rules.proposal(spell, [], date(2026, 12, 1)) is None
    # Restored means a later decision has nothing to confirm.
    assert code_of(lambda: decide(member, spell, [], rules.SUSPENSION, date(2026, 12, 1)))[0] == ErrorCode.NO_PROPOSAL


@pytest.mark.parametrize("restored_on, field", [(date(2025, 12, 31), "restored_on"), (date(2026, 3, 2), "restored_on")])
def test_a_restoration_before_the_loss_or_after_today_is_refused(member, restored_on, field):
    spell, _ = lose(member, date(2026, 1, 1), date(2026, 1, 2))
    code, details = code_of(lambda: rules.restore(member, spell=spell, decisions=[], restored_on=restored_on,
                                                  today=date(2026, 3, 1), restored_at=NOW))
    assert code == ErrorCode.VALIDATION_FAILED and field in details and spell.open


def test_a_removal_is_final(member):
    spell, _ = lose(member, date(2023, 1, 1), date(2023, 1, 2))
    suspension, _ = decide(member, spell, [], rules.SUSPENSION, date(2023, 7, 1))
    removal, _ = decide(member, spell, [suspension], rules.REMOVAL, date(2025, 7, 1))
    decisions = [suspension, removal]
    assert code_of(lambda: rules.restore(member, spell=spell, decisions=decisions, restored_on=date(2026, 1, 1),
                                         today=date(2026, 1, 1), restored_at=NOW))[0] == ErrorCode.MEMBER_REMOVED
    assert code_of(lambda: lose(member, date(2026, 1, 1), date(2026, 1, 2), decisions=decisions))[0] == \
        ErrorCode.MEMBER_REMOVED
    assert spell.open


def test_restoring_contact_that_was_never_lost_is_refused(member):
    assert code_of(lambda: rules.restore(member, spell=None, decisions=[], restored_on=date(2026, 1, 1),
                                         today=date(2026, 1, 1), restored_at=NOW))[0] == ErrorCode.NOT_LOST_CONTACT


def test_lost_on_counts_the_day_of_restoration_as_found_again(member):
    spell, _ = lose(member, date(2026, 1, 1), date(2026, 1, 2))
    rules.restore(member, spell=spell, decisions=[], restored_on=date(2026, 3, 1), today=date(2026, 3, 1), restored_at=NOW)
    assert not spell.lost_on(date(2025, 12, 31)) and spell.lost_on(date(2026, 1, 1))
    assert spell.lost_on(date(2026, 2, 28)) and not spell.lost_on(date(2026, 3, 1))
