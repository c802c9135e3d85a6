"""Use cases of pocket members (口袋党员), in the shape of ``services.roster.usecases``:
unit of work, clock and the caller's ``Scope`` as arguments; the entrypoint commits.

Who sees a candidate: whoever sees the organisation it belongs to (the letter's
sending branch, or the organisation that recorded the sighting). Anything else
is answered as not found.

Sightings and the oracle. A sighting of an ID number on the roll is answered
``matched``, naming the member only to a caller who sees them; for a member
outside the caller's organisations the answer is ``matched`` without an id, and
nothing is recorded. That tells the caller no more than ``register_member``'s
refusal of a duplicate ID number (which is refused platform-wide) tells the
same callers: both need ``members:write``, and the gateway audits both writes.
A number that matches no one becomes (or adds to) a candidate.
"""
from contracts.errors import ErrorCode, ServiceError
from services.common.clock import new_id
from services.common.crypto import normalise_id_number
from services.roster.domain import pocket_member as rules
from services.roster.domain.transfer import TRANSFERRED_OUT
from services.roster.usecases import _sees, _visible_organisation, register_member

MATCHED = "matched"
CANDIDATE = "candidate"
# Only with an ID-number candidate: what registering them needs beyond the candidate's own data.
REGISTRATION_FIELDS = ("phone", "joined_on", "membership", "gender")


def _sees_candidate(uow, scope, candidate):
    return scope.unrestricted or scope.sees_organisation(uow.organisations.get(candidate.organisation_id))


def _candidate(uow, scope, pocket_member_id, for_update=False):
    candidate = uow.pocket_members.get(pocket_member_id, for_update=for_update)
    if candidate is None or not _sees_candidate(uow, scope, candidate):
        raise ServiceError(ErrorCode.POCKET_MEMBER_NOT_FOUND, f"pocket member {pocket_member_id} not found")
    return candidate


# ---- from transfer letters (called by services.roster.transfers) ----------------

def letter_expired(uow, letter, clock):
    """A letter's expiry was recorded: its member becomes a candidate (one open candidate per member)."""
    member = uow.members.get(letter.member_id)
    if member is None or member.status == TRANSFERRED_OUT:
        return None
    candidate = uow.pocket_members.open_for_member(member.id)
    if candidate is not None:
        candidate.letter_expired_again(letter.id)
        return candidate
    candidate = rules.PocketMember(
        id=new_id(), source=rules.TRANSFER_LETTER, organisation_id=letter.from_organisation_id, name=member.name,
        member_id=member.id, transfer_id=letter.id, found_on=letter.expired_on, found_at=clock.now(),
    )
    uow.pocket_members.add(candidate)
    uow.add_event(candidate.found())
    return candidate


def letter_started(uow, member_id, clock):
    """A new or re-issued letter for the member: their open candidate is withdrawn."""
    candidate = uow.pocket_members.open_for_member(member_id)
    if candidate is not None:
        candidate.withdraw(clock.today())


# ---- from ID numbers -------------------------------------------------------------

def report_sighting(uow, command, clock, scope):
    """An ID number arrived from elsewhere. Answers (outcome, member id or None, candidate or None, new)."""
    organisation = _visible_organisation(uow, scope, command["organisation_id"], "organisation_id")
    seen_on = command.get("seen_on") or clock.today()
    if seen_on > clock.today():
        raise ServiceError(ErrorCode.VALIDATION_FAILED, "a sighting is reported once it happened",
                           {"seen_on": [f"must not be after today ({clock.today().isoformat()})"]})
    id_number = normalise_id_number(command["id_number"])
    member = uow.members.find_by_id_number(id_number)
    if member is not None:
        return MATCHED, member.id if _sees(uow, scope, member) else None, None, False
    candidate = uow.pocket_members.find_by_id_number(id_number)
    if candidate is not None:
        candidate.seen_again(seen_on)
        return CANDIDATE, None, candidate if _sees_candidate(uow, scope, candidate) else None, False
    candidate = rules.PocketMember(
        id=new_id(), source=command["source"], organisation_id=organisation.id, name=command["name"],
        id_number=id_number, place=command.get("place"), note=command.get("note"), found_on=seen_on,
        found_at=clock.now(), found_by=scope.principal,
    )
    uow.pocket_members.add(candidate)
    uow.add_event(candidate.found())
    return CANDIDATE, None, candidate, True


# ---- the list ---------------------------------------------------------------------

def list_pocket_members(uow, query, scope):
    organisation = (_visible_organisation(uow, scope, query["organisation_id"], "organisation_id")
                    if query.get("organisation_id") else None)
    page, per_page = query["page"], query["per_page"]
    return uow.pocket_members.list(scope=scope, organisation=organisation, source=query.get("source"),
                                   state=query.get("state"), offset=(page - 1) * per_page, limit=per_page)


def get_pocket_member(uow, pocket_member_id, scope):
    candidate = _candidate(uow, scope, pocket_member_id)
    placement = uow.pocket_member_placements.for_pocket_member(candidate.id) if candidate.state == rules.PLACED else None
    return candidate, placement


# ---- placing one in a branch ------------------------------------------------------

def _refuse(code, message, details):
    raise ServiceError(code, message, details)


def place_pocket_member(uow, pocket_member_id, command, clock, scope):
    """A letter candidate's member moves to the branch; an ID-number candidate is registered
    there (``register_member``'s rules). Either way the placement is appended to the history."""
    candidate = _candidate(uow, scope, pocket_member_id, for_update=True)
    branch = _visible_organisation(uow, scope, command["branch_id"], "branch_id")
    rules.ensure_branch(branch)
    today = clock.today()
    placed_on = command.get("placed_on") or today
    candidate.check_placeable(placed_on, today)
    if candidate.from_letter:
        given = [name for name in REGISTRATION_FIELDS if command.get(name) is not None]
        if given:
            _refuse(ErrorCode.VALIDATION_FAILED, "the member is on the roll already: nothing to register",
                    {name: ["only for a candidate from an ID number"] for name in given})
        member = uow.members.get(candidate.member_id, for_update=True)
        if uow.transfers.pending_for(member.id) is not None:
            _refuse(ErrorCode.TRANSFER_ALREADY_PENDING, "the member has a pending transfer letter",
                    {"member_id": member.id})
        if member.status == TRANSFERRED_OUT:
            _refuse(ErrorCode.MEMBER_TRANSFERRED_OUT, "the member was transferred out of the platform",
                    {"member_id": member.id})
        from_organisation_id, registered = member.organisation_id, False
        member.organisation_id = branch.id
    else:
        missing = {name: ["required to register a candidate from an ID number"]
                   for name in ("phone", "joined_on") if command.get(name) is None}
        if missing:
            _refuse(ErrorCode.VALIDATION_FAILED, "registering the candidate needs more", missing)
        birth_date = rules.birth_date_of(candidate.id_number)
        if command["joined_on"] <= birth_date:
            _refuse(ErrorCode.VALIDATION_FAILED, "joined before being born",
                    {"joined_on": ["must be after the birth date inside the ID number"]})
        member = register_member(uow, {
            "name": candidate.name, "gender": command.get("gender") or rules.gender_of(candidate.id_number),
            "birth_date": birth_date, "id_number": candidate.id_number, "phone": command["phone"],
            "joined_on": command["joined_on"], "membership": command.get("membership") or "full",
            "organisation_id": branch.id,
        }, clock, scope)
        from_organisation_id, registered = None, True
    placement = rules.PocketMemberPlacement(
        id=new_id(), pocket_member_id=candidate.id, member_id=member.id, from_organisation_id=from_organisation_id,
        branch_id=branch.id, placed_on=placed_on, registered=registered, note=command.get("note"),
        recorded_at=clock.now(), recorded_by=scope.principal,
    )
    placed = candidate.place_in(placement_id=placement.id, branch=branch, member=member,
                                from_organisation_id=from_organisation_id, placed_on=placed_on, registered=registered)
    uow.pocket_member_placements.add(placement)
    uow.add_event(placed)
    return candidate, placement
