"""Issue 8's organisation use cases on the kernel's fakes: details at creation and by change,
with history and ``organisation_updated``; one online branch per village; station links and
town–community pairings, each with its event; what a caller outside sees (nothing)."""
from datetime import date

import pytest

from contracts.access import Scope
from contracts.errors import RuleViolation, ServiceError
from services.common.fakes import FakeRepository, FakeUnitOfWork, FixedClock
from services.roster import organisations as usecases
from services.roster.usecases import EVENTS

EVERYTHING = Scope.everything(principal="user:admin")
CLOCK = FixedClock()


class FakeDetails:
    def __init__(self, organisations):
        self.organisations, self.history = organisations, []

    def locked(self, organisation_id):
        return self.organisations.get(organisation_id)

    def online_branch_of(self, village_id):
        return next((o for o in self.organisations.rows.values() if o.online_branch_of == village_id), None)

    def add_change(self, change):
        self.history.append(change)

    def changes(self, organisation_id):
        return [change for change in self.history if change.organisation_id == organisation_id]


class FakeLinks(FakeRepository):
    def active(self, station_id, branch_id):
        return next((link for link in self.rows.values() if link.active_pair == f"{station_id}:{branch_id}"), None)

    def of_station(self, station_id, state=None):
        return [link for link in self.rows.values() if link.station_id == station_id]

    def of_branch(self, branch_id, state=None):
        return [link for link in self.rows.values() if link.branch_id == branch_id]


class FakePairings(FakeRepository):
    def active_for_town(self, town_id):
        return next((p for p in self.rows.values() if p.active_for_town_id == town_id), None)

    def active_for_community(self, community_id):
        return next((p for p in self.rows.values() if p.active_for_community_id == community_id), None)


@pytest.fixture
def uow():
    organisations = FakeRepository()
    return FakeUnitOfWork(events=EVENTS, organisations=organisations, members=FakeRepository(),
                          organisation_details=FakeDetails(organisations), station_links=FakeLinks(),
                          pairings=FakePairings())


def create(uow, name, kind, parent=None, scope=EVERYTHING, **details):
    return usecases.create_organisation(uow, {"name": name, "kind": kind, "parent_id": parent.id if parent else None,
                                              **details}, CLOCK, scope)


@pytest.fixture
def tree(uow):
    county = create(uow, "高台县委", "party_committee")
    town = create(uow, "巷道镇党委", "party_committee", county)
    other_town = create(uow, "南华镇党委", "party_committee", county)
    return {"county": county, "town": town, "other_town": other_town,
            "village": create(uow, "东联村党支部", "branch", town),
            "red": create(uow, "巷道镇红色驿站", "red_station", town),
            "urban": create(uow, "城区第1流动党员党支部", "urban_mobile_branch", county)}


def scope_of(*organisations, principal="user:town"):
    return Scope(organisation_ids=frozenset(o.id for o in organisations), principal=principal)


def test_details_are_given_at_creation_in_the_contracts_shape(uow, tree):
    branch = create(uow, "瓜州县流动党员党支部", "destination_mobile_branch", tree["county"],
                    host={"name": "瓜州县渊泉镇社区", "kind": "community"}, budget={"yuan": 50_000, "year": 2026},
                    activity_day=10)
    assert (branch.host_name, branch.host_kind, branch.budget_yuan, branch.budget_year, branch.activity_day) == (
        "瓜州县渊泉镇社区", "community", 50_000, 2026, 10)
    assert uow.events[-1].event_type == "organisation_created" and uow.events[-1].data["revision"] == 1
    assert tree["urban"].activity_day == 6


def test_a_change_is_kept_in_the_history_and_published_at_the_next_revision(uow, tree):
    changed = usecases.update_organisation(uow, tree["urban"].id, {
        "secretary": {"name": "王书记", "member_id": None}, "liaison": {"name": "张联络员"}, "reason": "换届"},
        CLOCK, scope_of(tree["county"], principal="user:county"))
    assert changed.secretary_name == "王书记" and changed.revision == 2
    (change,) = usecases.organisation_changes(uow, tree["urban"].id, EVERYTHING)
    assert change.changed_by == "user:county" and change.reason == "换届" and change.changed_at == CLOCK.now()
    assert set(change.changes) == {"secretary_name", "liaison_name"}
    event = uow.events[-1]
    assert event.event_type == "organisation_updated" and event.data["revision"] == 2
    assert event.data["changed"] == ["liaison_name", "secretary_name"]


def test_a_change_that_changes_nothing_publishes_nothing(uow, tree):
    before = len(uow.events)
    usecases.update_organisation(uow, tree["urban"].id, {"activity_day": 6}, CLOCK, EVERYTHING)
    assert len(uow.events) == before and usecases.organisation_changes(uow, tree["urban"].id, EVERYTHING) == []


def test_an_organisation_outside_the_scope_is_not_found_and_not_changed(uow, tree):
    with pytest.raises(ServiceError) as error:
        usecases.update_organisation(uow, tree["urban"].id, {"activity_day": 6}, CLOCK, scope_of(tree["town"]))
    assert error.value.code == "organisation_not_found"


def test_an_officer_names_a_member_the_caller_sees(uow, tree):
    with pytest.raises(ServiceError) as error:
        usecases.update_organisation(uow, tree["urban"].id, {"liaison": {"name": "张", "member_id": "nobody"}},
                                     CLOCK, EVERYTHING)
    assert error.value.code == "unknown_reference" and "liaison" in error.value.details
    assert tree["urban"].liaison_name is None and tree["urban"].revision == 1


def test_a_villages_second_online_branch_is_refused(uow, tree):
    create(uow, "东联村网络党支部", "village_online_branch", tree["village"])
    before = len(uow.events)
    with pytest.raises(RuleViolation) as error:
        create(uow, "东联村第二网络党支部", "village_online_branch", tree["village"])
    assert error.value.code == "online_branch_exists" and len(uow.events) == before


def test_station_links_with_their_events(uow, tree):
    town = scope_of(tree["town"])
    with pytest.raises(ServiceError) as error:  # the urban branch is the county's, outside the town
        usecases.link_station(uow, tree["red"].id, {"branch_id": tree["urban"].id}, CLOCK, town)
    assert error.value.code == "unknown_reference" and "branch_id" in error.value.details
    link = usecases.link_station(uow, tree["red"].id, {"branch_id": tree["village"].id}, CLOCK, town)
    assert uow.events[-1].event_type == "station_linked" and link.since == CLOCK.today()
    assert usecases.branch_stations(uow, tree["village"].id, {}, town) == [link]
    usecases.end_station_link(uow, tree["red"].id, link.id, {"ended_on": date(2026, 3, 1), "reason": "撤并"}, CLOCK, town)
    assert uow.events[-1].event_type == "station_unlinked" and uow.events[-1].data["ended_on"] == date(2026, 3, 1)
    with pytest.raises(ServiceError) as error:
        usecases.end_station_link(uow, tree["village"].id, link.id, {}, CLOCK, town)
    assert error.value.code == "station_link_not_found"


def test_pairings_with_their_events_and_who_sees_them(uow, tree):
    city = create(uow, "甘州区委", "party_committee")
    community = create(uow, "甘州区某社区党委", "party_committee", city)
    town = scope_of(tree["town"])
    pairing = usecases.pair_town(uow, {"town_id": tree["town"].id, "community_organisation_id": community.id},
                                 CLOCK, town)
    assert uow.events[-1].event_type == "town_community_paired" and pairing.recorded_by == "user:town"
    assert usecases.get_pairing(uow, pairing.id, scope_of(community)) is pairing
    with pytest.raises(ServiceError) as error:
        usecases.get_pairing(uow, pairing.id, scope_of(tree["other_town"]))
    assert error.value.code == "pairing_not_found"
    with pytest.raises(ServiceError) as error:  # the community's side sees it but does not end it
        usecases.end_pairing(uow, pairing.id, {}, CLOCK, scope_of(community))
    assert error.value.code == "forbidden" and pairing.active
    usecases.end_pairing(uow, pairing.id, {}, CLOCK, town)
    assert uow.events[-1].event_type == "town_community_pairing_ended" and not pairing.active


def test_a_town_outside_the_scope_is_an_unknown_reference(uow, tree):
    with pytest.raises(ServiceError) as error:
        usecases.pair_town(uow, {"town_id": tree["other_town"].id, "community_name": "某社区"}, CLOCK,
                           scope_of(tree["town"]))
    assert error.value.code == "unknown_reference" and "town_id" in error.value.details


def test_another_services_tree_projection_tolerates_organisation_updated(uow, tree):
    """organisation_updated carries organisation_created's fields: services.common.tree.project applies it
    (the higher revision wins, its ``changed`` is ignored), and a late organisation_created changes nothing."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from services.common import tree as projection
    from services.common.tables import kernel_tables, new_metadata

    metadata = new_metadata()
    table = kernel_tables(metadata)["organisation_tree"]
    engine = create_engine("sqlite://")
    metadata.create_all(engine, tables=[table])
    urban = tree["urban"]
    created = urban.created().__dict__
    usecases.update_organisation(uow, urban.id, {"liaison": {"name": "张"}}, CLOCK, EVERYTHING)
    updated = uow.events[-1].data
    with Session(engine) as session:
        for data in (created, updated, created):
            projection.project(session, table, data)
        (row,) = session.execute(select(table)).all()
    assert (row.id, row.revision, row.kind, row.name) == (urban.id, 2, "urban_mobile_branch", urban.name)
