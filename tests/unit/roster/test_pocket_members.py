"""口袋党员: the candidate's rules (open on a day, placing once, the ID number's gender and
birth date) and the use cases on the kernel's fakes: letters that expire unreceived, ID
numbers that match no one, the list and placing a candidate in a branch."""
from datetime import date, datetime, timezone

import pytest

from contracts.access import Scope, mask_id_number
from services.roster import pocket_members, schemas, transfers
from services.roster.domain import pocket_member as rules
from tests.support import id_number
from tests.unit.roster.test_transfers import (  # noqa: F401 (fixtures)
    EVERYTHING,
    clock_on,
    events,
    issue,
    refused,
    uow,
    world,
)

NOW = datetime(2026, 3, 1, 8, tzinfo=timezone.utc)
STRANGER = id_number("1990-05-06", 357)  # sequence 357: odd, a man


def candidate(found_on=date(2026, 4, 1), **fields):
    return rules.PocketMember(id="p", source=rules.CHECK_IN, organisation_id="o", name="李四", found_on=found_on,
                              found_at=NOW, id_number=STRANGER, **fields)


# ---- the rules ------------------------------------------------------------------------

def test_gender_and_birth_date_come_from_the_id_number():
    assert rules.gender_of(STRANGER) == "male" and rules.gender_of(id_number("1990-05-06", 356)) == "female"
    assert rules.birth_date_of(STRANGER) == date(1990, 5, 6)


def test_a_candidate_is_open_from_the_day_found_until_the_day_before_it_is_closed():
    pocket = candidate()
    assert not pocket.open_on(date(2026, 3, 31)) and pocket.open_on(date(2026, 4, 1)) and pocket.open_on(date(2030, 1, 1))
    pocket.withdraw(date(2026, 4, 10))
    assert pocket.state == "withdrawn" and pocket.open_on(date(2026, 4, 9)) and not pocket.open_on(date(2026, 4, 10))


def test_a_repeated_sighting_counts_on_the_same_candidate():
    pocket = candidate()
    pocket.seen_again(date(2026, 4, 5))
    pocket.seen_again(date(2026, 4, 3))  # reported late: the last sighting stays the latest
    assert (pocket.sightings, pocket.found_on, pocket.last_seen_on) == (3, date(2026, 4, 1), date(2026, 4, 5))


@pytest.mark.parametrize("placed_on, today, field", [
    (date(2026, 4, 2), date(2026, 4, 1), "placed_on"),   # tomorrow
    (date(2026, 3, 31), date(2026, 4, 1), "placed_on"),  # before it was found
])
def test_a_placement_is_dated_between_the_finding_and_today(placed_on, today, field):
    error = refused(lambda: candidate().check_placeable(placed_on, today), "validation_failed")
    assert list(error.details) == [field]


def test_a_placement_on_the_day_found_is_allowed():
    candidate().check_placeable(date(2026, 4, 1), date(2026, 4, 1))


# ---- candidates from transfer letters ----------------------------------------------

@pytest.fixture
def w(world):  # noqa: F811
    return world


def found(w):
    return events(w, "pocket_member_found")


def test_a_letter_that_expires_unreceived_makes_its_member_a_candidate_once(w):
    letter = issue(w)
    assert transfers.expire_overdue_transfers(w["uow"], clock_on(date(2026, 3, 31))) == 0
    assert list(w["uow"].pocket_members.rows) == []
    transfers.expire_overdue_transfers(w["uow"], clock_on(date(2026, 4, 1)))
    transfers.get_transfer(w["uow"], letter.id, clock_on(date(2026, 4, 2)), EVERYTHING)
    [pocket] = w["uow"].pocket_members.rows.values()
    assert (pocket.source, pocket.state, pocket.member_id, pocket.transfer_id) == (
        "transfer_letter", "open", w["member"].id, letter.id)
    assert pocket.organisation_id == w["a1"].id and pocket.name == "甲" and pocket.id_number is None
    assert pocket.found_on == date(2026, 4, 1)  # the first day the letter was expired
    assert found(w) == [{"pocket_member_id": pocket.id, "source": "transfer_letter", "organisation_id": w["a1"].id,
                         "member_id": w["member"].id, "transfer_id": letter.id, "found_on": "2026-04-01"}]


def test_reading_the_overdue_letter_records_the_candidate_too(w):
    letter = issue(w)
    transfers.get_transfer(w["uow"], letter.id, clock_on(date(2026, 5, 1)), EVERYTHING)
    assert [p.found_on for p in w["uow"].pocket_members.rows.values()] == [date(2026, 4, 1)]


def test_a_letter_reissued_withdraws_the_candidate(w):
    old = issue(w)
    transfers.expire_overdue_transfers(w["uow"], clock_on(date(2026, 4, 1)))
    transfers.reissue_transfer(w["uow"], old.id, {}, clock_on(date(2026, 4, 5)), EVERYTHING)
    [pocket] = w["uow"].pocket_members.rows.values()
    assert (pocket.state, pocket.closed_on, pocket.open_for_member_id) == ("withdrawn", date(2026, 4, 5), None)


def test_a_letter_reissued_before_its_expiry_was_recorded_makes_no_candidate(w):
    old = issue(w)
    transfers.reissue_transfer(w["uow"], old.id, {}, clock_on(date(2026, 4, 5)), EVERYTHING)
    assert w["uow"].pocket_members.rows == {} and found(w) == []


def test_a_new_letter_after_an_unrecorded_expiry_makes_no_candidate(w):
    issue(w)
    issue(w, day=date(2026, 4, 1))
    assert w["uow"].pocket_members.rows == {}


def test_the_reissued_letter_expiring_too_makes_a_new_candidate(w):
    old = issue(w)
    transfers.expire_overdue_transfers(w["uow"], clock_on(date(2026, 4, 1)))
    new = transfers.reissue_transfer(w["uow"], old.id, {}, clock_on(date(2026, 4, 5)), EVERYTHING)
    transfers.expire_overdue_transfers(w["uow"], clock_on(date(2026, 5, 6)))
    states = sorted((p.state, p.transfer_id) for p in w["uow"].pocket_members.rows.values())
    assert states == [("open", new.id), ("withdrawn", old.id)]


# ---- candidates from ID numbers -------------------------------------------------------

def sighting(w, number=STRANGER, scope=EVERYTHING, day=date(2026, 4, 1), **fields):
    body = {"id_number": number, "name": "李四", "source": "check_in", "organisation_id": w["town_a"].id,
            "place": "酒泉市瓜州县", "note": None, "seen_on": None, **fields}
    return pocket_members.report_sighting(w["uow"], body, clock_on(day), scope)


def test_a_number_that_matches_no_one_is_recorded_once_and_counted_again(w):
    outcome, member_id, pocket, new = sighting(w)
    assert (outcome, member_id, new) == ("candidate", None, True)
    assert (pocket.source, pocket.organisation_id, pocket.id_number, pocket.sightings) == (
        "check_in", w["town_a"].id, STRANGER, 1)
    again = sighting(w, STRANGER.lower(), day=date(2026, 4, 9), source="registration_elsewhere")
    assert again == ("candidate", None, pocket, False)
    assert (pocket.sightings, pocket.last_seen_on, pocket.source) == (2, date(2026, 4, 9), "check_in")
    assert len(w["uow"].pocket_members.rows) == 1 and len(found(w)) == 1
    assert STRANGER not in str([e.envelope() for e in w["uow"].events])  # events never carry the number


def test_a_number_on_the_roll_is_matched_and_nothing_is_recorded(w):
    assert sighting(w, w["member"].id_number) == ("matched", w["member"].id, None, False)
    assert w["uow"].pocket_members.rows == {} and found(w) == []


def test_a_match_outside_the_callers_organisations_names_no_member(w):
    town_b = Scope.of(organisation_ids=[w["town_b"].id], principal="user:b")
    assert sighting(w, w["member"].id_number, scope=town_b, organisation_id=w["b1"].id) == ("matched", None, None, False)
    assert w["uow"].pocket_members.rows == {}


def test_a_sighting_names_an_organisation_the_caller_sees_and_a_day_not_after_today(w):
    town_b = Scope.of(organisation_ids=[w["town_b"].id], principal="user:b")
    assert list(refused(lambda: sighting(w, scope=town_b), "unknown_reference").details) == ["organisation_id"]
    assert list(refused(lambda: sighting(w, seen_on=date(2026, 4, 2)), "validation_failed").details) == ["seen_on"]
    assert w["uow"].pocket_members.rows == {}


# ---- the list, and who sees a candidate -----------------------------------------------

PAGE = {"page": 1, "per_page": 20}


def test_the_list_filters_and_holds_only_the_scope(w):
    issue(w)
    transfers.expire_overdue_transfers(w["uow"], clock_on(date(2026, 4, 1)))
    sighting(w, organisation_id=w["b1"].id)
    everything = pocket_members.list_pocket_members(w["uow"], PAGE, EVERYTHING)
    assert everything[1] == 2
    by_source = pocket_members.list_pocket_members(w["uow"], {**PAGE, "source": "check_in"}, EVERYTHING)
    assert [p.organisation_id for p in by_source[0]] == [w["b1"].id]
    under_a = pocket_members.list_pocket_members(w["uow"], {**PAGE, "organisation_id": w["town_a"].id}, EVERYTHING)
    assert [p.source for p in under_a[0]] == ["transfer_letter"]
    assert pocket_members.list_pocket_members(w["uow"], {**PAGE, "state": "placed"}, EVERYTHING)[1] == 0
    town_b = Scope.of(organisation_ids=[w["town_b"].id], principal="user:b")
    assert [p.source for p in pocket_members.list_pocket_members(w["uow"], PAGE, town_b)[0]] == ["check_in"]
    assert list(refused(lambda: pocket_members.list_pocket_members(
        w["uow"], {**PAGE, "organisation_id": w["town_a"].id}, town_b), "unknown_reference").details) == ["organisation_id"]


def test_a_candidate_outside_the_callers_organisations_is_not_found(w):
    _, _, pocket, _ = sighting(w)
    town_b = Scope.of(organisation_ids=[w["town_b"].id], principal="user:b")
    refused(lambda: pocket_members.get_pocket_member(w["uow"], pocket.id, town_b), "pocket_member_not_found")
    refused(lambda: pocket_members.place_pocket_member(w["uow"], pocket.id, {"branch_id": w["b1"].id},
                                                       clock_on(date(2026, 4, 2)), town_b), "pocket_member_not_found")
    refused(lambda: pocket_members.get_pocket_member(w["uow"], "no-such-id", EVERYTHING), "pocket_member_not_found")


def test_the_id_number_is_masked_as_a_members_is():
    shown = schemas.dump_pocket_member(candidate(), None, Scope.of(organisation_ids=None, reveal=["id_number"]))
    masked = schemas.dump_pocket_member(candidate(), None, Scope.of(organisation_ids=None))
    assert shown["id_number"] == STRANGER and masked["id_number"] == mask_id_number(STRANGER) != STRANGER
    assert masked["source_label"] == "报到" and masked["placement"] is None


# ---- placing a candidate in a branch ---------------------------------------------------

def letter_candidate(w):
    issue(w)
    transfers.expire_overdue_transfers(w["uow"], clock_on(date(2026, 4, 1)))
    return next(iter(w["uow"].pocket_members.rows.values()))


def place(w, pocket, day=date(2026, 4, 10), **body):
    return pocket_members.place_pocket_member(w["uow"], pocket.id, {"branch_id": w["b1"].id, **body}, clock_on(day),
                                              EVERYTHING)


def test_placing_a_letter_candidate_moves_the_member_and_records_the_movement(w):
    pocket = letter_candidate(w)
    closed, placement = place(w, pocket, note="到瓜州县支部报到")
    assert closed is pocket and pocket.state == "placed" and pocket.closed_on == date(2026, 4, 10)
    assert w["member"].organisation_id == w["b1"].id
    assert (placement.from_organisation_id, placement.branch_id, placement.member_id, placement.registered) == (
        w["a1"].id, w["b1"].id, w["member"].id, False)
    assert (placement.placed_on, placement.recorded_by, placement.note) == (date(2026, 4, 10), "user:admin", "到瓜州县支部报到")
    assert events(w, "pocket_member_placed") == [{
        "pocket_member_id": pocket.id, "placement_id": placement.id, "member_id": w["member"].id,
        "from_organisation_id": w["a1"].id, "branch_id": w["b1"].id, "placed_on": "2026-04-10", "registered": False}]
    assert pocket_members.get_pocket_member(w["uow"], pocket.id, EVERYTHING) == (pocket, placement)


def test_a_second_placement_is_refused_and_changes_nothing(w):
    pocket = letter_candidate(w)
    place(w, pocket)
    before = list(w["uow"].events)
    error = refused(lambda: place(w, pocket, branch_id=w["a1"].id), "pocket_member_not_open")
    assert error.details["state"] == "placed"
    assert w["uow"].events == before and w["member"].organisation_id == w["b1"].id
    assert len(w["uow"].pocket_member_placements.rows) == 1


def test_a_letter_candidate_takes_no_registration_fields(w):
    pocket = letter_candidate(w)
    error = refused(lambda: place(w, pocket, phone="13900000009"), "validation_failed")
    assert list(error.details) == ["phone"] and pocket.state == "open"


def test_placing_an_id_number_candidate_registers_a_member_in_the_branch(w):
    _, _, pocket, _ = sighting(w)
    _, placement = place(w, pocket, phone="13900000009", joined_on=date(2015, 7, 1))
    member = w["uow"].members.get(placement.member_id)
    assert (member.name, member.id_number, member.gender, member.birth_date) == ("李四", STRANGER, "male", date(1990, 5, 6))
    assert (member.organisation_id, member.membership, member.phone) == (w["b1"].id, "full", "13900000009")
    assert placement.registered and placement.from_organisation_id is None and pocket.placed_member_id == member.id
    assert [e.event_type for e in w["uow"].events][-2:] == ["member_registered", "pocket_member_placed"]
    # The number is on the roll now: it is matched from here on.
    assert sighting(w, day=date(2026, 4, 10))[0] == "matched"


@pytest.mark.parametrize("body, code, fields", [
    ({}, "validation_failed", ["phone", "joined_on"]),
    ({"phone": "13900000009", "joined_on": date(1990, 5, 6)}, "validation_failed", ["joined_on"]),
    ({"phone": "13900000009", "joined_on": date(2015, 7, 1), "branch_id": "no-such-branch"}, "unknown_reference",
     ["branch_id"]),
    ({"phone": "13900000009", "joined_on": date(2015, 7, 1), "placed_on": date(2026, 4, 11)}, "validation_failed",
     ["placed_on"]),
])
def test_bad_placements_name_the_field_and_write_nothing(w, body, code, fields):
    _, _, pocket, _ = sighting(w)
    before = list(w["uow"].events)
    assert list(refused(lambda: place(w, pocket, **body), code).details) == fields
    assert w["uow"].events == before and pocket.state == "open" and w["uow"].pocket_member_placements.rows == {}


def test_a_candidate_is_placed_in_a_branch_only(w):
    pocket = letter_candidate(w)
    error = refused(lambda: place(w, pocket, branch_id=w["town_b"].id), "not_a_branch")
    assert list(error.details) == ["branch_id"] and pocket.state == "open"
