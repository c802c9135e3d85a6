"""Use case: change a member's fields after registration (the rules are
``services.roster.domain.member_changes``). Like ``usecases``: a unit of work,
a clock and the caller's scope as arguments; the entrypoint commits. Each
field changed is recorded in ``member_field_changes`` (the member timeline)
and the change is published as ``member_updated``, without values."""
from services.common.clock import new_id
from services.roster.domain.member_changes import change_fields
from services.roster.usecases import _member


def update_member(uow, member_id, command, clock, scope):
    member = _member(uow, scope, member_id, for_update=True)
    changes = {name: value for name, value in command.items() if name != "reason"}
    records, updated = change_fields(member, changes, today=clock.today(), changed_at=clock.now(),
                                     changed_by=scope.principal, new_id=new_id, reason=command.get("reason"))
    for record in records:
        uow.member_history.add_field_change(record)
    if updated is not None:
        uow.add_event(updated)
    return member
