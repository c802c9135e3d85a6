"""While away, the study track that goes to the members: materials and courses in a
library, pushed over a channel (``services.education.channels``) to the away members
(or all members) of a subtree; each push keeps one delivery per member with its
status, and each effect is an event (material_published, material_pushed,
delivery_recorded).

A material belongs to the organisation that published it and is visible to its
subtree and to those above it: the county's course reaches every branch.
"""
from sqlalchemy import func, or_, select

from contracts.education import CHANNELS, MATERIAL_KINDS
from contracts.errors import ErrorCode, RuleViolation
from services.common import tree
from services.common.clock import new_id
from services.common.service_calls import PeerUnavailable
from services.education import channels, usecases
from services.education.domain.events import (
    DeliveryRecorded,
    MaterialPublished,
    MaterialPushed,
)
from services.education.domain.participation import OUT_OF_ROLL
from services.education.models import (
    channel_log,
    deliveries,
    materials,
    members,
    pushes,
)

AWAY_STATUSES = ("away", "awaiting_check_in", "should_transfer", "transfer_pending")
# A push is sent within its RPC. On the embedded SQLite here a town's ~200 SMS took 0.5-0.8 s and the county's 1,807
# over 4 s, past the gateway's timeout: a larger audience is pushed town by town until the fan-out moves to a
# background sender.
MAX_RECIPIENTS = 1000
CONTACT_BATCH = 500  # roster's member_contact_for_delivery takes this many at once


# ---- materials ------------------------------------------------------------------------

def publish_material(db, command, clock, scope):
    usecases.visible_organisation(db, command["organisation_id"], scope)
    material = {"id": new_id(), "organisation_id": str(command["organisation_id"]), "title": command["title"],
                "kind": command["kind"], "summary": command.get("summary"), "url": command.get("url"),
                "published_on": command.get("published_on") or clock.today(), "created_by": scope.principal,
                "created_at": clock.now()}
    db.session.execute(materials.insert().values(**material))
    db.add_event(MaterialPublished(material_id=material["id"], organisation_id=material["organisation_id"],
                                   title=material["title"], kind=material["kind"]))
    return material_view(material)


def material_view(material):
    return {**material, "kind_label": MATERIAL_KINDS[material["kind"]]}


def _reachable(db, scope):
    """A clause: materials of the caller's organisations and of those above them."""
    if scope.unrestricted:
        return materials.c.id.is_not(None)
    paths = tree.granted_paths(db.session, usecases.organisation_tree(db), scope)
    above = {part for path in paths for part in path.split("/") if part}
    return or_(usecases.scope_clause(db, scope, materials.c.organisation_id), materials.c.organisation_id.in_(above))


def _visible_material(db, material_id, scope, field=None):
    row = db.session.execute(select(materials).where(materials.c.id == str(material_id), _reachable(db, scope))).first()
    if row is None:
        if field:
            raise RuleViolation(ErrorCode.UNKNOWN_REFERENCE, f"{field} names no material the caller sees",
                                {field: ["no such material"]})
        raise RuleViolation(ErrorCode.MATERIAL_NOT_FOUND, f"material {material_id} not found")
    return row


def list_materials(db, query, scope):
    statement = select(materials).where(_reachable(db, scope))
    if query.get("kind"):
        statement = statement.where(materials.c.kind == query["kind"])
    return usecases.paged(db, statement, query, (materials.c.published_on.desc(), materials.c.id),
                          lambda row: material_view(dict(row._mapping)))


# ---- pushes -----------------------------------------------------------------------------

def push_material(db, command, clock, scope, roster, config):
    """Push a material over one channel to the away (or all) members of a subtree. ``roster``: the service's
    ``ServiceCalls``, asked for phone numbers when the channel needs them; ``config``: the service's (its
    ``CHANNEL_ADAPTERS``)."""
    material = _visible_material(db, command["material_id"], scope, field="material_id")
    usecases.visible_organisation(db, command["organisation_id"], scope)
    audience = select(members.c.member_id, members.c.organisation_id).where(
        usecases.within(db, command["organisation_id"], members.c.organisation_id),
        members.c.status.in_(AWAY_STATUSES) if command["audience"] == "away"
        else members.c.status.not_in(OUT_OF_ROLL))
    count = db.session.execute(select(func.count()).select_from(audience.subquery())).scalar()
    if count > MAX_RECIPIENTS:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, f"a push reaches at most {MAX_RECIPIENTS} members",
                            {"organisation_id": [f"{count} members: push to smaller subtrees"]})
    recipients = db.session.execute(audience.order_by(members.c.member_id)).all()
    channel = channels.adapter(command["channel"], config)
    phones, unreachable = ({}, None) if not (channel.needs_phone and recipients) else _phones(
        roster, [row.member_id for row in recipients])
    now = clock.now()
    push = {"id": new_id(), "material_id": material.id, "organisation_id": str(command["organisation_id"]),
            "channel": command["channel"], "audience": command["audience"], "message": command["message"],
            "pushed_on": clock.today(), "recipients": len(recipients), "pushed_by": scope.principal, "created_at": now}
    db.session.execute(pushes.insert().values(**push))
    db.add_event(MaterialPushed(push_id=push["id"], material_id=material.id, organisation_id=push["organisation_id"],
                                channel=push["channel"], recipients=len(recipients)))
    for row in recipients:
        delivery = channels.Delivery(id=new_id(), member_id=row.member_id, message=command["message"],
                                     phone=phones.get(row.member_id))
        outcome = channels.Failed(unreachable) if unreachable else channel.send(db, delivery, now)
        db.session.execute(deliveries.insert().values(
            id=delivery.id, push_id=push["id"], member_id=row.member_id, organisation_id=row.organisation_id,
            channel=push["channel"], status=outcome.status, reason=outcome.reason, sent_at=now))
        db.add_event(DeliveryRecorded(delivery_id=delivery.id, push_id=push["id"], member_id=row.member_id,
                                      organisation_id=row.organisation_id, channel=push["channel"],
                                      status=outcome.status, reason=outcome.reason))
    return push_view(db, push)


def _phones(roster, member_ids):
    """({member_id: phone} from roster, a batch at a time; None), or ({}, why) when roster does not answer:
    then every delivery fails with that reason (kept, so that the push can be sent again), not the push."""
    phones = {}
    try:
        for start in range(0, len(member_ids), CONTACT_BATCH):
            answer = roster.call("roster", "member_contact_for_delivery",
                                 {"member_ids": member_ids[start:start + CONTACT_BATCH]}, reveal=("phone",))
            phones.update({item["member_id"]: item["phone"] for item in answer["items"]})
    except PeerUnavailable:
        return {}, "roster did not answer for the phone numbers; send the push again"
    return phones, None


def _sees_pusher(db, scope, push):
    return usecases.sees_organisation(db, scope, push.organisation_id)


def _visible_push(db, push_id, scope):
    """A push to the caller's organisations, or one delivered to the caller as a member."""
    row = db.session.execute(select(pushes).where(pushes.c.id == str(push_id))).first()
    if row is None or not (_sees_pusher(db, scope, row) or db.session.execute(select(deliveries.c.id).where(
            deliveries.c.push_id == row.id, deliveries.c.member_id == (scope.member_id or ""))).first()):
        raise RuleViolation(ErrorCode.PUSH_NOT_FOUND, f"push {push_id} not found")
    return row


def push_view(db, push):
    counts = dict(db.session.execute(select(deliveries.c.status, func.count()).where(
        deliveries.c.push_id == push["id"]).group_by(deliveries.c.status)).all())
    return {**push, "channel_label": CHANNELS[push["channel"]], "sent": counts.get("sent", 0),
            "failed": counts.get("failed", 0)}


def get_push(db, push_id, scope):
    return push_view(db, dict(_visible_push(db, push_id, scope)._mapping))


def list_pushes(db, query, scope):
    delivered_to_self = select(deliveries.c.push_id).where(deliveries.c.member_id == (scope.member_id or ""))
    statement = select(pushes).where(usecases.scope_clause(db, scope, pushes.c.organisation_id)
                                     | pushes.c.id.in_(delivered_to_self))
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)
        statement = statement.where(usecases.within(db, query["organisation_id"], pushes.c.organisation_id))
    if query.get("channel"):
        statement = statement.where(pushes.c.channel == query["channel"])
    return usecases.paged(db, statement, query, (pushes.c.created_at.desc(), pushes.c.id),
                          lambda row: push_view(db, dict(row._mapping)))


def list_deliveries(db, push_id, query, scope):
    """A push's deliveries, each with what the channel logged (the address masked)."""
    push = _visible_push(db, push_id, scope)
    statement = (select(deliveries, channel_log.c.address, channel_log.c.logged_at)
                 .outerjoin(channel_log, channel_log.c.delivery_id == deliveries.c.id)
                 .where(deliveries.c.push_id == push.id))
    if not _sees_pusher(db, scope, push):  # a member: their own delivery only
        statement = statement.where(deliveries.c.member_id == scope.member_id)
    if query.get("status"):
        statement = statement.where(deliveries.c.status == query["status"])
    return usecases.paged(db, statement, query, (deliveries.c.member_id,))
