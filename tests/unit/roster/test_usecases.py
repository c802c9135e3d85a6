"""The roster's use cases on a fake unit of work: what is committed, with which events."""
from datetime import date, datetime, timezone

import pytest

from contracts.errors import ServiceError
from services.roster import usecases


class FakeRepository:
    def __init__(self):
        self.rows = {}

    def add(self, obj):
        self.rows[obj.id] = obj

    def get(self, obj_id, for_update=False):
        return self.rows.get(str(obj_id))


class FakeMembers(FakeRepository):
    def id_number_taken(self, id_number):
        return any(m.id_number == id_number for m in self.rows.values())


class FakeUnitOfWork:
    def __init__(self):
        self.organisations = FakeRepository()
        self.members = FakeMembers()
        self.pending, self.committed_events, self.commits = [], [], 0

    def add_event(self, event):
        event.envelope()  # the real unit of work validates against the catalogue here
        self.pending.append(event)

    def commit(self):
        self.committed_events += self.pending
        self.pending = []
        self.commits += 1


class FixedClock:
    def now(self):
        return datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)

    def today(self):
        return date(2026, 3, 1)


@pytest.fixture
def uow():
    return FakeUnitOfWork()


@pytest.fixture
def branch(uow):
    county = usecases.create_organisation(uow, {"name": "高台县委", "kind": "party_committee"}, FixedClock())
    return usecases.create_organisation(uow, {"name": "南华村党支部", "kind": "branch", "parent_id": county.id}, FixedClock())


def register(uow, branch, id_number="62072419850302123X"):
    return usecases.register_member(uow, {
        "name": "张三", "gender": "male", "birth_date": date(1985, 3, 2), "id_number": id_number,
        "phone": "13900000001", "joined_on": date(2010, 7, 1), "membership": "full", "organisation_id": branch.id,
    }, FixedClock())


DEPARTURE = {"destination_province": "甘肃省", "destination_city": "瓜州县", "work": "枸杞采摘", "contact": "13900000001"}


def test_registering_commits_the_member_with_member_registered(uow, branch):
    member = register(uow, branch)
    assert uow.members.get(member.id) is member
    [event] = uow.committed_events
    assert event.event_type == "member_registered"
    assert event.envelope()["data"] == {"member_id": member.id, "organisation_id": branch.id, "membership": "full"}


def test_a_duplicate_id_number_is_a_conflict_and_commits_nothing(uow, branch):
    register(uow, branch)
    commits = uow.commits
    with pytest.raises(ServiceError) as refused:
        register(uow, branch)
    assert refused.value.code == "duplicate_id_number"
    assert uow.commits == commits


def test_unknown_parent_names_the_field(uow):
    with pytest.raises(ServiceError) as refused:
        usecases.create_organisation(uow, {"name": "x", "kind": "branch", "parent_id": "nope"}, FixedClock())
    assert refused.value.code == "unknown_reference"
    assert "parent_id" in refused.value.details


def test_rule_violations_become_service_errors(uow):
    with pytest.raises(ServiceError) as refused:
        usecases.create_organisation(uow, {"name": "x", "kind": "branch"}, FixedClock())
    assert refused.value.code == "invalid_parent"


def test_departure_defaults_to_today_and_emits_member_departed(uow, branch):
    member = register(uow, branch)
    departure = usecases.report_departure(uow, member.id, dict(DEPARTURE), FixedClock())
    assert departure.departed_on == date(2026, 3, 1)
    envelope = uow.committed_events[-1].envelope()
    assert envelope["event_type"] == "member_departed"
    assert envelope["data"]["destination_city"] == "瓜州县"
    assert "contact" not in envelope["data"]  # no personal contact data in events


def test_second_departure_is_refused_without_commit(uow, branch):
    member = register(uow, branch)
    usecases.report_departure(uow, member.id, dict(DEPARTURE), FixedClock())
    commits, events = uow.commits, list(uow.committed_events)
    with pytest.raises(ServiceError) as refused:
        usecases.report_departure(uow, member.id, dict(DEPARTURE), FixedClock())
    assert refused.value.code == "member_already_away"
    assert (uow.commits, uow.committed_events) == (commits, events)


def test_unknown_member_is_not_found(uow):
    with pytest.raises(ServiceError) as refused:
        usecases.report_return(uow, "no-such-member", {}, FixedClock())
    assert refused.value.code == "member_not_found"


def test_return_emits_member_returned(uow, branch):
    member = register(uow, branch)
    usecases.report_departure(uow, member.id, dict(DEPARTURE, departed_on=date(2026, 2, 1)), FixedClock())
    departure = usecases.report_return(uow, member.id, {"returned_on": date(2026, 2, 20)}, FixedClock())
    data = uow.committed_events[-1].envelope()["data"]
    assert data == {"member_id": member.id, "departure_id": departure.id, "organisation_id": branch.id,
                    "returned_on": "2026-02-20", "departed_on": "2026-02-01", "departure_reported": True}
