"""Use cases of lost contact (失联) and what follows it, in the shape of
``services.roster.usecases``: unit of work, clock and the caller's ``Scope``
as arguments; the entrypoint commits.

Whoever sees the member's branch may report and restore (the permission says
who: branch secretaries and liaisons); confirming a proposal takes the
``membership:decide`` permission, held by the county and town committees. The
list of lost members is small (a county has dozens, not thousands), so it is
filtered by proposal in memory after one query, and paged after that.
"""
from contracts.errors import ErrorCode, ServiceError
from services.common.clock import new_id
from contracts import roster_events
from services.roster.domain import lost_contact as rules
from services.roster.status import DEFAULT_DUE_DAYS, refresh_status
from services.roster.usecases import _member, _visible_organisation

# More open spells than this under one query is not a list to work through but a data problem.
MAX_OPEN_SPELLS = 5000


def report_lost_contact(uow, member_id, command, clock, scope, due_days=DEFAULT_DUE_DAYS):
    member = _member(uow, scope, member_id, for_update=True)
    spell, lost = rules.report(
        member, lost_contact_id=new_id(), open_spell=uow.lost_contacts.open_for(member.id),
        decisions=uow.membership_decisions.for_member(member.id), lost_since=command["lost_since"],
        reported_on=clock.today(),
        search_efforts=[rules.SearchEffort(on=e["on"], how=e["how"], outcome=e["outcome"])
                        for e in command["search_efforts"]],
        note=command.get("note"), reported_at=clock.now(), reported_by=scope.principal,
    )
    uow.lost_contacts.add(spell)
    uow.add_event(lost)
    refresh_status(uow, member, clock, roster_events.MEMBER_LOST_CONTACT, scope.principal, due_days,
                   effective_on=spell.lost_since)
    return spell, []


def restore_contact(uow, member_id, command, clock, scope, due_days=DEFAULT_DUE_DAYS):
    member = _member(uow, scope, member_id, for_update=True)
    spell = uow.lost_contacts.open_for(member.id, for_update=True)
    decisions = uow.membership_decisions.for_member(member.id, for_update=True)
    today = clock.today()
    restored = rules.restore(member, spell=spell, decisions=decisions, restored_on=command.get("restored_on") or today,
                             today=today, note=command.get("note"), restored_at=clock.now(),
                             restored_by=scope.principal)
    uow.add_event(restored)
    refresh_status(uow, member, clock, roster_events.MEMBER_CONTACT_RESTORED, scope.principal, due_days,
                   effective_on=spell.restored_on)
    return spell, [d for d in decisions if d.lost_contact_id == spell.id]


def decide_membership(uow, member_id, command, clock, scope, due_days=DEFAULT_DUE_DAYS):
    member = _member(uow, scope, member_id, for_update=True)
    spell = uow.lost_contacts.open_for(member.id, for_update=True)
    if spell is None:
        # A spell restored already answers better than "nothing": say so.
        spells = uow.lost_contacts.for_member(member.id)
        spell = spells[-1] if spells else None
    decisions = uow.membership_decisions.for_member(member.id, for_update=True)
    today = clock.today()
    decision, decided = rules.decide(
        member, decision_id=new_id(), spell=spell, decisions=decisions, kind=command["kind"],
        decided_on=command.get("decided_on") or today, today=today, note=command.get("note"),
        decided_at=clock.now(), decided_by=scope.principal,
    )
    uow.membership_decisions.add(decision)
    uow.add_event(decided)
    cause = roster_events.MEMBER_SUSPENDED if decision.kind == rules.SUSPENSION else roster_events.MEMBER_REMOVED
    refresh_status(uow, member, clock, cause, scope.principal, due_days, effective_on=decision.decided_on)
    return decision


def lost_contact_history(uow, member_id, scope):
    """Every spell of the member, oldest first, each with its decisions."""
    member = _member(uow, scope, member_id)
    decisions = uow.membership_decisions.for_member(member.id)
    return [(spell, [d for d in decisions if d.lost_contact_id == spell.id])
            for spell in uow.lost_contacts.for_member(member.id)]


def lost_members(uow, query, clock, scope):
    """失联党员: members whose contact is lost now, lost longest first, with
    what is proposed for each today; ``proposal`` keeps those with that proposal due."""
    organisation = (
        _visible_organisation(uow, scope, query["organisation_id"], "organisation_id")
        if query.get("organisation_id") else None
    )
    rows, total = uow.lost_contacts.open_spells(scope=scope, organisation=organisation, limit=MAX_OPEN_SPELLS)
    if total > MAX_OPEN_SPELLS:
        raise ServiceError(ErrorCode.EXPORT_TOO_LARGE,
                           f"{total} members are lost; narrow the list with organisation_id",
                           {"total": total, "max_rows": MAX_OPEN_SPELLS})
    decisions = uow.membership_decisions.for_members([member.id for member, _ in rows])
    today = clock.today()
    items = []
    for member, spell in rows:
        own = [d for d in decisions.get(member.id, []) if d.lost_contact_id == spell.id]
        due = rules.proposal(spell, own, today)
        if query.get("proposal") and (due is None or due.kind != query["proposal"]):
            continue
        items.append((member, spell, own))
    page, per_page = query["page"], query["per_page"]
    return items[(page - 1) * per_page:page * per_page], len(items)
