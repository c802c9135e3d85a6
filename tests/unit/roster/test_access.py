"""Who sees what: the roster's object-level rules, with no database."""
import uuid
from datetime import date, datetime, timezone

import pytest

from contracts.access import Scope
from contracts.errors import ServiceError
from services.common.rpc import load_scope
from services.roster.domain.member import Member
from services.roster.domain.organisation import Organisation
from tests.support import id_number

ID_NUMBER = id_number("1985-03-02", 118)

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


def org(kind, parent=None):
    return Organisation(id=str(uuid.uuid4()), name=kind, kind=kind, parent=parent, created_at=NOW)


@pytest.fixture
def tree():
    county = org("party_committee")
    town_a, town_b = org("party_committee", county), org("party_committee", county)
    branch_a, branch_b = org("branch", town_a), org("branch", town_b)
    return dict(county=county, town_a=town_a, town_b=town_b, branch_a=branch_a, branch_b=branch_b)


def member_of(branch):
    return Member(id=str(uuid.uuid4()), name="张三", gender="male", birth_date=date(1985, 3, 2),
                  id_number=ID_NUMBER, phone="13900000001", joined_on=date(2010, 7, 1),
                  membership="full", organisation=branch, registered_at=NOW)


def test_the_whole_platform_sees_everything(tree):
    everything = Scope.of(organisation_ids=None)
    assert everything.unrestricted and everything.may_create_root
    assert all(everything.sees_organisation(o) for o in tree.values())


def test_a_grant_covers_its_subtree_and_nothing_else(tree):
    town_a = Scope.of(organisation_ids=[uuid.UUID(tree["town_a"].id)])
    assert town_a.sees_organisation(tree["town_a"]) and town_a.sees_organisation(tree["branch_a"])
    assert not town_a.sees_organisation(tree["county"])  # not upwards
    assert not town_a.sees_organisation(tree["town_b"]) and not town_a.sees_organisation(tree["branch_b"])
    assert not town_a.may_create_root
    assert town_a.sees_member(member_of(tree["branch_a"]), tree["branch_a"])
    assert not town_a.sees_member(member_of(tree["branch_b"]), tree["branch_b"])


def test_several_grants_add_up(tree):
    both = Scope.of(organisation_ids=[tree["branch_a"].id, tree["town_b"].id])
    assert both.sees_organisation(tree["branch_a"]) and both.sees_organisation(tree["branch_b"])
    assert not both.sees_organisation(tree["town_a"])


def test_a_path_segment_must_match_whole(tree):
    prefix = Scope.of(organisation_ids=[tree["town_a"].id[:8]])
    assert not prefix.sees_organisation(tree["branch_a"])


def test_a_member_sees_their_own_record_but_no_organisation(tree):
    me = member_of(tree["branch_a"])
    other = member_of(tree["branch_a"])
    scope = Scope.of(organisation_ids=[], member_id=uuid.UUID(me.id))
    assert scope.sees_member(me, tree["branch_a"])
    assert not scope.sees_member(other, tree["branch_a"])
    assert not scope.sees_organisation(tree["branch_a"])


def test_reveal_names_the_fields_shown_in_full():
    scope = Scope.of(organisation_ids=None, reveal=["phone", "contact"])
    assert scope.reveals("phone") and scope.reveals("contact") and not scope.reveals("id_number")


def test_the_scope_arrives_validated():
    scope = load_scope({"organisation_ids": [str(uuid.UUID(int=1))], "member_id": None,
                           "reveal": ["phone"], "principal": "user:7"})
    assert scope.organisation_ids == {str(uuid.UUID(int=1))} and scope.principal == "user:7"
    assert load_scope({"organisation_ids": None, "principal": "key:3"}).unrestricted


@pytest.mark.parametrize("scope, field", [
    (None, "scope"),
    ("everything", "scope"),
    ({"organisation_ids": None}, "principal"),
    ({"principal": "user:1"}, "organisation_ids"),
    ({"organisation_ids": ["not-a-uuid"], "principal": "user:1"}, "organisation_ids"),
    ({"organisation_ids": None, "principal": "user:1", "reveal": ["password"]}, "reveal"),
    ({"organisation_ids": None, "principal": "user:1", "admin": True}, "admin"),
])
def test_a_missing_or_invalid_scope_is_a_validation_failure(scope, field):
    with pytest.raises(ServiceError) as refused:
        load_scope(scope)
    assert refused.value.code == "validation_failed"
    details = refused.value.details["scope"]
    assert field == "scope" or field in details
