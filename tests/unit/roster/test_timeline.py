"""Member field changes and the member timeline: the rules of a change, then
the use cases on fakes (ordering, who sees what, masking)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from contracts.access import Scope
from contracts.errors import RuleViolation, ServiceError
from contracts.roster import MemberUpdateSchema
from marshmallow import ValidationError
from services.common.fakes import FakeRepository, FakeUnitOfWork, FixedClock
from services.roster import member_changes as change_usecases
from services.roster import schemas, timeline, transfers, usecases
from services.roster.domain import member_changes as rules
from services.roster.domain.member import Member
from services.roster.domain.organisation import Organisation
from tests.unit.roster.status_fakes import with_status_repositories
from tests.support import id_number

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 1)
IDS = {name: f"00000000-0000-4000-8000-{n:012d}" for n, name in enumerate(
    ("county", "town", "village", "other-village", "m1", "m2"))}


def org(name, kind, parent=None):
    return Organisation(id=IDS[name], name=f"{name}党支部", kind=kind, parent=parent, location=None, created_at=NOW)


@pytest.fixture
def tree():
    county = org("county", "party_committee")
    town = org("town", "party_committee", county)
    return {"county": county, "town": town, "village": org("village", "branch", town),
            "other-village": org("other-village", "branch", town)}


def member(branch, membership="full", joined_on=date(2010, 7, 1)):
    return Member(id=IDS["m1"], name="张三", gender="male", birth_date=date(1985, 3, 2),
                  id_number=id_number("1985-03-02", 118), phone="13900000001", joined_on=joined_on,
                  membership=membership, organisation=branch, registered_at=NOW - timedelta(days=30),
                  registered_by="user:registrar")


def change(subject, changes, today=TODAY, **kwargs):
    counter = iter(range(1000))
    return rules.change_fields(subject, changes, today=today, changed_at=NOW, changed_by="user:secretary",
                               new_id=lambda: f"change-{next(counter)}", **kwargs)


# ---- the rules of a change ------------------------------------------------

def test_each_changed_field_is_one_record_with_old_and_new_values_and_the_member_changes(tree):
    subject = member(tree["village"])
    records, event = change(subject, {"phone": "13900000002", "name": "张叁"}, reason="户籍更正")
    assert [(r.field, r.old_value, r.new_value, r.reason) for r in records] == [
        ("name", "张三", "张叁", "户籍更正"), ("phone", "13900000001", "13900000002", "户籍更正")]
    assert (subject.name, subject.phone) == ("张叁", "13900000002")
    assert all(r.changed_by == "user:secretary" and r.organisation_id == IDS["village"] for r in records)
    assert event.changed_fields == ["name", "phone"] and event.full_member_on is None


def test_a_field_sent_with_its_own_value_is_no_change(tree):
    subject = member(tree["village"])
    assert change(subject, {"phone": "13900000001", "gender": "male"}) == ([], None)
    records, event = change(subject, {"phone": "13900000001", "gender": "female"})
    assert [r.field for r in records] == ["gender"] and event.changed_fields == ["gender"]


@pytest.mark.parametrize("field", ["id_number", "birth_date", "organisation_id", "status"])
def test_identity_branch_and_status_are_never_changed(tree, field):
    subject = member(tree["village"])
    with pytest.raises(RuleViolation) as refused:
        change(subject, {field: "anything"})
    assert list(refused.value.details) == [field]
    with pytest.raises(ValidationError) as invalid:
        MemberUpdateSchema().load({field: "anything", "name": "李四"})
    assert list(invalid.value.messages) == [field]


def test_probationary_becomes_full_on_the_first_day_after_the_probationary_year_and_not_before(tree):
    joined = date(2025, 2, 28)
    too_early = member(tree["village"], "probationary", joined)
    with pytest.raises(RuleViolation) as refused:
        change(too_early, {"membership": "full", "full_member_on": date(2026, 2, 27)})
    assert "full_member_on" in refused.value.details and too_early.membership == "probationary"
    subject = member(tree["village"], "probationary", joined)
    [record], event = change(subject, {"membership": "full", "full_member_on": date(2026, 2, 28)})
    assert (record.old_value, record.new_value, record.effective_on) == ("probationary", "full", date(2026, 2, 28))
    assert subject.membership == "full" and event.full_member_on == date(2026, 2, 28)


@pytest.mark.parametrize("changes, field", [
    ({"membership": "full"}, "full_member_on"),                                            # the date is required
    ({"membership": "full", "full_member_on": TODAY + timedelta(days=1)}, "full_member_on"),  # not in the future
    ({"full_member_on": date(2026, 2, 1)}, "full_member_on"),                               # only with membership
])
def test_a_membership_change_needs_its_date(tree, changes, field):
    subject = member(tree["village"], "probationary", date(2024, 1, 1))
    with pytest.raises(RuleViolation) as refused:
        change(subject, changes)
    assert field in refused.value.details and subject.membership == "probationary"


def test_a_full_member_never_becomes_probationary_again(tree):
    subject = member(tree["village"])
    with pytest.raises(RuleViolation) as refused:
        change(subject, {"membership": "probationary"})
    assert "membership" in refused.value.details and subject.membership == "full"


@pytest.mark.parametrize("joined_on", [date(1985, 3, 2), TODAY + timedelta(days=1)], ids=["on the birth date", "tomorrow"])
def test_joined_on_stays_after_birth_and_not_in_the_future_and_nothing_changes_when_refused(tree, joined_on):
    subject = member(tree["village"])
    with pytest.raises(RuleViolation) as refused:
        change(subject, {"joined_on": joined_on, "name": "李四"})
    assert "joined_on" in refused.value.details and (subject.name, subject.joined_on) == ("张三", date(2010, 7, 1))


def test_the_schema_wants_something_to_change_and_checks_each_field():
    with pytest.raises(ValidationError):
        MemberUpdateSchema().load({"reason": "nothing"})
    with pytest.raises(ValidationError) as invalid:
        MemberUpdateSchema().load({"phone": "12345"})
    assert list(invalid.value.messages) == ["phone"]


# ---- the use cases on fakes ----------------------------------------------

class FakeHistory:
    def __init__(self):
        self.changes, self.departure_rows, self.letters = [], [], []

    def add_field_change(self, record):
        self.changes.append(record)

    def field_changes(self, member_id):
        return [c for c in self.changes if c.member_id == member_id]

    def departures(self, member_id):
        return [d for d in self.departure_rows if d.member_id == member_id]

    def transfer_letters(self, member_id):
        return [letter for letter in self.letters if letter.member_id == member_id]

    def check_ins(self, member_id):
        return []

    mobile_member_cards = party_probations = attendance_exclusions = exclusion_withdrawals = check_ins
    lost_contacts = membership_decisions = status_changes = check_ins


class FakeTransfers(FakeRepository):
    def __init__(self, history):
        super().__init__()
        self.history = history

    def add(self, letter):
        super().add(letter)
        self.history.letters.append(letter)

    def pending_for(self, member_id):
        return next((l for l in self.rows.values() if l.pending_for_member_id == member_id), None)


@pytest.fixture
def uow(tree):
    organisations, members, history = FakeRepository(), FakeRepository(), FakeHistory()
    for organisation in tree.values():
        organisations.add(organisation)
    members.add(member(tree["village"]))
    return with_status_repositories(FakeUnitOfWork(
        usecases.EVENTS, organisations=organisations, members=members, member_history=history,
        transfers=FakeTransfers(history)))


VILLAGE = Scope.of(organisation_ids=[IDS["village"]], principal="user:secretary")
VILLAGE_SEES_PHONES = Scope.of(organisation_ids=[IDS["village"]], reveal=["phone"], principal="user:secretary")
OTHER_VILLAGE = Scope.of(organisation_ids=[IDS["other-village"]], principal="user:other")
PAGE = {"page": 1, "per_page": 100}


def at(minutes):
    return FixedClock(now=NOW + timedelta(minutes=minutes), today=TODAY)


def test_an_update_records_the_change_and_publishes_member_updated_without_values(uow):
    change_usecases.update_member(uow, IDS["m1"], {"phone": "13900000002", "reason": "换号"}, at(1), VILLAGE)
    [record] = uow.member_history.changes
    assert (record.field, record.changed_by, record.reason) == ("phone", "user:secretary", "换号")
    [event] = uow.events
    assert event.event_type == "member_updated"
    assert event.data["changed_fields"] == ["phone"] and "13900000002" not in str(event.data)


def test_an_update_outside_the_callers_scope_is_not_found_and_writes_nothing(uow):
    with pytest.raises(ServiceError) as refused:
        change_usecases.update_member(uow, IDS["m1"], {"name": "李四"}, at(1), OTHER_VILLAGE)
    assert refused.value.code == "member_not_found"
    assert not uow.member_history.changes and not uow.events and uow.members.get(IDS["m1"]).name == "张三"


def test_the_timeline_is_oldest_first_with_who_and_when_and_the_phone_masked_unless_revealed(uow):
    change_usecases.update_member(uow, IDS["m1"], {"phone": "13900000002"}, at(2), VILLAGE)
    change_usecases.update_member(uow, IDS["m1"], {"name": "张叁", "gender": "female"}, at(1), VILLAGE)
    subject, entries, total = timeline.member_timeline(uow, IDS["m1"], PAGE, VILLAGE)
    assert total == 4
    assert [(e.kind, e.details.get("field"), e.by) for e in entries] == [
        ("registered", None, "user:registrar"), ("field_changed", "name", "user:secretary"),
        ("field_changed", "gender", "user:secretary"), ("field_changed", "phone", "user:secretary")]
    masked = schemas.dump_timeline(subject, entries, total, PAGE, VILLAGE)["items"][-1]["details"]
    assert (masked["old_value"], masked["new_value"]) == ("139****0001", "139****0002")
    shown = schemas.dump_timeline(subject, entries, total, PAGE, VILLAGE_SEES_PHONES)["items"][-1]["details"]
    assert (shown["old_value"], shown["new_value"]) == ("13900000001", "13900000002")
    # A name is no personal field: shown as it is.
    assert schemas.dump_timeline(subject, entries, total, PAGE, VILLAGE)["items"][1]["details"]["new_value"] == "张叁"


def test_the_timeline_pages(uow):
    for minute, name in enumerate(("甲", "乙", "丙"), start=1):
        change_usecases.update_member(uow, IDS["m1"], {"name": name}, at(minute), VILLAGE)
    _, entries, total = timeline.member_timeline(uow, IDS["m1"], {"page": 2, "per_page": 3}, VILLAGE)
    assert total == 4 and [e.details["new_value"] for e in entries] == ["丙"]


def test_a_member_nobody_in_the_scope_ever_had_is_not_found(uow):
    with pytest.raises(ServiceError) as refused:
        timeline.member_timeline(uow, IDS["m1"], PAGE, OTHER_VILLAGE)
    assert refused.value.code == "member_not_found"


def test_both_sides_of_a_transfer_keep_the_history(uow):
    change_usecases.update_member(uow, IDS["m1"], {"name": "张叁"}, at(1), VILLAGE)
    letter = transfers.issue_transfer(uow, IDS["m1"], {"to_organisation_id": IDS["other-village"],
                                                       "dues_paid_until": "2026-02"}, at(2), VILLAGE)
    # Pending: the receiving side sees the letter, and nothing else of the member.
    _, entries, _ = timeline.member_timeline(uow, IDS["m1"], PAGE, OTHER_VILLAGE)
    assert [e.kind for e in entries] == ["transfer_issued"]
    transfers.receive_transfer(uow, letter.id, at(3), OTHER_VILLAGE)
    change_usecases.update_member(uow, IDS["m1"], {"name": "张三丰"}, at(4), OTHER_VILLAGE)
    # Received: the member is the other village's, which now sees all of it.
    _, entries, _ = timeline.member_timeline(uow, IDS["m1"], PAGE, OTHER_VILLAGE)
    assert [e.kind for e in entries] == ["registered", "field_changed", "transfer_issued", "transfer_received",
                                         "field_changed"]
    # The sending side keeps what happened while the member was theirs, and the letter.
    _, entries, _ = timeline.member_timeline(uow, IDS["m1"], PAGE, VILLAGE)
    assert [(e.kind, e.organisation_id) for e in entries] == [
        ("registered", IDS["village"]), ("field_changed", IDS["village"]), ("transfer_issued", IDS["village"]),
        ("transfer_received", IDS["other-village"])]


def test_an_expiry_is_entered_at_the_countys_midnight_after_the_last_valid_day_by_nobody(uow):
    from zoneinfo import ZoneInfo

    letter = transfers.issue_transfer(uow, IDS["m1"], {"to_name": "某县党委", "to_place": "新疆", "valid_until": date(2026, 3, 10),
                                                       "dues_paid_until": "2026-02"}, at(1), VILLAGE)
    letter.expire_if_due(date(2026, 3, 12))  # recorded two days late, by the sweep
    _, entries, _ = timeline.member_timeline(uow, IDS["m1"], PAGE, VILLAGE, ZoneInfo("Asia/Shanghai"))
    expired = entries[-1]
    assert (expired.kind, expired.by, expired.on) == ("transfer_expired", None, date(2026, 3, 11))
    assert expired.at == datetime(2026, 3, 11, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert expired.at == datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc)
