"""Volunteering, returnees' projects (安家工程) and hometown events, and the
county's outreach figures over a subtree and a period.

Volunteer hours are kept per activity with the reference of the member's record
in the national volunteer system where one exists: that system stays the true
total of a member's hours; the county's figures count what its own activities
recorded.
"""
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from contracts.errors import ErrorCode, RuleViolation
from services.common.clock import new_id
from services.outreach import usecases
from services.outreach.domain.care import not_in_future
from services.outreach.domain.events import (
    HometownEventHeld,
    ProjectRegistered,
    VolunteerActivityHeld,
    VolunteerServiceLogged,
)
from services.outreach.models import (
    candidates,
    contacts,
    help_cases,
    hometown_events,
    projects,
    reserve_reviews,
    vanguard,
    visits,
    volunteer_activities,
    volunteer_services,
)

# ---- volunteering ------------------------------------------------------------------------------


def hold_activity(db, command, clock, scope):
    organisation = usecases.visible_organisation(db, command["organisation_id"], scope)
    not_in_future(command["held_on"], clock.today(), "held_on")
    activity_id = new_id()
    db.session.execute(volunteer_activities.insert().values(
        id=activity_id, organisation_id=organisation.id, title=command["title"], held_on=command["held_on"],
        description=command.get("description"), created_by=scope.principal))
    db.add_event(VolunteerActivityHeld(activity_id=activity_id, organisation_id=organisation.id,
                                       held_on=command["held_on"]))
    return get_activity(db, activity_id, scope)


def _activity_view(db, row):
    volunteers, hours = db.session.execute(
        select(func.count(), func.coalesce(func.sum(volunteer_services.c.hours), 0))
        .where(volunteer_services.c.activity_id == row.id)).one()
    return {**row._mapping, "volunteers": volunteers, "hours": Decimal(hours)}


def get_activity(db, activity_id, scope):
    return _activity_view(db, usecases.visible_row(db, volunteer_activities, activity_id, scope,
                                                   ErrorCode.VOLUNTEER_ACTIVITY_NOT_FOUND))


def list_activities(db, query, scope):
    return usecases.listed(db, volunteer_activities, query, scope,
                           (volunteer_activities.c.held_on.desc(), volunteer_activities.c.id),
                           view=lambda row: _activity_view(db, row))


def log_service(db, activity_id, command, clock, scope):
    activity = usecases.visible_row(db, volunteer_activities, activity_id, scope,
                                    ErrorCode.VOLUNTEER_ACTIVITY_NOT_FOUND)
    member = usecases.visible_member(db, command["member_id"], scope)
    service_id = new_id()
    values = {"id": service_id, "activity_id": activity.id, "member_id": member.member_id,
              "organisation_id": member.organisation_id, "served_on": activity.held_on, "hours": command["hours"],
              "national_record_ref": command.get("national_record_ref"), "recorded_by": scope.principal}
    if not db.insert_unless_present(volunteer_services, values, key=("activity_id", "member_id")):
        raise RuleViolation(ErrorCode.ALREADY_RECORDED, "the member's service at this activity is recorded already",
                            {"member_id": ["recorded already for this activity"]})
    db.add_event(VolunteerServiceLogged(
        service_id=service_id, activity_id=activity.id, member_id=member.member_id,
        organisation_id=member.organisation_id, served_on=activity.held_on, hours=command["hours"],
        national_record_ref=command.get("national_record_ref")))
    return values


def list_services(db, activity_id, query, scope):
    activity = usecases.visible_row(db, volunteer_activities, activity_id, scope,
                                    ErrorCode.VOLUNTEER_ACTIVITY_NOT_FOUND)
    return usecases.listed(db, volunteer_services, query, scope, (volunteer_services.c.member_id,),
                           where=[volunteer_services.c.activity_id == activity.id])


# ---- returnees' projects and hometown events ------------------------------------------------------


def register_project(db, command, clock, scope):
    member = usecases.visible_member(db, command["member_id"], scope)
    not_in_future(command["registered_on"], clock.today(), "registered_on")
    project_id = new_id()
    values = {"id": project_id, "member_id": member.member_id, "organisation_id": member.organisation_id,
              **{name: command.get(name) for name in ("name", "industry", "registered_on", "investment",
                                                      "jobs_created", "support")}}
    db.session.execute(projects.insert().values(created_by=scope.principal, **values))
    db.add_event(ProjectRegistered(project_id=project_id, member_id=member.member_id,
                                   organisation_id=member.organisation_id, registered_on=command["registered_on"],
                                   investment=command["investment"], jobs_created=command["jobs_created"]))
    return values


def list_projects(db, query, scope):
    return usecases.listed(db, projects, query, scope, (projects.c.registered_on.desc(), projects.c.id))


def hold_hometown_event(db, command, clock, scope):
    organisation = usecases.visible_organisation(db, command["organisation_id"], scope)
    not_in_future(command["held_on"], clock.today(), "held_on")
    member_ids = [usecases.visible_member(db, each, scope, field="member_ids").member_id
                  for each in command["member_ids"]]
    event_id = new_id()
    values = {"id": event_id, "organisation_id": organisation.id, "kind": command["kind"], "title": command["title"],
              "held_on": command["held_on"], "participants": max(command["participants"], len(member_ids)),
              "member_ids": member_ids}
    db.session.execute(hometown_events.insert().values(created_by=scope.principal, **values))
    db.add_event(HometownEventHeld(hometown_event_id=event_id, organisation_id=organisation.id,
                                   kind=command["kind"], held_on=command["held_on"],
                                   participants=values["participants"]))
    return values


def list_hometown_events(db, query, scope):
    return usecases.listed(db, hometown_events, query, scope, (hometown_events.c.held_on.desc(), hometown_events.c.id),
                           equal=("kind",))


# ---- the county's figures ---------------------------------------------------------------------------


def figures(db, query, clock, scope):
    """What the county reports of outreach in a subtree over a period (by default this year to today)."""
    to = query.get("to") or clock.today()
    from_ = query.get("from_") or date(to.year, 1, 1)
    if from_ > to:
        raise RuleViolation(ErrorCode.VALIDATION_FAILED, "from is after to", {"from": ["after to"]})
    if query.get("organisation_id"):
        usecases.visible_organisation(db, query["organisation_id"], scope)

    def one(*columns, table, day_column, lower=from_, upper=to):
        """One row of aggregates over ``table``'s rows the caller sees in the subtree, ``day_column`` within
        [lower, upper] (a moment's column is given the period's first and last moments)."""
        clauses = [usecases.scope_clause(db, scope, table.c.organisation_id), day_column >= lower, day_column <= upper]
        if query.get("organisation_id"):
            clauses.append(usecases.within(db, query["organisation_id"], table.c.organisation_id))
        return db.session.execute(select(*columns).where(*clauses)).one()

    cases = one(func.count().filter(help_cases.c.outcome == "solved"),
                func.coalesce(func.sum(help_cases.c.jobs_found), 0),
                func.coalesce(func.sum(help_cases.c.disputes_settled), 0),
                func.coalesce(func.sum(help_cases.c.money_recovered), 0),
                table=help_cases, day_column=help_cases.c.closed_on)
    volunteering = one(func.count(func.distinct(volunteer_services.c.activity_id)),
                       func.coalesce(func.sum(volunteer_services.c.hours), 0),
                       table=volunteer_services, day_column=volunteer_services.c.served_on)
    project = one(func.count(), func.coalesce(func.sum(projects.c.jobs_created), 0),
                  func.coalesce(func.sum(projects.c.investment), 0),
                  table=projects, day_column=projects.c.registered_on)
    reviews = one(func.count().filter(reserve_reviews.c.decision == "village_cadre"),
                  func.count().filter(reserve_reviews.c.decision == "reserve_cadre"),
                  table=reserve_reviews, day_column=reserve_reviews.c.decided_on)
    contacts_logged = one(func.count(), table=contacts, day_column=contacts.c.occurred_at,
                          lower=clock.start_of(from_),
                          upper=clock.start_of(to + timedelta(days=1)) - timedelta(microseconds=1))[0]
    return {
        "organisation_id": query.get("organisation_id"), "from_": from_, "to": to,
        "contacts_logged": contacts_logged,
        "visits_made": one(func.count(), table=visits, day_column=visits.c.visited_on)[0],
        "problems_solved": cases[0], "jobs_found": cases[1], "disputes_settled": cases[2],
        "wages_recovered": Decimal(cases[3]),
        "volunteer_activities": volunteering[0], "volunteer_hours": Decimal(volunteering[1]),
        "projects": project[0], "project_jobs": project[1], "project_investment": Decimal(project[2]),
        "hometown_events": one(func.count(), table=hometown_events, day_column=hometown_events.c.held_on)[0],
        "village_cadres": reviews[0], "reserve_cadres": reviews[1],
        "vanguard": one(func.count(), table=vanguard, day_column=vanguard.c.designated_on)[0],
        "members_cultivated": one(func.count(), table=candidates, day_column=candidates.c.admitted_on)[0],
    }
