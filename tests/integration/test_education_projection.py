"""Education's projection of roster's members, on the real broker and PostgreSQL: roster's events
folded in whatever their order, and each taking effect once however often it is delivered."""
from datetime import timedelta

from sqlalchemy import create_engine, select

from services.education.models import absences, members, placements
from tests.integration.roster_feed import days_ago, departed, feed, new_id, registered, returned, status_changed, tree


def rows(database_url, query):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).all()
    finally:
        engine.dispose()


def test_a_return_that_arrives_before_its_departure_leaves_one_absence_with_both(education, dispatch,
                                                                                  education_database_url):
    ids = tree(education, dispatch)
    member, departure = new_id(), new_id()
    feed(education, dispatch, registered(member, ids["village"]))
    feed(education, dispatch, returned(member, ids["village"], departure, returned_on=days_ago(1)))
    feed(education, dispatch, departed(member, ids["village"], departure, departed_on=days_ago(40)))

    [absence] = rows(education_database_url, select(absences).where(absences.c.member_id == member))
    assert (absence.departed_on, absence.returned_on) == (days_ago(40), days_ago(1))
    [placement] = rows(education_database_url, select(placements).where(placements.c.member_id == member))
    assert placement.organisation_id == ids["village"]


def test_the_same_event_twice_takes_effect_once_and_an_older_status_never_overwrites_a_newer(
        education, dispatch, education_database_url):
    ids = tree(education, dispatch)
    member = new_id()
    registration = registered(member, ids["village"])
    feed(education, dispatch, registration, registration)
    assert len(rows(education_database_url, select(placements).where(placements.c.member_id == member))) == 1

    feed(education, dispatch, status_changed(member, ids["village"], "away", effective_on=days_ago(2)),
         status_changed(member, ids["village"], "awaiting_check_in", effective_on=days_ago(2) - timedelta(days=10)))
    [row] = rows(education_database_url, select(members).where(members.c.member_id == member))
    assert (row.status, row.status_effective_on) == ("away", days_ago(2))


def test_a_member_registered_today_who_joined_years_ago_is_on_the_roll_since_joining(education, dispatch,
                                                                                     education_database_url):
    ids = tree(education, dispatch)
    joined, unknown = new_id(), new_id()
    feed(education, dispatch, registered(joined, ids["village"], joined_on=days_ago(3650)),
         registered(unknown, ids["village"]))  # an event published before joined_on was added
    on_roll = dict(rows(education_database_url, select(members.c.member_id, members.c.registered_on)
                        .where(members.c.member_id.in_([joined, unknown]))))
    assert on_roll == {joined: days_ago(3650), unknown: days_ago(0)}
    [placement] = rows(education_database_url, select(placements).where(placements.c.member_id == joined))
    assert placement.from_date == days_ago(3650)
