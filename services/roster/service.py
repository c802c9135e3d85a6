"""The roster service's entrypoints: load the input, call a use case, dump the result."""
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

    db = Database(metadata, migrations="services.roster:migrations")
    config = Config()

    def _uow(self):
        return RosterUnitOfWork(self.db)

    def _clock(self):
        return usecases.Clock(ZoneInfo(self.config.get("COUNTY_TIMEZONE", "Asia/Shanghai")))

    @rpc
    def ping(self):
        return {"status": "ok"}

    @rpc
    def create_organisation(self, payload):
        command = load(contract.OrganisationCreateSchema(), payload)
        return schemas.dump_organisation(usecases.create_organisation(self._uow(), command, self._clock()))

    @rpc
    def get_organisation(self, organisation_id):
        return schemas.dump_organisation(usecases.get_organisation(self._uow(), organisation_id))

    @rpc
    def get_organisation_subtree(self, organisation_id):
        return schemas.dump_subtree(usecases.organisation_subtree(self._uow(), organisation_id))

    @rpc
    def list_organisations(self, query=None):
        query = load(contract.OrganisationQuerySchema(), query or {})
        items, total = usecases.list_organisations(self._uow(), query)
        return schemas.dump_organisation_page(items, total, query)

    @rpc
    def register_member(self, payload):
        command = load(contract.MemberCreateSchema(), payload)
        return schemas.dump_member(usecases.register_member(self._uow(), command, self._clock()))

    @rpc
    def get_member(self, member_id):
        return schemas.dump_member(usecases.get_member(self._uow(), member_id))

    @rpc
    def list_members(self, query=None):
        query = load(contract.MemberQuerySchema(), query or {})
        items, total = usecases.list_members(self._uow(), query)
        return schemas.dump_member_page(items, total, query)

    @rpc
    def report_departure(self, member_id, payload):
        command = load(contract.DepartureReportSchema(), payload)
        return schemas.dump_departure(usecases.report_departure(self._uow(), member_id, command, self._clock()))

    @rpc
    def report_return(self, member_id, payload=None):
        command = load(contract.ReturnReportSchema(), payload or {})
        return schemas.dump_departure(usecases.report_return(self._uow(), member_id, command, self._clock()))
