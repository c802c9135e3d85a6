"""Batches at the roster's edge: each item loaded, run and dumped on its own,
and answered with the status and error its single request would have had.

Every rule of a registration or a departure is checked before the use case
adds anything (services.roster.usecases), so a refused item leaves nothing
behind and the items that passed commit together with their events.
"""
from contracts import roster as contract
from services.common.batch import each_item
from services.common.rpc import load
from services.roster import schemas, usecases


def register_members(db, payload, clock, scope, due_days=usecases.DEFAULT_DUE_DAYS):
    items = load(contract.MemberBatchSchema(), payload)["items"]
    member_schema = contract.MemberCreateSchema()  # one per batch: building a schema costs more than loading an item

    def register(item):
        member = usecases.register_member(db, load(member_schema, item), clock, scope, due_days)
        return {"member": schemas.dump_member(member, scope)}

    # Each item is dumped already (schemas.dump_*), masked as the caller's scope says.
    return each_item(items, register)


def report_departures(db, payload, clock, scope, home_code, due_days=usecases.DEFAULT_DUE_DAYS):
    items = load(contract.DepartureBatchSchema(), payload)["items"]
    member_id_schema, report_schema = _MemberIdSchema(), contract.DepartureReportSchema()

    def depart(item):
        item = dict(item)
        member_id = load(member_id_schema, {"member_id": item.pop("member_id", None)})["member_id"]
        command = load(report_schema, item)
        departure = usecases.report_departure(db, str(member_id), command, clock, scope, home_code, due_days)
        return {"departure": schemas.dump_departure(departure, scope)}

    return each_item(items, depart)


class _MemberIdSchema(contract.StrictSchema):
    member_id = contract.fields.UUID(required=True)

