"""Quorum, 留党察看 and exclusions on the real roster service (nameko container,
PostgreSQL, the broker): the records are stored and published through the
outbox, the quorum is computed from them, and a refused request writes nothing."""
import pytest
from sqlalchemy import create_engine, func, select

from contracts.errors import ServiceError
from services.roster.models import attendance_exclusions, exclusion_withdrawals, outbox, party_probations
from tests.integration.rpc import call
from tests.support import id_number

MEETING = "2026-06-06"


@pytest.fixture
def tree(roster):
    county = call(roster, "create_organisation", {"name": "高台县委", "kind": "party_committee"})
    town = call(roster, "create_organisation", {"name": "巷道镇党委", "kind": "party_committee", "parent_id": county["id"]})
    branch = call(roster, "create_organisation", {"name": "东联村党支部", "kind": "branch", "parent_id": town["id"]})
    other = call(roster, "create_organisation", {"name": "西联村党支部", "kind": "branch", "parent_id": town["id"]})
    return {"county": county, "town": town, "branch": branch, "other": other}


def register(roster, branch, n, joined_on="2010-07-01", membership="full"):
    return call(roster, "register_member", {
        "name": f"党员{n}", "gender": "male", "birth_date": "1980-01-01", "id_number": id_number("1980-01-01", n),
        "phone": f"1380000{n:04d}", "joined_on": joined_on, "membership": membership, "organisation_id": branch["id"],
    })


def counts(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return tuple(connection.scalar(select(func.count()).select_from(table))
                         for table in (outbox, party_probations, attendance_exclusions, exclusion_withdrawals))
    finally:
        engine.dispose()


def test_a_village_with_many_away_holds_a_valid_meeting_again(roster, tree, event_tap):
    members = [register(roster, tree["branch"], n) for n in range(1, 11)]
    joined_on_the_day = register(roster, tree["branch"], 11, joined_on=MEETING)
    joined_after = register(roster, tree["branch"], 12, joined_on="2026-06-07")
    probationary = register(roster, tree["branch"], 13, membership="probationary")
    present = [m["id"] for m in members[:3]] + [joined_on_the_day["id"], joined_after["id"], probationary["id"]]

    before = call(roster, "quorum", tree["branch"]["id"], {"date": MEETING, "present": present})
    assert (before["members_with_vote"], before["should_attend"], before["present_with_vote"]) == (11, 11, 4)
    assert before["general_meeting"] == {"may_vote": False, "present_needed": 6, "motion_votes_needed": 6}

    # Five members away for good: the town approves, the meeting agrees, each is left out.
    for member in members[5:10]:
        call(roster, "record_attendance_exclusion", tree["branch"]["id"], {
            "member_id": member["id"], "ground": "away_relationship_not_transferred",
            "approved_by_organisation_id": tree["town"]["id"], "approved_on": "2026-05-01",
            "agreed_on": "2026-05-10", "valid_from": "2026-05-10"})
    # One on 留党察看 until the day before the meeting has the vote back; one until the day itself has not.
    for member, ends_on in ((members[3], "2026-06-05"), (members[4], MEETING)):
        call(roster, "record_party_probation", tree["branch"]["id"], {
            "member_id": member["id"], "starts_on": "2025-06-06", "ends_on": ends_on, "decided_by": "巷道镇纪委",
            "decided_on": "2025-06-01"})

    answer = call(roster, "quorum", tree["branch"]["id"], {"date": MEETING, "present": present})
    assert (answer["members_total"], answer["members_with_vote"], answer["should_attend"], answer["excluded"],
            answer["present"], answer["present_with_vote"]) == (12, 10, 5, 5, 5, 4)
    assert answer["general_meeting"] == {"may_vote": True, "present_needed": 3, "motion_votes_needed": 3}
    assert answer["election"] == {"valid": False, "present_needed": 5}  # 4 of 5 is exactly four fifths
    standing = {m["member_id"]: m for m in answer["members"]}
    assert standing[joined_on_the_day["id"]]["has_vote"] and standing[joined_on_the_day["id"]]["present"]
    assert standing[joined_after["id"]]["no_vote_reason"] == "joined_after_date"
    assert standing[probationary["id"]]["no_vote_reason"] == "probationary" and standing[probationary["id"]]["present"]
    assert standing[members[3]["id"]]["has_vote"]
    assert standing[members[4]["id"]]["no_vote_reason"] == "party_probation"
    assert standing[members[4]["id"]]["party_probation"]["ends_on"] == MEETING
    excluded = standing[members[9]["id"]]["exclusion"]
    assert not standing[members[9]["id"]]["should_attend"]
    assert (excluded["approved_by_organisation_id"], excluded["approved_by_organisation_name"], excluded["approved_on"],
            excluded["ground"]) == (tree["town"]["id"], "巷道镇党委", "2026-05-01", "away_relationship_not_transferred")

    # One of the five comes home: from the meeting day on, they should attend again (and are not there).
    withdrawal = call(roster, "withdraw_attendance_exclusion", tree["branch"]["id"], excluded["id"],
                      {"effective_from": MEETING, "reason": "已返乡"})
    again = call(roster, "quorum", tree["branch"]["id"], {"date": MEETING, "present": present})
    assert (again["should_attend"], again["excluded"], again["present_with_vote"]) == (6, 4, 4)
    assert again["general_meeting"]["may_vote"] and again["general_meeting"]["motion_votes_needed"] == 4
    # The day before: still excluded, both on 留党察看, and one not yet a member: members 0 to 2 alone.
    day_before = call(roster, "quorum", tree["branch"]["id"], {"date": "2026-06-05", "present": []})
    assert (day_before["should_attend"], day_before["excluded"]) == (3, 5)

    history = call(roster, "list_attendance_exclusions", tree["branch"]["id"])["items"]
    assert len(history) == 5
    assert [item["withdrawn_from"] for item in history if item["id"] == excluded["id"]] == [MEETING]
    assert len(call(roster, "list_party_probations", tree["branch"]["id"])["items"]) == 2
    event_tap.wait_for("attendance_exclusion_withdrawn")
    recorded = [e for e in event_tap.envelopes() if e["event_type"] in (
        "attendance_exclusion_approved", "party_probation_recorded", "attendance_exclusion_withdrawn")]
    assert [e["event_type"] for e in recorded] == (
        ["attendance_exclusion_approved"] * 5 + ["party_probation_recorded"] * 2 + ["attendance_exclusion_withdrawn"])
    assert recorded[-1]["data"] == {"withdrawal_id": withdrawal["id"], "exclusion_id": excluded["id"],
                                    "member_id": members[9]["id"], "organisation_id": tree["branch"]["id"],
                                    "effective_from": MEETING}


def test_bad_input_names_the_problem_and_writes_nothing(roster, tree, database_url):
    mine = register(roster, tree["branch"], 1)
    theirs = register(roster, tree["other"], 2)
    before = counts(database_url)

    def refused(method, *args):
        with pytest.raises(ServiceError) as error:
            call(roster, method, *args)
        return error.value

    error = refused("quorum", tree["branch"]["id"], {"date": MEETING, "present": [mine["id"], theirs["id"]]})
    assert error.code == "unknown_reference" and error.details["present"] == [f"not a member of this branch: {theirs['id']}"]
    error = refused("quorum", tree["branch"]["id"], {"date": "6/6/2026", "present": []})
    assert error.code == "validation_failed" and "date" in error.details
    error = refused("quorum", tree["branch"]["id"], {"date": MEETING, "present": [mine["id"], mine["id"]]})
    assert error.code == "validation_failed" and "present" in error.details
    assert refused("quorum", tree["town"]["id"], {"date": MEETING}).code == "not_a_branch"
    exclusion = {"member_id": theirs["id"], "ground": "serving_sentence", "approved_by_organisation_id": tree["town"]["id"],
                 "approved_on": "2026-05-01", "agreed_on": "2026-05-01", "valid_from": "2026-05-01"}
    error = refused("record_attendance_exclusion", tree["branch"]["id"], exclusion)
    assert error.code == "unknown_reference" and "member_id" in error.details
    error = refused("record_attendance_exclusion", tree["branch"]["id"], {**exclusion, "member_id": mine["id"],
                                                                          "ground": "on_holiday"})
    assert error.code == "validation_failed" and "ground" in error.details
    error = refused("record_party_probation", tree["branch"]["id"], {
        "member_id": mine["id"], "starts_on": "2026-01-01", "ends_on": "2025-12-31", "decided_by": "镇纪委",
        "decided_on": "2025-12-01"})
    assert error.code == "validation_failed" and "ends_on" in error.details
    error = refused("withdraw_attendance_exclusion", tree["branch"]["id"], tree["town"]["id"],
                    {"effective_from": MEETING, "reason": "已返乡"})
    assert error.code == "not_found"
    assert counts(database_url) == before


def test_a_member_who_became_full_after_the_meeting_had_no_vote_at_it(roster, tree):
    member = register(roster, tree["branch"], 40, joined_on="2025-03-01", membership="probationary")
    call(roster, "update_member", member["id"], {"membership": "full", "full_member_on": "2026-03-01"})

    def reason(day):
        answer = call(roster, "quorum", tree["branch"]["id"], {"date": day, "present": [member["id"]]})
        [standing] = [s for s in answer["members"] if s["member_id"] == member["id"]]
        return standing["no_vote_reason"]

    assert reason("2026-02-28") == "probationary"
    assert reason("2026-03-01") is None
