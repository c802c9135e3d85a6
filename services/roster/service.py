"""The roster service's entrypoints: load the input and the caller's scope, call
a use case, dump the result (masked as the scope says).

Every RPC but ``ping`` takes the caller's scope (``contracts.access.ScopeSchema``)
as its last positional argument.
"""
from zoneinfo import ZoneInfo

from nameko.dependency_providers import Config

from contracts import roster as contract
from services.common.db import Database
from services.common.rpc import load, rpc
from services.roster import schemas, usecases
from services.roster.models import metadata
from services.roster.repository import RosterUnitOfWork


class RosterService:
    name = contract.SERVICE_NAME

    db = Database(metadata, migrations="services.roster:migrations", personal_data=True)
    config = Config()

    def _uow(self):
        return RosterUnitOfWork(self.db)

    def _clock(self):
        return usecases.Clock(ZoneInfo(self.config.get("COUNTY_TIMEZONE", "Asia/Shanghai")))

    @rpc
    def ping(self):
        return {"status": "ok"}

    # ---- organisations ---------------------------------------------------

    @rpc
    def create_organisation(self, payload, scope=None):
        visibility = schemas.load_visibility(scope)
        command = load(contract.OrganisationCreateSchema(), payload)
        return schemas.dump_organisation(usecases.create_organisation(self._uow(), command, self._clock(), visibility))

    @rpc
    def get_organisation(self, organisation_id, scope=None):
        visibility = schemas.load_visibility(scope)
        return schemas.dump_organisation(usecases.get_organisation(self._uow(), organisation_id, visibility))

    @rpc
    def get_organisation_subtree(self, organisation_id, scope=None):
        visibility = schemas.load_visibility(scope)
        return schemas.dump_subtree(usecases.organisation_subtree(self._uow(), organisation_id, visibility))

    @rpc
    def list_organisations(self, query, scope=None):
        visibility = schemas.load_visibility(scope)
        query = load(contract.OrganisationQuerySchema(), query if query is not None else {})
        items, total = usecases.list_organisations(self._uow(), query, visibility)
        return schemas.dump_organisation_page(items, total, query)

    # ---- members ---------------------------------------------------------

    @rpc
    def register_member(self, payload, scope=None):
        visibility = schemas.load_visibility(scope)
        command = load(contract.MemberCreateSchema(), payload)
        member = usecases.register_member(self._uow(), command, self._clock(), visibility)
        return schemas.dump_member(member, visibility)

    @rpc
    def get_member(self, member_id, scope=None):
        visibility = schemas.load_visibility(scope)
        return schemas.dump_member(usecases.get_member(self._uow(), member_id, visibility), visibility)

    @rpc
    def find_member_by_id_number(self, id_number, scope=None):
        visibility = schemas.load_visibility(scope)
        member = usecases.find_member_by_id_number(self._uow(), schemas.load_id_number(id_number), visibility)
        return schemas.dump_member(member, visibility)

    @rpc
    def list_members(self, query, scope=None):
        visibility = schemas.load_visibility(scope)
        query = load(contract.MemberQuerySchema(), query if query is not None else {})
        items, total = usecases.list_members(self._uow(), query, visibility)
        return schemas.dump_member_page(items, total, query, visibility)

    @rpc
    def export_members(self, query, scope=None):
        visibility = schemas.load_visibility(scope)
        query = load(contract.MemberExportQuerySchema(), query if query is not None else {})
        items, total = usecases.export_members(self._uow(), query, visibility)
        return schemas.dump_member_export(items, total, visibility)

    # ---- movements -------------------------------------------------------

    @rpc
    def report_departure(self, member_id, payload, scope=None):
        visibility = schemas.load_visibility(scope)
        command = load(contract.DepartureReportSchema(), payload)
        departure = usecases.report_departure(self._uow(), member_id, command, self._clock(), visibility)
        return schemas.dump_departure(departure, visibility)

    @rpc
    def report_return(self, member_id, payload, scope=None):
        visibility = schemas.load_visibility(scope)
        command = load(contract.ReturnReportSchema(), payload if payload is not None else {})
        departure = usecases.report_return(self._uow(), member_id, command, self._clock(), visibility)
        return schemas.dump_departure(departure, visibility)
