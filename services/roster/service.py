"""The roster service's entrypoints: load the input, call a use case, dump the
result (masked as the caller's scope says).

Every RPC but ``ping`` takes the caller's signed context
(``contracts.caller_context``) as its last positional argument; the kernel's
``scoped_rpc`` verifies it, hands the method the caller's scope
(``contracts.access.Scope``), runs the method in one transaction and commits it
(services.common.rpc).
"""
from nameko.dependency_providers import Config

from contracts import roster as contract
from contracts.errors import ErrorCode, RuleViolation
from services.common.clock import Clock
from services.common.db import Database
from services.common.rpc import load, rpc, scoped_rpc
from services.roster import schemas, usecases
from services.roster.models import metadata
from services.roster.repository import REPOSITORIES

DUPLICATE_ID_NUMBER = RuleViolation(ErrorCode.DUPLICATE_ID_NUMBER, "a member with this ID number is already registered",
                                    {"id_number": ["already registered"]})


class RosterService:
    name = contract.SERVICE_NAME

    db = Database(
        metadata, migrations="services.roster:migrations", personal_data=True, repositories=REPOSITORIES,
        events=usecases.EVENTS,
        # Two registrations of one ID number that raced past the check: the
        # unique index refuses the second.
        unique_violations={"id_number_index": DUPLICATE_ID_NUMBER},
    )
    config = Config()

    @property
    def clock(self):
        return Clock.from_config(self.config)

    @rpc
    def ping(self):
        return {"status": "ok"}

    # ---- organisations ---------------------------------------------------

    @scoped_rpc(write=True)
    def create_organisation(self, payload, scope):
        command = load(contract.OrganisationCreateSchema(), payload)
        return schemas.dump_organisation(usecases.create_organisation(self.db, command, self.clock, scope))

    @scoped_rpc
    def get_organisation(self, organisation_id, scope):
        return schemas.dump_organisation(usecases.get_organisation(self.db, organisation_id, scope))

    @scoped_rpc
    def get_organisation_subtree(self, organisation_id, scope):
        return schemas.dump_subtree(usecases.organisation_subtree(self.db, organisation_id, scope))

    @scoped_rpc
    def list_organisations(self, query, scope):
        query = load(contract.OrganisationQuerySchema(), query if query is not None else {})
        items, total = usecases.list_organisations(self.db, query, scope)
        return schemas.dump_organisation_page(items, total, query)

    @scoped_rpc
    def organisation_tree_page(self, after_id, limit, scope):
        """For other services' projections of the tree (services.common.tree)."""
        items, more = usecases.organisation_tree_page(self.db, after_id, int(limit), scope)
        return schemas.dump_tree_page(items, more)

    # ---- members ---------------------------------------------------------

    @scoped_rpc(write=True)
    def register_member(self, payload, scope):
        command = load(contract.MemberCreateSchema(), payload)
        return schemas.dump_member(usecases.register_member(self.db, command, self.clock, scope), scope)

    @scoped_rpc
    def get_member(self, member_id, scope):
        return schemas.dump_member(usecases.get_member(self.db, member_id, scope), scope)

    @scoped_rpc
    def find_member_by_id_number(self, id_number, scope):
        member = usecases.find_member_by_id_number(self.db, schemas.load_id_number(id_number), scope)
        return schemas.dump_member(member, scope)

    @scoped_rpc
    def list_members(self, query, scope):
        query = load(contract.MemberQuerySchema(), query if query is not None else {})
        items, total = usecases.list_members(self.db, query, scope)
        return schemas.dump_member_page(items, total, query, scope)

    @scoped_rpc
    def export_members(self, query, scope):
        query = load(contract.MemberExportQuerySchema(), query if query is not None else {})
        items, total = usecases.export_members(self.db, query, scope)
        return schemas.dump_member_export(items, total, scope)

    # ---- movements -------------------------------------------------------

    @scoped_rpc(write=True)
    def report_departure(self, member_id, payload, scope):
        command = load(contract.DepartureReportSchema(), payload)
        departure = usecases.report_departure(self.db, member_id, command, self.clock, scope)
        return schemas.dump_departure(departure, scope)

    @scoped_rpc(write=True)
    def report_return(self, member_id, payload, scope):
        command = load(contract.ReturnReportSchema(), payload if payload is not None else {})
        departure = usecases.report_return(self.db, member_id, command, self.clock, scope)
        return schemas.dump_departure(departure, scope)

    # ---- issue 8: check-in at the destination (双报到), awaiting check-in, should transfer ----

    @property
    def check_in_due_days(self):
        return int(self.config.get("CHECK_IN_DUE_DAYS") or usecases.check_ins.DEFAULT_CHECK_IN_DUE_DAYS)

    @scoped_rpc(write=True)
    def report_check_in(self, member_id, payload, scope):
        command = load(contract.CheckInReportSchema(), payload)
        return schemas.dump_check_in(usecases.report_check_in(self.db, member_id, command, self.clock, scope))

    @scoped_rpc
    def list_check_ins(self, member_id, scope):
        return schemas.dump_check_ins(usecases.list_check_ins(self.db, member_id, scope))

    @scoped_rpc(write=True)
    def confirm_check_in(self, member_id, check_in_id, payload, scope):
        command = load(contract.CheckInConfirmationSchema(), payload)
        record = usecases.confirm_check_in(self.db, member_id, check_in_id, command, self.clock, scope)
        return schemas.dump_check_in(record)

    @scoped_rpc
    def members_awaiting_check_in(self, query, scope):
        query, clock = load(contract.AwayQuerySchema(), query if query is not None else {}), self.clock
        items, total = usecases.members_awaiting_check_in(self.db, query, clock, scope, self.check_in_due_days)
        return schemas.dump_away_page(items, total, query, clock.today(), self.check_in_due_days)

    @scoped_rpc
    def members_to_transfer(self, query, scope):
        query, clock = load(contract.AwayQuerySchema(), query if query is not None else {}), self.clock
        items, total = usecases.members_to_transfer(self.db, query, clock, scope)
        return schemas.dump_away_page(items, total, query, clock.today(), self.check_in_due_days)

    @scoped_rpc(write=True)
    def issue_mobile_member_card(self, member_id, payload, scope):
        command = load(contract.MobileMemberCardIssueSchema(), payload)
        return schemas.dump_card(usecases.issue_mobile_member_card(self.db, member_id, command, self.clock, scope))

    @scoped_rpc
    def list_mobile_member_cards(self, member_id, scope):
        return schemas.dump_cards(usecases.list_mobile_member_cards(self.db, member_id, scope))
