"""Warm heart (暖心工程): care campaigns and the visits they list, visits set off
by a return or an excellent grade, help cases and their timelines, and the care
service card. Rules: ``domain.care``.

A visit is one per cause (the return's departure, the campaign, the grading run)
and member: the unique key keeps it so even if an event slipped past the inbox.
A completed visit is also a contact on the member's record (channel ``visit``).
"""
from datetime import datetime, time

from sqlalchemy import func, select, update

from contracts import outreach as contract
from contracts.errors import ErrorCode
from services.common.clock import new_id
from services.outreach import contacts, usecases
from services.outreach.domain import care as rules
from services.outreach.domain.events import (
    CampaignLaunched,
    CampaignListed,
    HelpCaseClosed,
    HelpCaseNoted,
    HelpCaseOpened,
    VisitCompleted,
    VisitScheduled,
)
from services.outreach.models import (
    campaigns,
    help_case_entries,
    help_cases,
    homecomings,
    members,
    visits,
)

# ---- visits ------------------------------------------------------------------------------------


def schedule_visit(db, *, member_id, organisation_id, cause, cause_id, due_on, purpose, scheduled_on,
                   cause_event_id=None, campaign_id=None, group=None, recorded_by=None):
    """Schedule a visit unless its cause has one for the member already; the visit's id when written."""
    visit_id = new_id()
    written = db.insert_unless_present(visits, {
        "id": visit_id, "member_id": member_id, "organisation_id": organisation_id, "cause": cause,
        "cause_id": cause_id, "cause_event_id": cause_event_id, "campaign_id": campaign_id, "group": group,
        "purpose": purpose, "scheduled_on": scheduled_on, "due_on": due_on, "state": rules.SCHEDULED,
        "recorded_by": recorded_by}, key=("cause", "cause_id", "member_id"))
    if not written:
        return None
    db.add_event(VisitScheduled(visit_id=visit_id, member_id=member_id, organisation_id=organisation_id,
                                cause=cause, cause_event_id=cause_event_id, campaign_id=campaign_id, due_on=due_on))
    return visit_id


def on_return(db, event, clock):
    """A member home again: a homecoming visit (返乡走访), due within ``HOMECOMING_VISIT_DAYS``."""
    data = event["data"]
    member = db.session.execute(select(members).where(members.c.member_id == str(data["member_id"]))).first()
    return schedule_visit(
        db, member_id=member.member_id, organisation_id=member.organisation_id, cause="homecoming",
        cause_id=str(data["departure_id"]), cause_event_id=str(event["event_id"]),
        due_on=rules.homecoming_visit_due(data["returned_on"]), scheduled_on=clock.today(),
        purpose="返乡走访: welcome home, hear how the time away went, talk about work at home")


def on_excellent_grade(db, event, clock):
    """An excellent grade (优秀): the branch visits to commend the member."""
    data = event["data"]
    if data["grade"] != "excellent":
        return None
    member = db.session.execute(select(members).where(members.c.member_id == str(data["member_id"]))).first()
    return schedule_visit(
        db, member_id=member.member_id, organisation_id=member.organisation_id, cause="commendation",
        cause_id=str(data["run_id"]), cause_event_id=str(event["event_id"]),
        due_on=rules.commendation_visit_due(clock.today()), scheduled_on=clock.today(),
        purpose=f"表彰走访: graded excellent for {data['year']}")


def schedule_manual_visit(db, command, clock, scope):
    member = usecases.visible_member(db, command["member_id"], scope)
    rules.not_before(command["due_on"], clock.today(), "due_on", "today")
    visit_id = new_id()
    schedule_visit(db, member_id=member.member_id, organisation_id=member.organisation_id, cause="manual",
                   cause_id=visit_id, due_on=command["due_on"], purpose=command["purpose"],
                   scheduled_on=clock.today(), recorded_by=scope.principal)
    return get_visit(db, _only_visit(db, "manual", visit_id), clock, scope)


def _only_visit(db, cause, cause_id):
    return db.session.execute(select(visits.c.id).where(visits.c.cause == cause,
                                                        visits.c.cause_id == cause_id)).scalar()


def visit_view(row, today):
    return {**row._mapping, "overdue": rules.overdue(row.due_on, row.visited_on, today)}


def get_visit(db, visit_id, clock, scope):
    return visit_view(usecases.visible_row(db, visits, visit_id, scope, ErrorCode.VISIT_NOT_FOUND), clock.today())


def complete_visit(db, visit_id, command, clock, scope):
    row = usecases.visible_row(db, visits, visit_id, scope, ErrorCode.VISIT_NOT_FOUND)
    rules.check_visit_completion(row.state, row.scheduled_on, command["visited_on"], clock.today())
    db.session.execute(update(visits).where(visits.c.id == row.id).values(
        state=rules.COMPLETED, visited_on=command["visited_on"], visited_by=command["visited_by"],
        summary=command["summary"], recorded_by=scope.principal))
    db.add_event(VisitCompleted(visit_id=row.id, member_id=row.member_id, organisation_id=row.organisation_id,
                                cause=row.cause, visited_on=command["visited_on"],
                                overdue=command["visited_on"] > row.due_on))
    # On the member's record too, at noon of the day visited (a visit is dated, not timed).
    contacts.record(db, clock, scope.principal, member_id=row.member_id, organisation_id=row.organisation_id,
                    channel="visit", occurred_at=datetime.combine(command["visited_on"], time(12),
                                                                  clock.county_timezone),
                    contacted_by=command["visited_by"], summary=command["summary"],
                    follow_up_needed=command["follow_up_needed"], follow_up=None, pairing_id=None,
                    source="visit", source_id=row.id)
    return get_visit(db, row.id, clock, scope)


def list_visits(db, query, clock, scope):
    return usecases.listed(db, visits, query, scope, (visits.c.due_on, visits.c.id),
                           equal=("campaign_id", "cause", "state"), view=lambda row: visit_view(row, clock.today()))


# ---- campaigns (慰问) ----------------------------------------------------------------------------


def launch_campaign(db, command, clock, scope):
    """The campaign, ``listing``: its visits are scheduled when its ``campaign_launched`` comes back to
    outreach (:func:`list_campaign`), so that a county-wide list outlasts any RPC timeout."""
    organisation = usecases.visible_organisation(db, command["organisation_id"], scope)
    rules.not_before(command["ends_on"], clock.today(), "ends_on", "today")
    campaign_id = new_id()
    db.session.execute(campaigns.insert().values(
        id=campaign_id, name=command["name"], occasion=command["occasion"], organisation_id=organisation.id,
        starts_on=command["starts_on"], ends_on=command["ends_on"], groups=list(command["groups"]),
        state=rules.LISTING, created_by=scope.principal, created_at=clock.now()))
    db.add_event(CampaignLaunched(campaign_id=campaign_id, organisation_id=organisation.id,
                                  occasion=command["occasion"], starts_on=command["starts_on"],
                                  ends_on=command["ends_on"], groups=tuple(command["groups"])))
    return get_campaign(db, campaign_id, scope)


def list_campaign(db, campaign_id, clock):
    """Whom the campaign visits: each member of its subtree once, under the first group they fall in, each
    visit due by the campaign's end, in one INSERT with its events in bulk."""
    campaign = db.session.execute(select(campaigns).where(campaigns.c.id == campaign_id)).first()
    if campaign is None or campaign.state != rules.LISTING:
        return
    listed = rules.campaign_list(_situations(db, campaign.organisation_id, campaign.starts_on), campaign.groups,
                                 campaign.starts_on)
    occasion, today = contract.CAMPAIGN_OCCASIONS[campaign.occasion], clock.today()
    rows = [{"id": new_id(), "member_id": member.member_id, "organisation_id": member.organisation_id,
             "cause": "campaign", "cause_id": campaign.id, "cause_event_id": None, "campaign_id": campaign.id,
             "group": group, "purpose": f"{occasion}慰问: {contract.CAMPAIGN_GROUPS[group]}", "scheduled_on": today,
             "due_on": campaign.ends_on, "state": rules.SCHEDULED, "recorded_by": campaign.created_by}
            for member, group in listed]
    if rows:
        db.session.execute(visits.insert(), rows)
        db.add_events_in_bulk(VisitScheduled(
            visit_id=row["id"], member_id=row["member_id"], organisation_id=row["organisation_id"], cause="campaign",
            cause_event_id=None, campaign_id=campaign.id, due_on=row["due_on"]) for row in rows)
    db.session.execute(update(campaigns).where(campaigns.c.id == campaign.id).values(state=rules.LISTED))
    db.add_event(CampaignListed(campaign_id=campaign.id, organisation_id=campaign.organisation_id, visits=len(rows)))


def _situations(db, organisation_id, starts_on):
    last_return = (select(homecomings.c.member_id, func.max(homecomings.c.returned_on).label("returned_on"))
                   .where(homecomings.c.returned_on <= starts_on).group_by(homecomings.c.member_id).subquery())
    open_cases = (select(help_cases.c.member_id, func.count().label("open_cases"))
                  .where(help_cases.c.state == rules.OPEN).group_by(help_cases.c.member_id).subquery())
    rows = db.session.execute(
        select(members.c.member_id, members.c.organisation_id, members.c.status, last_return.c.returned_on,
               open_cases.c.open_cases)
        .outerjoin(last_return, last_return.c.member_id == members.c.member_id)
        .outerjoin(open_cases, open_cases.c.member_id == members.c.member_id)
        .where(usecases.within(db, organisation_id, members.c.organisation_id))
        .order_by(members.c.organisation_id, members.c.member_id))
    return [rules.MemberSituation(row.member_id, row.organisation_id, row.status, row.returned_on,
                                  row.open_cases or 0) for row in rows]


def _campaign_view(db, row):
    counts = dict(db.session.execute(select(visits.c.state, func.count()).where(visits.c.campaign_id == row.id)
                                     .group_by(visits.c.state)).all())
    completed = counts.get(rules.COMPLETED, 0)
    return {**row._mapping, "visits_scheduled": counts.get(rules.SCHEDULED, 0) + completed,
            "visits_completed": completed}


def get_campaign(db, campaign_id, scope):
    return _campaign_view(db, usecases.visible_row(db, campaigns, campaign_id, scope, ErrorCode.CAMPAIGN_NOT_FOUND))


def list_campaigns(db, query, scope):
    return usecases.listed(db, campaigns, query, scope, (campaigns.c.starts_on.desc(), campaigns.c.id),
                           equal=("occasion",), view=lambda row: _campaign_view(db, row))


# ---- help cases -------------------------------------------------------------------------------------


def _entry(db, case_id, on, kind, note, due_on, recorded_by, clock):
    sequence = db.session.execute(select(func.count()).where(help_case_entries.c.help_case_id == case_id)).scalar()
    db.session.execute(help_case_entries.insert().values(
        id=new_id(), help_case_id=case_id, sequence=sequence, on=on, kind=kind, note=note, due_on=due_on,
        recorded_by=recorded_by, recorded_at=clock.now()))


def open_case(db, command, clock, scope):
    member = usecases.visible_member(db, command["member_id"], scope)
    rules.check_open(command["opened_on"], clock.today())
    case_id = new_id()
    db.session.execute(help_cases.insert().values(
        id=case_id, member_id=member.member_id, organisation_id=member.organisation_id, kind=command["kind"],
        care_service=command.get("care_service"), summary=command["summary"], owner=command["owner"],
        opened_on=command["opened_on"], due_on=command["due_on"], state=rules.OPEN, money_recovered=0,
        jobs_found=0, disputes_settled=0, opened_by=scope.principal))
    _entry(db, case_id, command["opened_on"], "opened", command["summary"], command["due_on"], scope.principal, clock)
    db.add_event(HelpCaseOpened(help_case_id=case_id, member_id=member.member_id,
                                organisation_id=member.organisation_id, kind=command["kind"],
                                care_service=command.get("care_service"), opened_on=command["opened_on"],
                                due_on=command["due_on"]))
    return get_case(db, case_id, clock, scope)


def note_case(db, case_id, command, clock, scope):
    row = usecases.visible_row(db, help_cases, case_id, scope, ErrorCode.HELP_CASE_NOT_FOUND)
    rules.check_note(row.state, row.opened_on, command["noted_on"], command.get("due_on"), clock.today())
    due_on = command.get("due_on")
    _entry(db, row.id, command["noted_on"], "due_moved" if due_on else "note", command["note"], due_on,
           scope.principal, clock)
    if due_on is not None:
        db.session.execute(update(help_cases).where(help_cases.c.id == row.id).values(
            due_on=rules.due_on_after(_timeline(db, row.id), row.due_on)))
    db.add_event(HelpCaseNoted(help_case_id=row.id, member_id=row.member_id, organisation_id=row.organisation_id,
                               noted_on=command["noted_on"], due_on=due_on))
    return get_case(db, row.id, clock, scope)


def close_case(db, case_id, command, clock, scope):
    row = usecases.visible_row(db, help_cases, case_id, scope, ErrorCode.HELP_CASE_NOT_FOUND)
    rules.check_closure(row.state, row.opened_on, command["closed_on"], clock.today())
    outcome = {name: command[name] for name in ("outcome", "closed_on", "money_recovered", "jobs_found",
                                                "disputes_settled")}
    db.session.execute(update(help_cases).where(help_cases.c.id == row.id).values(state=rules.CLOSED, **outcome))
    _entry(db, row.id, command["closed_on"], "closed", command["note"], None, scope.principal, clock)
    db.add_event(HelpCaseClosed(help_case_id=row.id, member_id=row.member_id, organisation_id=row.organisation_id,
                                kind=row.kind, overdue=command["closed_on"] > row.due_on, **outcome))
    return get_case(db, row.id, clock, scope)


def _timeline(db, case_id):
    rows = db.session.execute(select(help_case_entries).where(help_case_entries.c.help_case_id == case_id))
    return rules.timeline(rules.TimelineEntry(row.on, row.kind, row.note, row.due_on, row.recorded_by, row.sequence)
                          for row in rows)


def case_view(row, today, timeline=None):
    view = {**row._mapping, "overdue": rules.overdue(row.due_on, row.closed_on, today)}
    if timeline is not None:
        view["timeline"] = [{"on": entry.on, "kind": entry.kind, "note": entry.note, "due_on": entry.due_on,
                             "recorded_by": entry.recorded_by} for entry in timeline]
    return view


def get_case(db, case_id, clock, scope):
    row = usecases.visible_row(db, help_cases, case_id, scope, ErrorCode.HELP_CASE_NOT_FOUND)
    return case_view(row, clock.today(), _timeline(db, row.id))


def list_cases(db, query, clock, scope):
    today = clock.today()
    where = []
    if query.get("overdue") is True:
        where.append((help_cases.c.state == rules.OPEN) & (help_cases.c.due_on < today))
    elif query.get("overdue") is False:
        where.append((help_cases.c.state != rules.OPEN) | (help_cases.c.due_on >= today))
    return usecases.listed(db, help_cases, query, scope, (help_cases.c.opened_on.desc(), help_cases.c.id),
                           equal=("kind", "state"), where=where, view=lambda row: case_view(row, today))


def care_service_card():
    return {"services": [{"key": key, "name": name} for key, name in contract.CARE_SERVICES.items()]}
