"""Use cases of a branch's meetings: the quorum on a date, and the two records
it rests on, 留党察看 and approved exclusions from "should attend" (the rules
are ``services.roster.domain.quorum``). Like ``usecases``: a unit of work, a
clock and the caller's scope as arguments; nothing commits here."""
from contracts.errors import ErrorCode, RuleViolation, ServiceError
from services.common.clock import new_id
from services.roster.domain.quorum import (
    new_attendance_exclusion,
    new_party_probation,
    quorum,
    withdraw_exclusion,
)
from services.roster.usecases import _visible_organisation


def _branch(uow, scope, organisation_id):
    """The branch, if the caller sees it (404 otherwise); 422 for any other kind of organisation."""
    organisation = _visible_organisation(uow, scope, organisation_id)
    if not organisation.holds_members:
        raise RuleViolation(ErrorCode.NOT_A_BRANCH, f"meetings are held by branches, and a {organisation.kind} is not one",
                            {"organisation_id": ["must be a branch (党支部) of some kind"]})
    return organisation


def _member_of(uow, branch, member_id):
    """A member of ``branch``; a member of any other branch is answered as one that does not exist."""
    member = uow.members.get(member_id)
    if member is None or member.organisation_id != branch.id:
        raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, "member_id names no member of this branch",
                           {"member_id": ["no such member in this branch"]})
    return member


def quorum_on(uow, organisation_id, query, scope):
    """Where the branch stands for a meeting on ``query['date']`` with the members
    ``query['present']`` present; answers (quorum, branch, approvers by id)."""
    branch = _branch(uow, scope, organisation_id)
    roll = uow.branch_rolls.members(branch.id)
    on_roll = {member.id for member in roll}
    strangers = [str(member_id) for member_id in query["present"] if str(member_id) not in on_roll]
    if strangers:
        raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, "present names people who are not members of this branch",
                           {"present": [f"not a member of this branch: {member_id}" for member_id in strangers]})
    result = quorum(
        members=roll, probations=uow.party_probations.of_branch(branch.id),
        exclusions=uow.attendance_exclusions.of_branch(branch.id), meeting_date=query["date"],
        present_ids=[str(member_id) for member_id in query["present"]],
        withdrawals=uow.exclusion_withdrawals.of_branch(branch.id),
        decisions=uow.membership_decisions.of_members(on_roll),
        transferred_out_on=uow.transfers.transferred_out_of(branch.id),
        full_member_on=uow.branch_rolls.full_member_on(on_roll),
    )
    # The approving organisation's name, where the caller may see it (a
    # branch secretary's grant usually stops at the branch).
    approvers = {}
    for standing in result.excluded:
        approver = uow.organisations.get(standing.exclusion.approved_by_organisation_id)
        approvers[standing.exclusion.approved_by_organisation_id] = (
            approver.name if scope.sees_organisation(approver) else None)
    return result, branch, approvers


def record_party_probation(uow, organisation_id, command, clock, scope):
    branch = _branch(uow, scope, organisation_id)
    member = _member_of(uow, branch, command["member_id"])
    probation = new_party_probation(
        id=new_id(), member=member, starts_on=command["starts_on"], ends_on=command["ends_on"],
        decided_by=command["decided_by"], decided_on=command["decided_on"], today=clock.today(),
        recorded_at=clock.now(), recorded_by=scope.principal,
    )
    uow.party_probations.add(probation)
    uow.add_event(probation.recorded())
    return probation


def record_attendance_exclusion(uow, organisation_id, command, clock, scope):
    branch = _branch(uow, scope, organisation_id)
    member = _member_of(uow, branch, command["member_id"])
    exclusion = new_attendance_exclusion(
        id=new_id(), member=member, branch=branch, ground=command["ground"],
        approved_by_organisation_id=command["approved_by_organisation_id"], approved_on=command["approved_on"],
        agreed_on=command["agreed_on"], valid_from=command["valid_from"], valid_until=command.get("valid_until"),
        note=command.get("note"), today=clock.today(), recorded_at=clock.now(), recorded_by=scope.principal,
    )
    uow.attendance_exclusions.add(exclusion)
    uow.add_event(exclusion.approved())
    return exclusion


def party_probations(uow, organisation_id, scope):
    """The branch's whole 留党察看 history, oldest record first."""
    return uow.party_probations.of_branch(_branch(uow, scope, organisation_id).id)


def attendance_exclusions(uow, organisation_id, scope):
    """The branch's whole history of exclusions, oldest record first, with
    the day each withdrawn one stopped holding (``{exclusion id: date}``)."""
    branch = _branch(uow, scope, organisation_id)
    withdrawn = {}
    for withdrawal in uow.exclusion_withdrawals.of_branch(branch.id):
        earlier = withdrawn.get(withdrawal.exclusion_id)
        withdrawn[withdrawal.exclusion_id] = min(earlier, withdrawal.effective_from) if earlier else withdrawal.effective_from
    return uow.attendance_exclusions.of_branch(branch.id), withdrawn


def withdraw_attendance_exclusion(uow, organisation_id, exclusion_id, command, clock, scope):
    branch = _branch(uow, scope, organisation_id)
    exclusion = uow.attendance_exclusions.get(exclusion_id, for_update=True)
    if exclusion is None or exclusion.organisation_id != branch.id:
        raise ServiceError(ErrorCode.NOT_FOUND, f"attendance exclusion {exclusion_id} not found in this branch")
    earlier = [w for w in uow.exclusion_withdrawals.of_branch(branch.id) if w.exclusion_id == exclusion.id]
    withdrawal = withdraw_exclusion(
        id=new_id(), exclusion=exclusion, earlier_withdrawals=earlier, effective_from=command["effective_from"],
        reason=command["reason"], recorded_at=clock.now(), recorded_by=scope.principal,
    )
    uow.exclusion_withdrawals.add(withdrawal)
    uow.add_event(withdrawal.recorded())
    return withdrawal
