"""Pairings (帮扶联系, "1+1" and "1+N") and the four ones each owes; rules: ``domain.four_ones``."""
from collections import defaultdict

from sqlalchemy import or_, select, update

from contracts.errors import ErrorCode, RuleViolation
from services.common.clock import new_id
from services.outreach import usecases
from services.outreach.domain import four_ones as rules
from services.outreach.domain.care import not_before
from services.outreach.domain.events import PairingEnded, PairingFormed
from services.outreach.models import contacts, paired_members, pairings


def form(db, command, clock, scope):
    organisation = usecases.visible_organisation(db, command["organisation_id"], scope)
    cadre = usecases.visible_member(db, command["cadre_member_id"], scope, field="cadre_member_id")
    if cadre.organisation_id != organisation.id:
        raise RuleViolation(ErrorCode.UNKNOWN_REFERENCE, "cadre_member_id is not a member of the branch",
                            {"cadre_member_id": ["not of organisation_id"]})
    member_ids = [usecases.visible_member(db, each, scope, field="member_ids").member_id
                  for each in command["member_ids"]]
    pairing_id = new_id()
    db.session.execute(pairings.insert().values(
        id=pairing_id, organisation_id=organisation.id, cadre_member_id=cadre.member_id,
        kind=rules.pairing_kind(member_ids), period=command["period"], starts_on=command["starts_on"],
        created_by=scope.principal, created_at=clock.now()))
    db.session.execute(paired_members.insert(), [{"pairing_id": pairing_id, "member_id": each} for each in member_ids])
    db.add_event(PairingFormed(pairing_id=pairing_id, organisation_id=organisation.id,
                               cadre_member_id=cadre.member_id, member_ids=tuple(member_ids),
                               period=command["period"], starts_on=command["starts_on"]))
    return get(db, pairing_id, scope)


def _members_of(db, pairing_ids):
    found = defaultdict(list)
    for row in db.session.execute(select(paired_members).where(paired_members.c.pairing_id.in_(pairing_ids))
                                  .order_by(paired_members.c.member_id)):
        found[row.pairing_id].append(row.member_id)
    return found


def _visible(db, pairing_id, scope):
    row = db.session.execute(select(pairings).where(pairings.c.id == str(pairing_id))).first()
    if row is None or not (usecases.sees_member_of(db, scope, None, row.organisation_id)
                           or scope.is_self(row.cadre_member_id)
                           or (scope.member_id and scope.member_id in _members_of(db, [row.id])[row.id])):
        raise RuleViolation(ErrorCode.PAIRING_NOT_FOUND, f"pairing {pairing_id} not found")
    return row


def get(db, pairing_id, scope):
    row = _visible(db, pairing_id, scope)
    return {**row._mapping, "member_ids": _members_of(db, [row.id])[row.id]}


def end(db, pairing_id, command, clock, scope):
    row = _visible(db, pairing_id, scope)
    if row.ended_on is not None:
        raise RuleViolation(ErrorCode.ALREADY_ENDED, "the pairing has ended already")
    not_before(command["ended_on"], row.starts_on, "ended_on", "the pairing started")
    db.session.execute(update(pairings).where(pairings.c.id == row.id).values(
        ended_on=command["ended_on"], end_reason=command.get("reason")))
    db.add_event(PairingEnded(pairing_id=row.id, organisation_id=row.organisation_id, ended_on=command["ended_on"]))
    return get(db, row.id, scope)


def _statement(db, query, scope):
    statement = select(pairings).where(usecases.scope_clause(db, scope, pairings.c.organisation_id))
    if scope.member_id is not None and not scope.unrestricted:  # a member: the pairings they are in
        statement = select(pairings).where(or_(
            pairings.c.cadre_member_id == scope.member_id,
            pairings.c.id.in_(select(paired_members.c.pairing_id).where(paired_members.c.member_id == scope.member_id))))
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)
        statement = statement.where(usecases.within(db, query["organisation_id"], pairings.c.organisation_id))
    if query.get("member_id"):
        statement = statement.where(pairings.c.id.in_(
            select(paired_members.c.pairing_id).where(paired_members.c.member_id == str(query["member_id"]))))
    if query.get("cadre_member_id"):
        statement = statement.where(pairings.c.cadre_member_id == str(query["cadre_member_id"]))
    if query.get("pairing_id"):
        statement = statement.where(pairings.c.id == str(query["pairing_id"]))
    if query.get("active") is True:
        statement = statement.where(pairings.c.ended_on.is_(None))
    elif query.get("active") is False:
        statement = statement.where(pairings.c.ended_on.is_not(None))
    return statement


def list_pairings(db, query, scope):
    page = usecases.paged(db, _statement(db, query, scope), query, (pairings.c.starts_on, pairings.c.id))
    members_of = _members_of(db, [row["id"] for row in page["items"]])
    page["items"] = [{**row, "member_ids": members_of[row["id"]]} for row in page["items"]]
    return page


def four_ones(db, query, clock, scope):
    """Every item of the four ones of the pairs asked about, as of ``on``: what is done, due and overdue,
    with the counts per branch. Reads each pair's contacts of the periods it looks at in one query."""
    on = query.get("on") or clock.today()
    pairs = db.session.execute(
        select(pairings, paired_members.c.member_id)
        .join(paired_members, paired_members.c.pairing_id == pairings.c.id)
        .where(pairings.c.id.in_(_statement(db, query, scope).with_only_columns(pairings.c.id)))
        .where(pairings.c.starts_on <= on,
               *([paired_members.c.member_id == str(query["member_id"])] if query.get("member_id") else []))
        .order_by(pairings.c.organisation_id, pairings.c.id, paired_members.c.member_id)).all()
    windows = {(pair.id, pair.member_id): rules.periods(pair.starts_on, pair.ended_on, on, pair.period) for pair in pairs}
    earliest = min((found[0].start for found in windows.values() if found), default=on)
    days = defaultdict(lambda: defaultdict(list))
    if pairs:
        for contact in db.session.execute(
                select(contacts.c.member_id, contacts.c.four_one, contacts.c.occurred_at)
                .where(contacts.c.member_id.in_({pair.member_id for pair in pairs}),
                       contacts.c.four_one.is_not(None),
                       contacts.c.occurred_at >= clock.start_of(earliest))):
            days[contact.member_id][contact.four_one].append(clock.day_of(contact.occurred_at))
    items, counts = [], defaultdict(lambda: {"done": 0, "due": 0, "overdue": 0})
    for pair in pairs:
        for item in rules.four_ones(pair.starts_on, pair.ended_on, on, pair.period, days[pair.member_id]):
            counts[pair.organisation_id][item.state] += 1
            if query.get("state") in (None, item.state):
                items.append({"pairing_id": pair.id, "organisation_id": pair.organisation_id,
                              "cadre_member_id": pair.cadre_member_id, "member_id": pair.member_id,
                              "period_start": item.period.start, "period_end": item.period.end,
                              "item": item.item, "state": item.state, "done_on": item.done_on})
    page, per_page = query.get("page", 1), query.get("per_page", 20)
    return {"on": on, "items": items[(page - 1) * per_page: page * per_page], "total": len(items), "page": page,
            "per_page": per_page,
            "by_organisation": [{"organisation_id": key, **value} for key, value in sorted(counts.items())]}

