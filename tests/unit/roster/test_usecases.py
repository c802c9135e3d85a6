"""The roster's use cases on the kernel's fake unit of work: what they change,
with which events, and what a caller of each scope may see and change. (The
entrypoint commits; a refused request raises before anything is recorded.)"""
import hashlib
from datetime import date

import pytest

from contracts.access import AUDIT_ONLY_DETAILS, Scope
from contracts.errors import RuleViolation, ServiceError
from services.common.fakes import FakeRepository, FakeUnitOfWork, FixedClock
from services.roster import usecases
from tests.support import id_number
from tests.unit.roster.status_fakes import with_status_repositories

ID_NUMBER = id_number("1985-03-02", 118)

EVERYTHING = Scope.everything(principal="user:admin")
REFUSED = (ServiceError, RuleViolation)


class FakeOrganisations(FakeRepository):
    """Filters with the scope's own rule; the SQL version is proved on PostgreSQL."""

    def list(self, *, scope, kind=None, parent_id=None, offset=0, limit=20):
        found = sorted((o for o in self.rows.values() if scope.sees_organisation(o)
                        and (not kind or o.kind == kind) and (not parent_id or o.parent_id == str(parent_id))),
                       key=lambda o: o.path)
        return found[offset:offset + limit], len(found)

    def page_after(self, *, scope, after_id=None, limit=100):
        found = sorted((o for o in self.rows.values() if scope.sees_organisation(o)
                        and (after_id is None or o.id > after_id)), key=lambda o: o.id)
        return found[:limit]

    def subtree(self, organisation):
        return sorted((o for o in self.rows.values() if o.path.startswith(organisation.path)), key=lambda o: o.depth)


class FakeMembers(FakeRepository):
    def __init__(self, organisations):
        super().__init__()
        self.organisations = organisations

    def id_number_index(self, id_number):
        return hashlib.sha256(f"index:{id_number}".encode()).hexdigest()

    def find_by_id_number(self, id_number):
        return next((m for m in self.rows.values() if m.id_number == id_number), None)

    def _matching(self, scope, organisation=None, status=None, membership=None, gender=None, name=None,
                  **whereabouts):
        # Whereabouts filters are SQL (tests/integration/test_roster_service.py); none are given here.
        assert not any(whereabouts.values()), whereabouts
        return [
            m for m in self.rows.values()
            if scope.sees_member(m, self.organisations.get(m.organisation_id))
            and (organisation is None or self.organisations.get(m.organisation_id).path.startswith(organisation.path))
            and (not status or m.status == status) and (not membership or m.membership == membership)
            and (not gender or m.gender == gender) and (not name or name in m.name)
        ]

    def list(self, *, scope, offset=0, limit=20, **filters):
        found = self._matching(scope, **filters)
        return found[offset:offset + limit], len(found)

    def export(self, *, scope, max_rows, **filters):
        found = self._matching(scope, **filters)
        return (None if len(found) > max_rows else found), len(found)


@pytest.fixture
def uow():
    organisations = FakeOrganisations()
    return with_status_repositories(
        FakeUnitOfWork(usecases.EVENTS, organisations=organisations, members=FakeMembers(organisations)))


def create(uow, name, kind, parent=None, scope=EVERYTHING):
    command = {"name": name, "kind": kind, "parent_id": parent.id if parent else None}
    return usecases.create_organisation(uow, command, FixedClock(), scope)


@pytest.fixture
def county(uow):
    return create(uow, "高台县委", "party_committee")


@pytest.fixture
def branch(uow, county):
    return create(uow, "南华村党支部", "branch", county)


def register(uow, branch, id_number=ID_NUMBER, scope=EVERYTHING, name="张三"):
    return usecases.register_member(uow, {
        "name": name, "gender": "male", "birth_date": date(1985, 3, 2), "id_number": id_number,
        "phone": "13900000001", "joined_on": date(2010, 7, 1), "membership": "full", "organisation_id": branch.id,
    }, FixedClock(), scope)


DEPARTURE = {"destination_province": "甘肃省", "destination_city": "瓜州县", "work": "枸杞采摘", "contact": "13900000001"}
PAGE = {"page": 1, "per_page": 20}


def test_registering_records_the_member_with_member_registered(uow, branch):
    member = register(uow, branch)
    assert uow.members.get(member.id) is member
    [event] = [e for e in uow.events if e.event_type == "member_registered"]
    assert event.event_type == "member_registered"
    assert event.envelope()["data"] == {"member_id": member.id, "organisation_id": branch.id, "membership": "full",
                                        "joined_on": "2010-07-01"}


def test_a_duplicate_id_number_is_a_conflict_and_records_nothing(uow, branch):
    register(uow, branch)
    events = list(uow.events)
    with pytest.raises(REFUSED) as refused:
        register(uow, branch)
    assert refused.value.code == "duplicate_id_number"
    assert ID_NUMBER not in str(refused.value) + str(refused.value.details)
    assert uow.events == events
    # For the gateway's audit record: the hash-index value that stands for the number.
    assert refused.value.details[AUDIT_ONLY_DETAILS] == {"id_number_index": uow.members.id_number_index(ID_NUMBER)}


def test_unknown_parent_names_the_field(uow):
    with pytest.raises(REFUSED) as refused:
        usecases.create_organisation(uow, {"name": "x", "kind": "branch", "parent_id": "nope"}, FixedClock(), EVERYTHING)
    assert refused.value.code == "unknown_reference"
    assert "parent_id" in refused.value.details


def test_rule_violations_become_service_errors(uow):
    with pytest.raises(REFUSED) as refused:
        usecases.create_organisation(uow, {"name": "x", "kind": "branch"}, FixedClock(), EVERYTHING)
    assert refused.value.code == "invalid_parent"


def test_departure_defaults_to_today_and_emits_member_departed(uow, branch):
    member = register(uow, branch)
    departure = usecases.report_departure(uow, member.id, dict(DEPARTURE), FixedClock(), EVERYTHING)
    assert departure.departed_on == date(2026, 3, 1)
    envelope = uow.events[-2].envelope()
    assert envelope["event_type"] == "member_departed"
    assert envelope["data"]["destination_city"] == "瓜州县"
    assert "contact" not in envelope["data"]  # no personal contact data in events
    # and the computed status follows it, in the same transaction
    assert uow.events[-1].envelope()["data"] == {
        "member_id": member.id, "organisation_id": branch.id, "status": "away", "previous_status": "normal",
        "effective_on": "2026-03-01", "cause": "member_departed"}


def test_second_departure_is_refused_and_records_nothing(uow, branch):
    member = register(uow, branch)
    usecases.report_departure(uow, member.id, dict(DEPARTURE), FixedClock(), EVERYTHING)
    events = list(uow.events)
    with pytest.raises(REFUSED) as refused:
        usecases.report_departure(uow, member.id, dict(DEPARTURE), FixedClock(), EVERYTHING)
    assert refused.value.code == "member_already_away"
    assert uow.events == events


def test_unknown_member_is_not_found(uow):
    with pytest.raises(REFUSED) as refused:
        usecases.report_return(uow, "no-such-member", {}, FixedClock(), EVERYTHING)
    assert refused.value.code == "member_not_found"


def test_return_emits_member_returned(uow, branch):
    member = register(uow, branch)
    usecases.report_departure(uow, member.id, dict(DEPARTURE, departed_on=date(2026, 2, 1)), FixedClock(), EVERYTHING)
    departure = usecases.report_return(uow, member.id, {"returned_on": date(2026, 2, 20)}, FixedClock(), EVERYTHING)
    data = uow.events[-2].envelope()["data"]
    assert data == {"member_id": member.id, "departure_id": departure.id, "organisation_id": branch.id,
                    "returned_on": "2026-02-20", "departed_on": "2026-02-01", "departure_reported": True}
    # Reported on 1 March, the return of a member who left on 1 February without checking in: they had been
    # awaiting check-in since 16 February (due after 15 days), and are normal again from the day they came back.
    assert [(e.data["previous_status"], e.data["status"], str(e.data["effective_on"]), e.data["cause"])
            for e in uow.events if e.event_type == "member_status_changed"] == [
        ("normal", "awaiting_check_in", "2026-02-16", "member_departed"),
        ("awaiting_check_in", "normal", "2026-02-20", "member_returned"),
    ]


def test_events_carry_ids_and_places_never_personal_data(uow, branch):
    member = register(uow, branch)
    usecases.report_departure(uow, member.id, dict(DEPARTURE), FixedClock(), EVERYTHING)
    usecases.report_return(uow, member.id, {}, FixedClock(), EVERYTHING)
    for event in uow.events:
        text = str(event.envelope())
        assert member.id_number not in text and member.phone not in text


# ---- scopes ------------------------------------------------------------------

@pytest.fixture
def county_tree(uow, county):
    """county ─ town A ─ branch A1 (member a) ; county ─ town B ─ branch B1 (member b)."""
    town_a, town_b = create(uow, "A镇党委", "party_committee", county), create(uow, "B镇党委", "party_committee", county)
    branch_a, branch_b = create(uow, "A1村党支部", "branch", town_a), create(uow, "B1村党支部", "branch", town_b)
    a = register(uow, branch_a, id_number("1985-03-02", 130), name="甲")
    b = register(uow, branch_b, id_number("1985-03-02", 131), name="乙")
    return {"county": county, "town_a": town_a, "town_b": town_b, "branch_a": branch_a, "branch_b": branch_b,
            "a": a, "b": b}


def town_a_admin(tree):
    return Scope.of(organisation_ids=[tree["town_a"].id], principal="user:town-a")


def test_another_subtree_is_answered_like_nothing_there(uow, county_tree):
    scope, tree = town_a_admin(county_tree), county_tree
    events = list(uow.events)
    assert usecases.get_member(uow, tree["a"].id, scope) is tree["a"]
    assert usecases.get_organisation(uow, tree["branch_a"].id, scope) is tree["branch_a"]
    for call, code in [
        (lambda: usecases.get_member(uow, tree["b"].id, scope), "member_not_found"),
        (lambda: usecases.get_organisation(uow, tree["town_b"].id, scope), "organisation_not_found"),
        (lambda: usecases.get_organisation(uow, tree["county"].id, scope), "organisation_not_found"),
        (lambda: usecases.organisation_subtree(uow, tree["town_b"].id, scope), "organisation_not_found"),
        (lambda: usecases.report_departure(uow, tree["b"].id, dict(DEPARTURE), FixedClock(), scope), "member_not_found"),
        (lambda: usecases.report_return(uow, tree["b"].id, {}, FixedClock(), scope), "member_not_found"),
        (lambda: usecases.find_member_by_id_number(uow, tree["b"].id_number, scope), "member_not_found"),
    ]:
        with pytest.raises(REFUSED) as error:
            call()
        assert error.value.code == code
    assert uow.events == events
    assert tree["b"].status == "normal"


def test_ids_in_a_body_or_filter_outside_the_scope_are_unknown_references(uow, county_tree):
    scope, tree = town_a_admin(county_tree), county_tree
    events = list(uow.events)
    for call, field in [
        (lambda: register(uow, tree["branch_b"], id_number("1985-03-02", 132), scope), "organisation_id"),
        (lambda: create(uow, "x", "branch", tree["town_b"], scope), "parent_id"),
        (lambda: usecases.list_members(uow, {**PAGE, "organisation_id": tree["town_b"].id}, scope), "organisation_id"),
        (lambda: usecases.export_members(uow, {"organisation_id": tree["branch_b"].id}, scope), "organisation_id"),
        (lambda: usecases.list_organisations(uow, {**PAGE, "parent_id": tree["county"].id}, scope), "parent_id"),
    ]:
        with pytest.raises(REFUSED) as error:
            call()
        assert (error.value.code, list(error.value.details)) == ("unknown_reference", [field])
    assert uow.events == events


def test_lists_and_exports_hold_only_the_scope(uow, county_tree):
    scope, tree = town_a_admin(county_tree), county_tree
    items, total = usecases.list_members(uow, PAGE, scope)
    assert (items, total) == ([tree["a"]], 1)
    items, total = usecases.export_members(uow, {}, scope)
    assert (items, total) == ([tree["a"]], 1)
    organisations, _ = usecases.list_organisations(uow, PAGE, scope)
    assert {o.id for o in organisations} == {tree["town_a"].id, tree["branch_a"].id}
    everything, total = usecases.list_members(uow, PAGE, EVERYTHING)
    assert total == 2


def test_writes_inside_the_scope_record_who(uow, county_tree):
    scope, tree = town_a_admin(county_tree), county_tree
    village = create(uow, "A2村党支部", "branch", tree["town_a"], scope)
    assert village.created_by == "user:town-a"
    member = register(uow, village, id_number("1985-03-02", 139), scope)
    assert member.registered_by == "user:town-a"
    departure = usecases.report_departure(uow, member.id, dict(DEPARTURE), FixedClock(), scope)
    assert departure.reported_by == "user:town-a"
    returner = Scope.of(organisation_ids=[village.id], principal="key:liaison")
    usecases.report_return(uow, member.id, {}, FixedClock(), returner)
    assert (departure.reported_by, departure.return_reported_by) == ("user:town-a", "key:liaison")


def test_only_a_platform_wide_caller_creates_a_root(uow, county_tree):
    with pytest.raises(REFUSED) as error:
        create(uow, "另一个县委", "party_committee", None, town_a_admin(county_tree))
    assert error.value.code == "forbidden"
    assert create(uow, "另一个县委", "party_committee").parent_id is None


def test_a_member_scope_sees_only_their_own_record(uow, county_tree):
    tree = county_tree
    me = Scope.of(organisation_ids=[], member_id=tree["a"].id, principal="user:a")
    assert usecases.get_member(uow, tree["a"].id, me) is tree["a"]
    assert usecases.find_member_by_id_number(uow, tree["a"].id_number, me) is tree["a"]
    assert usecases.list_members(uow, PAGE, me) == ([tree["a"]], 1)
    assert usecases.list_organisations(uow, PAGE, me) == ([], 0)
    departure = usecases.report_departure(uow, tree["a"].id, dict(DEPARTURE), FixedClock(), me)
    assert departure.reported_by == "user:a"
    with pytest.raises(REFUSED) as error:
        usecases.get_member(uow, tree["b"].id, me)
    assert error.value.code == "member_not_found"
    with pytest.raises(REFUSED) as error:  # never an organisation through member_id alone
        usecases.get_organisation(uow, tree["branch_a"].id, me)
    assert error.value.code == "organisation_not_found"


def test_an_empty_grant_sees_nothing(uow, county_tree):
    nobody = Scope.of(organisation_ids=[], principal="user:nobody")
    assert usecases.list_members(uow, PAGE, nobody) == ([], 0)
    with pytest.raises(REFUSED):
        usecases.get_member(uow, county_tree["a"].id, nobody)


def test_lookup_by_id_number_normalises_and_never_echoes_the_number(uow, county_tree):
    tree = county_tree
    assert usecases.find_member_by_id_number(uow, tree["a"].id_number, EVERYTHING) is tree["a"]
    with pytest.raises(REFUSED) as error:
        usecases.find_member_by_id_number(uow, ID_NUMBER, EVERYTHING)
    assert error.value.code == "member_not_found"
    assert ID_NUMBER not in str(error.value) + str(error.value.details)


def test_id_numbers_are_unique_platform_wide(uow, county_tree):
    # The one thing a scoped caller learns of another subtree: that an ID number is taken.
    with pytest.raises(REFUSED) as error:
        register(uow, county_tree["branch_a"], county_tree["b"].id_number, town_a_admin(county_tree))
    assert error.value.code == "duplicate_id_number"


def test_an_export_above_the_cap_is_refused_whole(uow, county_tree, monkeypatch):
    monkeypatch.setattr(usecases, "MAX_EXPORT_ROWS", 1)
    with pytest.raises(REFUSED) as error:
        usecases.export_members(uow, {}, EVERYTHING)
    assert error.value.code == "export_too_large"
    assert error.value.details == {"total": 2, "max_rows": 1}
    assert usecases.export_members(uow, {}, town_a_admin(county_tree)) == ([county_tree["a"]], 1)


def test_creating_an_organisation_publishes_its_place_in_the_tree(uow, county):
    town = create(uow, "南华镇党委", "party_committee", county)
    data = uow.events[-1].envelope()["data"]
    assert uow.events[-1].event_type == "organisation_created"
    assert data == {"organisation_id": town.id, "parent_id": county.id, "path": [county.id, town.id],
                    "name": "南华镇党委", "kind": "party_committee", "revision": 1}


def test_the_tree_pages_in_id_order_within_the_scope(uow, county_tree):
    everything = []
    after = None
    while True:
        items, more = usecases.organisation_tree_page(uow, after, 2, EVERYTHING)
        everything += items
        if not more:
            break
        after = items[-1].id
    assert [o.id for o in everything] == sorted(o.id for o in uow.organisations.rows.values())
    town_only, more = usecases.organisation_tree_page(uow, None, 10, town_a_admin(county_tree))
    assert {o.id for o in town_only} == {county_tree["town_a"].id, county_tree["branch_a"].id} and not more


def test_a_non_branch_is_refused_the_same_whether_or_not_the_id_number_is_taken(uow, county_tree):
    """No membership oracle: a caller of town A registering into its own town
    committee (not a branch) learns nothing about ID numbers elsewhere."""
    scope, tree = town_a_admin(county_tree), county_tree
    answers = []
    for number in (tree["b"].id_number, id_number("1985-03-02", 138)):  # taken in town B / free
        with pytest.raises(REFUSED) as refused:
            register(uow, tree["town_a"], number, scope)
        answers.append((refused.value.code, refused.value.details))
    assert answers[0] == answers[1] and answers[0][0] == "not_a_branch"
