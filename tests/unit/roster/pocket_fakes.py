"""Fake repositories of pocket members (口袋党员) for the use-case tests; the SQL ones are proved
on PostgreSQL (tests/integration/test_roster_pocket_members.py)."""
from services.common.fakes import FakeRepository
from services.roster.domain.pocket_member import OPEN


class FakePocketMembers(FakeRepository):
    def __init__(self, organisations):
        super().__init__()
        self.organisations = organisations

    def open_for_member(self, member_id):
        return next((c for c in self.rows.values() if c.open_for_member_id == str(member_id)), None)

    def find_by_id_number(self, id_number):
        return next((c for c in self.rows.values() if c.id_number == id_number), None)

    def list(self, *, scope, organisation=None, source=None, state=None, offset=0, limit=20):
        found = [
            c for c in self.rows.values()
            if scope.sees_organisation(self.organisations.get(c.organisation_id))
            and (organisation is None or self.organisations.get(c.organisation_id).path.startswith(organisation.path))
            and (not source or c.source == source) and (not state or c.state == state)
        ]
        return found[offset:offset + limit], len(found)

    def open_count(self):
        return sum(1 for c in self.rows.values() if c.state == OPEN)


class FakePlacements(FakeRepository):
    def for_pocket_member(self, pocket_member_id):
        return next((p for p in self.rows.values() if p.pocket_member_id == str(pocket_member_id)), None)


def install(uow):
    uow.pocket_members = FakePocketMembers(uow.organisations)
    uow.pocket_member_placements = FakePlacements()
    return uow
