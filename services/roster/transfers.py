"""Use cases of the organisation-relationship transfer (组织关系转接), in the shape of
``services.roster.usecases``: unit of work, clock and the caller's ``Scope`` as
arguments; the entrypoint commits.

Who sees a letter: whoever sees the sending organisation or the receiving one
(both keep the history), and the member it is about. Who records its receipt:
the receiving side when it is on the platform (that is what a receipt is); for
an organisation outside the platform, the sending side, which gets the paper
receipt back. A letter may be addressed to any branch on the platform, also one
outside the caller's subtrees: members move between towns and counties.
"""
from contracts.errors import ErrorCode, ServiceError
from services.common.clock import new_id
from services.roster import pocket_members
from contracts import roster_events
from services.roster.domain import transfer as rules
from services.roster.status import DEFAULT_DUE_DAYS, refresh_status
from services.roster.usecases import _member, _visible_organisation

SWEEP_BATCH = 100


def _sees_letter(uow, scope, letter):
    if scope.unrestricted or scope.is_self(letter.member_id):
        return True
    return any(
        scope.sees_organisation(uow.organisations.get(organisation_id))
        for organisation_id in (letter.from_organisation_id, letter.to_organisation_id) if organisation_id
    )


def _letter(uow, scope, transfer_id, for_update=False):
    letter = uow.transfers.get(transfer_id, for_update=for_update)
    if letter is None or not _sees_letter(uow, scope, letter):
        raise ServiceError(ErrorCode.TRANSFER_NOT_FOUND, f"transfer letter {transfer_id} not found")
    return letter


def _expire_on_access(uow, letter, clock, due_days=DEFAULT_DUE_DAYS, principal=None, pocket=True):
    """Record a due expiry with its event, and derive the member's status anew. The member becomes a
    pocket-member candidate (services.roster.pocket_members), unless a new letter follows at once
    (``pocket`` False)."""
    expired = letter.expire_if_due(clock.today())
    if expired is not None:
        uow.add_event(expired)
        if pocket:
            pocket_members.letter_expired(uow, letter, clock)
        # The member's status was "transfer pending" (unless something above it holds): derived anew.
        member = uow.members.get(letter.member_id, for_update=True)
        refresh_status(uow, member, clock, roster_events.MEMBER_TRANSFER_EXPIRED, principal, due_days,
                       effective_on=letter.expired_on)


def _destination(uow, command):
    if command.get("to_organisation_id"):
        organisation = uow.organisations.get(command["to_organisation_id"])
        if organisation is None:
            raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, "to_organisation_id names no organisation",
                               {"to_organisation_id": ["no such organisation"]})
        return rules.Destination(name=organisation.name, organisation=organisation)
    return rules.Destination(name=command["to_name"], place=command["to_place"])


def _pending_letter(uow, member_id, clock, due_days=DEFAULT_DUE_DAYS, principal=None):
    """The member's pending letter, its expiry recorded first when it is due (then there is none)."""
    pending = uow.transfers.pending_for(member_id)
    if pending is not None:
        _expire_on_access(uow, pending, clock, due_days, principal, pocket=False)  # a new letter follows
        if pending.state != rules.PENDING:
            return None
    return pending


def issue_transfer(uow, member_id, command, clock, scope, due_days=DEFAULT_DUE_DAYS):
    member = _member(uow, scope, member_id, for_update=True)
    destination = _destination(uow, command)
    letter, started = rules.issue(
        letter_id=new_id(), member=member, destination=destination,
        pending_letter=_pending_letter(uow, member.id, clock, due_days, scope.principal), issued_on=clock.today(),
        valid_until=command.get("valid_until"), dues_paid_until=command["dues_paid_until"], issued_at=clock.now(),
        issued_by=scope.principal,
    )
    uow.transfers.add(letter)
    uow.add_event(started)
    refresh_status(uow, member, clock, roster_events.MEMBER_TRANSFER_STARTED, scope.principal, due_days,
                   effective_on=letter.issued_on)
    pocket_members.letter_started(uow, member.id, clock)
    return letter


def get_transfer(uow, transfer_id, clock, scope, due_days=DEFAULT_DUE_DAYS):
    letter = _letter(uow, scope, transfer_id, for_update=True)
    _expire_on_access(uow, letter, clock, due_days)
    return letter


def receive_transfer(uow, transfer_id, clock, scope, due_days=DEFAULT_DUE_DAYS):
    letter = _letter(uow, scope, transfer_id, for_update=True)
    # The receiving side confirms; outside the platform only the sender can record the paper receipt.
    receiver = letter.to_organisation_id or letter.from_organisation_id
    if not (scope.unrestricted or scope.sees_organisation(uow.organisations.get(receiver))):
        raise ServiceError(ErrorCode.FORBIDDEN, "the receiving organisation records the receipt",
                           {"transfer_id": ["addressed to an organisation outside your scope"]})
    member = uow.members.get(letter.member_id, for_update=True)
    # Refused when expired: nothing is written (the sweep or the next read records the expiry).
    transferred = letter.receive(member=member, today=clock.today(), received_at=clock.now(),
                                 received_by=scope.principal)
    uow.add_event(transferred)
    refresh_status(uow, member, clock, roster_events.MEMBER_TRANSFERRED, scope.principal, due_days,
                   effective_on=letter.received_on)
    return letter


def reissue_transfer(uow, transfer_id, command, clock, scope, due_days=DEFAULT_DUE_DAYS):
    old = _letter(uow, scope, transfer_id, for_update=True)
    if not (scope.unrestricted or scope.sees_organisation(uow.organisations.get(old.from_organisation_id))):
        raise ServiceError(ErrorCode.FORBIDDEN, "the sending organisation re-issues its letter",
                           {"transfer_id": ["sent by an organisation outside your scope"]})
    _expire_on_access(uow, old, clock, due_days, scope.principal, pocket=False)  # re-issued below
    member = uow.members.get(old.member_id, for_update=True)
    destination = (rules.Destination(name=old.to_name, organisation=uow.organisations.get(old.to_organisation_id))
                   if old.to_organisation_id else rules.Destination(name=old.to_name, place=old.to_place))
    letter, started = rules.reissue(
        old=old, letter_id=new_id(), member=member, destination=destination,
        pending_letter=_pending_letter(uow, member.id, clock, due_days, scope.principal), today=clock.today(),
        valid_until=command.get("valid_until"), dues_paid_until=command.get("dues_paid_until"),
        issued_at=clock.now(), issued_by=scope.principal,
    )
    uow.transfers.add(letter)
    uow.add_event(started)
    refresh_status(uow, member, clock, roster_events.MEMBER_TRANSFER_STARTED, scope.principal, due_days,
                   effective_on=letter.issued_on)
    pocket_members.letter_started(uow, member.id, clock)
    return letter


def list_transfers(uow, query, clock, scope):
    organisation = (_visible_organisation(uow, scope, query["organisation_id"], "organisation_id")
                    if query.get("organisation_id") else None)
    if query.get("member_id"):
        _member_or_unknown(uow, scope, query["member_id"])
    page, per_page = query["page"], query["per_page"]
    return uow.transfers.list(
        scope=scope, organisation=organisation, direction=query.get("direction"), state=query.get("state"),
        member_id=query.get("member_id"), today=clock.today(), offset=(page - 1) * per_page, limit=per_page,
    )


def _member_or_unknown(uow, scope, member_id):
    try:
        return _member(uow, scope, member_id)
    except ServiceError:
        raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, "member_id names no member",
                           {"member_id": ["no such member"]}) from None


def expire_overdue_transfers(uow, clock, batch=SWEEP_BATCH, due_days=DEFAULT_DUE_DAYS):
    """Record the expiry of up to ``batch`` letters whose validity has passed, each with its event.

    Safe to run in several instances at once: the repository hands out only
    letters no other transaction holds (SKIP LOCKED), still pending, so each
    expiry is recorded and published once. Answers how many it expired.
    """
    letters = uow.transfers.overdue(clock.today(), limit=batch)
    for letter in letters:
        _expire_on_access(uow, letter, clock, due_days)
    return len(letters)
