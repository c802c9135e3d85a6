"""The member's computed status (services.roster.domain.status) kept up to date:
the only code that writes ``members.status``.

Every use case that changes a member's history calls ``refresh_status`` after
its own change, with the event type that caused it; the clock's sweep
(``sweep_statuses``) calls it with the cause "clock" for the members whose
status the clock alone has changed. A change writes one row of the
append-only history and, but for the first status at registration (which
``member_registered`` announces), publishes ``member_status_changed`` through
the outbox in the same transaction.
"""
from services.common.clock import new_id
from services.roster.domain import check_in as check_in_rules
from services.roster.domain import lost_contact as lost_contact_rules
from services.roster.domain import status as rules
from services.roster.domain import transfer as transfer_rules

SWEEP_BATCH = 100
DEFAULT_DUE_DAYS = check_in_rules.DEFAULT_CHECK_IN_DUE_DAYS


def gather_facts(uow, member, today):
    departure = member.current_departure
    departed_on = departure.departed_on if departure is not None else None
    checked_in = departure is not None and uow.check_ins.for_departure(departure.id) is not None
    pending = uow.transfers.pending_for(member.id)
    decisions = uow.membership_decisions.for_member(member.id)
    return rules.StatusFacts(
        departed_on=departed_on,
        checked_in=checked_in,
        # A letter past its validity is not pending any more, whether or not its expiry is recorded yet.
        transfer_pending=pending is not None and pending.state_on(today) == transfer_rules.PENDING,
        transferred_out=bool(uow.member_statuses.transferred_out(member.id)),
        transferred_while_away=departed_on is not None and bool(
            uow.member_statuses.transferred_since(member.id, departed_on)),
        lost_contact=uow.lost_contacts.open_for(member.id) is not None,
        suspended=lost_contact_rules.suspended(decisions),
        removed=lost_contact_rules.removed(decisions),
    )


def refresh_status(uow, member, clock, cause, principal=None, due_days=DEFAULT_DUE_DAYS, effective_on=None,
                   first=False):
    """Derive the member's status now and record it when it changed; answers the change, or None.
    ``first``: the member was just registered: the status is recorded as the first of the history (no
    previous one) and published by member_registered, not member_status_changed.

    ``cause``: the event type that caused the refresh, or ``rules.CLOCK``; ``principal``: the caller, None
    for the clock; ``effective_on``: the day of the causing event (a departure's or a return's day), used
    for the statuses whose day the clock does not fix. The caller holds the member's row lock."""
    today = clock.today()
    # A member just registered has no history yet: nothing to ask the database (a batch of 500 registrations
    # would otherwise run six empty queries each).
    facts = rules.StatusFacts() if first else gather_facts(uow, member, today)
    status = rules.derive_status(facts, today, due_days)
    if status == member.status and not first:
        return None
    change = rules.MemberStatusChange(
        id=new_id(), member_id=member.id, organisation_id=member.organisation_id, status=status,
        previous_status=None if first else member.status,
        effective_on=rules.effective_on(status, facts, today, due_days, default=effective_on),
        changed_at=clock.now(), changed_by=principal, cause=cause,
    )
    uow.member_statuses.add(change)
    member.status = status
    if not first:
        uow.add_event(change.event())
    return change


def sweep_statuses(uow, clock, due_days=DEFAULT_DUE_DAYS, batch=SWEEP_BATCH):
    """Refresh up to ``batch`` members whose status the clock alone has changed (cause "clock").

    Safe in several instances at once: the repository hands out only members no other transaction holds
    (SKIP LOCKED) and still cached with a status the clock changes, so each change is recorded and
    published once. Answers how many changed; the caller commits and calls again until it is 0."""
    changed = 0
    for member in uow.member_statuses.due_by_clock(clock.today(), due_days, limit=batch):
        if refresh_status(uow, member, clock, rules.CLOCK, due_days=due_days) is not None:
            changed += 1
    return changed


def status_history(uow, member_id, scope):
    from services.roster.usecases import _member

    return uow.member_statuses.for_member(_member(uow, scope, member_id).id)
