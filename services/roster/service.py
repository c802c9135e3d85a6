"""The roster service's entrypoints: load the input, call a use case, dump the
result (masked as the caller's scope says).

Every RPC but ``ping`` takes the caller's signed context
(``contracts.caller_context``) as its last positional argument; the kernel's
``scoped_rpc`` verifies it, hands the method the caller's scope
(``contracts.access.Scope``), runs the method in one transaction and commits it
(services.common.rpc).
"""
from nameko.dependency_providers import Config
from nameko.timer import timer

from contracts import roster as contract
from contracts.errors import ErrorCode, RuleViolation
from services.common.clock import Clock
from services.common.db import Database
from services.common.rpc import load, rpc, scoped_rpc
from services.common.timers import configured_timer
from services.roster import (
    batch,
    lost_contacts,
    meetings,
    member_changes,
    organisations,
    pocket_members,
    schemas,
    status,
    timeline,
    transfers,
    usecases,
)
from services.roster.domain import places
from services.roster.models import metadata
from services.roster.repository import REPOSITORIES

# Seconds between sweeps for expired transfer letters: a letter expires at the county's midnight,
# so the expiry is recorded within this long after it (and at once when the letter is read).
TRANSFER_EXPIRY_INTERVAL = 600
# Seconds between the clock's status sweeps (services.roster.status): the statuses the clock changes
# (awaiting check-in, should transfer) change at the county's midnight and are published within this long.
STATUS_SWEEP_INTERVAL = 3600

DUPLICATE_ID_NUMBER = RuleViolation(ErrorCode.DUPLICATE_ID_NUMBER, "a member with this ID number is already registered",
                                    {"id_number": ["already registered"]})
# Two first sightings of one ID number at once (issue 8): the second is refused by the unique index;
# sent again, it is counted on the candidate the first recorded.
SIGHTING_RACE = RuleViolation(ErrorCode.SIGHTING_CONFLICT,
                              "the same ID number was reported at the same moment; send it again",
                              {"id_number": ["reported at the same moment by another request"]})


class RosterService:
    name = contract.SERVICE_NAME

    db = Database(
        metadata, migrations="services.roster:migrations", personal_data=True, repositories=REPOSITORIES,
        events=usecases.EVENTS,
        # Two registrations of one ID number that raced past the check: the
        # unique index refuses the second.
        # A pocket-member candidate's number (issue 8) first: its index's name holds "id_number_index" too.
        unique_violations={"uq_pocket_members_id_number_index": SIGHTING_RACE, "id_number_index": DUPLICATE_ID_NUMBER,
                           **organisations.UNIQUE_VIOLATIONS},
    )
    config = Config()

    @property
    def clock(self):
        return Clock.from_config(self.config)

    @property
    def home_code(self):
        """The county the platform serves (GB/T 2260 code): where departures are seen from."""
        return str(self.config.get("HOME_COUNTY_CODE") or places.DEFAULT_HOME_CODE)

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

    @scoped_rpc
    def member_contact_for_delivery(self, query, scope):
        """For a service delivering study material (education's SMS and phone channels): the members' phone
        numbers at send time, never kept by the caller. Other services only, with the phone revealed."""
        query = load(contract.DeliveryContactQuerySchema(), query)
        return contract.DeliveryContactListSchema().dump(
            usecases.contacts_for_delivery(self.db, [str(member_id) for member_id in query["member_ids"]], scope))

    # ---- members ---------------------------------------------------------

    @scoped_rpc(write=True)
    def register_member(self, payload, scope):
        command = load(contract.MemberCreateSchema(), payload)
        member = usecases.register_member(self.db, command, self.clock, scope, self.check_in_due_days)
        return schemas.dump_member(member, scope)

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
        departure = usecases.report_departure(self.db, member_id, command, self.clock, scope, self.home_code,
                                              self.check_in_due_days)
        return schemas.dump_departure(departure, scope)

    @scoped_rpc(write=True)
    def report_return(self, member_id, payload, scope):
        command = load(contract.ReturnReportSchema(), payload if payload is not None else {})
        departure = usecases.report_return(self.db, member_id, command, self.clock, scope, self.check_in_due_days)
        return schemas.dump_departure(departure, scope)

    # ---- organisation-relationship transfer (组织关系转接) -----------------

    @scoped_rpc(write=True)
    def issue_transfer(self, member_id, payload, scope):
        command = load(contract.TransferIssueSchema(), payload)
        letter = transfers.issue_transfer(self.db, member_id, command, self.clock, scope, self.check_in_due_days)
        return schemas.dump_transfer(letter, self.clock.today())

    @scoped_rpc
    def get_transfer(self, transfer_id, scope):
        letter = transfers.get_transfer(self.db, transfer_id, self.clock, scope, self.check_in_due_days)
        return schemas.dump_transfer(letter, self.clock.today())

    @scoped_rpc
    def list_transfers(self, query, scope):
        query = load(contract.TransferQuerySchema(), query if query is not None else {})
        items, total = transfers.list_transfers(self.db, query, self.clock, scope)
        return schemas.dump_transfer_page(items, total, query, self.clock.today())

    @scoped_rpc(write=True)
    def receive_transfer(self, transfer_id, payload, scope):
        load(contract.TransferReceiptSchema(), payload if payload is not None else {})
        letter = transfers.receive_transfer(self.db, transfer_id, self.clock, scope, self.check_in_due_days)
        return schemas.dump_transfer(letter, self.clock.today())

    @scoped_rpc(write=True)
    def reissue_transfer(self, transfer_id, payload, scope):
        command = load(contract.TransferReissueSchema(), payload if payload is not None else {})
        letter = transfers.reissue_transfer(self.db, transfer_id, command, self.clock, scope, self.check_in_due_days)
        return schemas.dump_transfer(letter, self.clock.today())

    @timer(interval=TRANSFER_EXPIRY_INTERVAL)
    def expire_overdue_transfers(self):
        """The periodic sweep: letters past their validity are recorded expired, each with its event.
        Every instance runs it; they never expire one letter twice (``transfers.expire_overdue_transfers``)."""
        while transfers.expire_overdue_transfers(self.db, self.clock, due_days=self.check_in_due_days):
            self.db.commit()
        self.db.commit()
    # ---- county statistics (issue 8) ----

    @scoped_rpc
    def county_statistics(self, query, scope):
        query = load(contract.StatisticsQuerySchema(), query if query is not None else {})
        return contract.StatisticsSchema().dump(usecases.county_statistics(self.db, query, self.clock, scope))

    # ---- batches (issue 8): each item answered on its own ----

    @scoped_rpc(write=True)
    def register_members(self, payload, scope):
        return batch.register_members(self.db, payload, self.clock, scope, self.check_in_due_days)

    @scoped_rpc(write=True)
    def report_departures(self, payload, scope):
        return batch.report_departures(self.db, payload, self.clock, scope, self.home_code, self.check_in_due_days)

    # ---- meetings: quorum, 留党察看 and exclusions (issue 8) --------------

    @scoped_rpc
    def quorum(self, organisation_id, query, scope):
        query = load(contract.QuorumCheckSchema(), query if query is not None else {})
        return schemas.dump_quorum(*meetings.quorum_on(self.db, organisation_id, query, scope))

    @scoped_rpc(write=True)
    def record_party_probation(self, organisation_id, payload, scope):
        command = load(contract.PartyProbationCreateSchema(), payload)
        return schemas.dump_party_probation(meetings.record_party_probation(self.db, organisation_id, command, self.clock, scope))

    @scoped_rpc
    def list_party_probations(self, organisation_id, scope):
        return schemas.dump_party_probations(meetings.party_probations(self.db, organisation_id, scope))

    @scoped_rpc(write=True)
    def record_attendance_exclusion(self, organisation_id, payload, scope):
        command = load(contract.AttendanceExclusionCreateSchema(), payload)
        exclusion = meetings.record_attendance_exclusion(self.db, organisation_id, command, self.clock, scope)
        return schemas.dump_attendance_exclusion(exclusion)

    @scoped_rpc
    def list_attendance_exclusions(self, organisation_id, scope):
        return schemas.dump_attendance_exclusions(*meetings.attendance_exclusions(self.db, organisation_id, scope))

    @scoped_rpc(write=True)
    def withdraw_attendance_exclusion(self, organisation_id, exclusion_id, payload, scope):
        command = load(contract.ExclusionWithdrawalCreateSchema(), payload)
        withdrawal = meetings.withdraw_attendance_exclusion(self.db, organisation_id, exclusion_id, command, self.clock,
                                                            scope)
        return schemas.dump_exclusion_withdrawal(withdrawal)

    # ---- issue 8: check-in at the destination (双报到), awaiting check-in, should transfer ----

    @property
    def check_in_due_days(self):
        return int(self.config.get("CHECK_IN_DUE_DAYS") or usecases.check_ins.DEFAULT_CHECK_IN_DUE_DAYS)

    @scoped_rpc(write=True)
    def report_check_in(self, member_id, payload, scope):
        command = load(contract.CheckInReportSchema(), payload)
        record = usecases.report_check_in(self.db, member_id, command, self.clock, scope, self.check_in_due_days)
        return schemas.dump_check_in(record)

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

    # ---- issue 8: lost contact (失联), suspension (停止党籍) and removal (除名) ----

    @scoped_rpc(write=True)
    def report_lost_contact(self, member_id, payload, scope):
        command = load(contract.LostContactReportSchema(), payload)
        spell, decisions = lost_contacts.report_lost_contact(self.db, member_id, command, self.clock, scope,
                                                             self.check_in_due_days)
        return schemas.dump_lost_contact(spell, decisions, self.clock.today())

    @scoped_rpc(write=True)
    def restore_contact(self, member_id, payload, scope):
        command = load(contract.ContactRestorationSchema(), payload if payload is not None else {})
        spell, decisions = lost_contacts.restore_contact(self.db, member_id, command, self.clock, scope,
                                                         self.check_in_due_days)
        return schemas.dump_lost_contact(spell, decisions, self.clock.today())

    @scoped_rpc
    def list_lost_contacts(self, member_id, scope):
        return schemas.dump_lost_contacts(lost_contacts.lost_contact_history(self.db, member_id, scope),
                                          self.clock.today())

    @scoped_rpc(write=True)
    def decide_membership(self, member_id, payload, scope):
        command = load(contract.MembershipDecisionCreateSchema(), payload)
        return schemas.dump_membership_decision(
            lost_contacts.decide_membership(self.db, member_id, command, self.clock, scope, self.check_in_due_days))

    @scoped_rpc
    def lost_members(self, query, scope):
        query, today = load(contract.LostContactQuerySchema(), query if query is not None else {}), self.clock.today()
        items, total = lost_contacts.lost_members(self.db, query, self.clock, scope)
        return schemas.dump_lost_member_page(items, total, query, today)

    # ---- issue 8: member field changes and the member timeline ----

    @scoped_rpc(write=True)
    def update_member(self, member_id, payload, scope):
        command = load(contract.MemberUpdateSchema(), payload)
        return schemas.dump_member(member_changes.update_member(self.db, member_id, command, self.clock, scope), scope)

    @scoped_rpc
    def member_timeline(self, member_id, query, scope):
        query = load(contract.TimelineQuerySchema(), query if query is not None else {})
        member, entries, total = timeline.member_timeline(self.db, member_id, query, scope,
                                                          self.clock.county_timezone)
        return schemas.dump_timeline(member, entries, total, query, scope)

    # ---- issue 8: computed member status, its history, and the clock's sweep ----

    @scoped_rpc
    def member_status_history(self, member_id, scope):
        return schemas.dump_status_history(status.status_history(self.db, member_id, scope))

    @configured_timer("STATUS_SWEEP_INTERVAL", STATUS_SWEEP_INTERVAL)
    def sweep_statuses(self):
        """The clock's sweep: members whose status the clock alone changed (an open departure past the
        check-in due day or six months) are refreshed, each change recorded and published once, in
        batches committed one by one. Every instance runs it; SKIP LOCKED keeps them apart, and a run
        that finds nothing costs one indexed query (``status.sweep_statuses``)."""
        while status.sweep_statuses(self.db, self.clock, self.check_in_due_days):
            self.db.commit()
        self.db.commit()

    # ---- issue 8: pocket members (口袋党员) ----

    @scoped_rpc(write=True)
    def report_sighting(self, payload, scope):
        command = load(contract.SightingSchema(), payload)
        return schemas.dump_sighting(*pocket_members.report_sighting(self.db, command, self.clock, scope), scope)

    @scoped_rpc
    def list_pocket_members(self, query, scope):
        query = load(contract.PocketMemberQuerySchema(), query if query is not None else {})
        items, total = pocket_members.list_pocket_members(self.db, query, scope)
        return schemas.dump_pocket_member_page(items, total, query, scope)

    @scoped_rpc
    def get_pocket_member(self, pocket_member_id, scope):
        return schemas.dump_pocket_member(*pocket_members.get_pocket_member(self.db, pocket_member_id, scope), scope)

    @scoped_rpc(write=True)
    def place_pocket_member(self, pocket_member_id, payload, scope):
        command = load(contract.PlacementCreateSchema(), payload)
        candidate, placement = pocket_members.place_pocket_member(self.db, pocket_member_id, command, self.clock, scope)
        return schemas.dump_placement(candidate, placement, scope)

    # ---- issue 8: organisation details, stations serving branches, town–community pairings ----

    def _organisation_of(self, organisation_id):
        return self.db.organisations.get(organisation_id)

    @scoped_rpc(write=True)
    def update_organisation(self, organisation_id, payload, scope):
        command = load(contract.OrganisationUpdateSchema(), payload)
        return schemas.dump_organisation(
            organisations.update_organisation(self.db, organisation_id, command, self.clock, scope))

    @scoped_rpc
    def list_organisation_changes(self, organisation_id, scope):
        return schemas.dump_organisation_changes(organisations.organisation_changes(self.db, organisation_id, scope))

    @scoped_rpc(write=True)
    def link_station(self, station_id, payload, scope):
        command = load(contract.StationLinkCreateSchema(), payload)
        link = organisations.link_station(self.db, station_id, command, self.clock, scope)
        return schemas.dump_station_link(link, self._organisation_of)

    @scoped_rpc(write=True)
    def end_station_link(self, station_id, link_id, payload, scope):
        command = load(contract.EndSchema(), payload if payload is not None else {})
        link = organisations.end_station_link(self.db, station_id, link_id, command, self.clock, scope)
        return schemas.dump_station_link(link, self._organisation_of)

    @scoped_rpc
    def list_station_branches(self, station_id, query, scope):
        query = load(contract.StationLinkQuerySchema(), query if query is not None else {})
        return schemas.dump_station_links(organisations.station_branches(self.db, station_id, query, scope),
                                          self._organisation_of)

    @scoped_rpc
    def list_branch_stations(self, branch_id, query, scope):
        query = load(contract.StationLinkQuerySchema(), query if query is not None else {})
        return schemas.dump_station_links(organisations.branch_stations(self.db, branch_id, query, scope),
                                          self._organisation_of)

    @scoped_rpc(write=True)
    def pair_town(self, payload, scope):
        command = load(contract.PairingCreateSchema(), payload)
        return schemas.dump_pairing(organisations.pair_town(self.db, command, self.clock, scope), self._organisation_of)

    @scoped_rpc
    def get_pairing(self, pairing_id, scope):
        return schemas.dump_pairing(organisations.get_pairing(self.db, pairing_id, scope), self._organisation_of)

    @scoped_rpc(write=True)
    def end_pairing(self, pairing_id, payload, scope):
        command = load(contract.EndSchema(), payload if payload is not None else {})
        pairing = organisations.end_pairing(self.db, pairing_id, command, self.clock, scope)
        return schemas.dump_pairing(pairing, self._organisation_of)

    @scoped_rpc
    def list_pairings(self, query, scope):
        query = load(contract.PairingQuerySchema(), query if query is not None else {})
        items, total = organisations.list_pairings(self.db, query, scope)
        return schemas.dump_pairing_page(items, total, query, self._organisation_of)
