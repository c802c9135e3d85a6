"""Fakes of what services.roster.status asks of the unit of work: the status history, the
check-ins and the transfer letters (only what the status needs), and the clock's candidates."""
from services.common.fakes import FakeRepository
from services.roster.domain import check_in as check_in_rules
from services.roster.domain import status as status_rules
from services.roster.domain import transfer as transfer_rules


class FakeCheckIns(FakeRepository):
    def for_departure(self, departure_id):
        return next((c for c in self.rows.values() if c.departure_id == departure_id), None)

    def for_member(self, member_id):
        return [c for c in self.rows.values() if c.member_id == member_id]


class FakePendingLetters(FakeRepository):
    def pending_for(self, member_id):
        return next((t for t in self.rows.values() if t.pending_for_member_id == str(member_id)), None)


class FakeLostContacts(FakeRepository):
    def open_for(self, member_id, for_update=False):
        return next((s for s in self.rows.values() if s.open_for_member_id == str(member_id)), None)

    def for_member(self, member_id):
        return [s for s in self.rows.values() if s.member_id == str(member_id)]


class FakeDecisions(FakeRepository):
    def for_member(self, member_id, for_update=False):
        return [d for d in self.rows.values() if d.member_id == str(member_id)]

    def for_members(self, member_ids):
        return {m: self.for_member(m) for m in member_ids if self.for_member(m)}

    def of_members(self, member_ids):
        return [d for m in member_ids for d in self.for_member(m)]


class FakeMemberStatuses:
    def __init__(self, uow):
        self.uow = uow
        self.changes = []

    def add(self, change):
        self.changes.append(change)

    def for_member(self, member_id):
        return [change for change in self.changes if change.member_id == str(member_id)]

    def transferred_out(self, member_id):
        return any(letter.member_id == member_id and letter.state == transfer_rules.RECEIVED
                   and letter.to_organisation_id is None for letter in self.uow.transfers.rows.values())

    def transferred_since(self, member_id, day):
        return any(letter.member_id == member_id and letter.state == transfer_rules.RECEIVED
                   and letter.received_on >= day for letter in self.uow.transfers.rows.values())

    def due_by_clock(self, today, due_days, limit):
        """As the SQL does it: by the departure's day, not by deriving the status."""
        to_transfer = check_in_rules.latest_departure_to_transfer(today)
        awaiting = check_in_rules.latest_departure_awaiting(today, due_days)
        found = []
        for member in self.uow.members.rows.values():
            departure = member.current_departure
            if departure is None or member.status not in status_rules.CLOCK_DRIVEN:
                continue
            no_check_in = self.uow.check_ins.for_departure(departure.id) is None
            if departure.departed_on <= to_transfer or (
                    member.status == status_rules.AWAY and no_check_in and departure.departed_on <= awaiting):
                found.append(member)
        return sorted(found, key=lambda m: (m.current_departure.departed_on, m.id))[:limit]


def with_status_repositories(uow):
    """Adds to ``uow`` whichever of the repositories the status needs it lacks."""
    if not hasattr(uow, "check_ins"):
        uow.check_ins = FakeCheckIns()
    if not hasattr(uow, "transfers"):
        uow.transfers = FakePendingLetters()
    if not hasattr(uow, "pocket_members"):
        from tests.unit.roster import pocket_fakes

        pocket_fakes.install(uow)
    if not hasattr(uow, "lost_contacts"):
        uow.lost_contacts = FakeLostContacts()
    if not hasattr(uow, "membership_decisions"):
        uow.membership_decisions = FakeDecisions()
    uow.member_statuses = FakeMemberStatuses(uow)
    return uow


def status_events(uow):
    return [event.data for event in uow.events if event.event_type == "member_status_changed"]
