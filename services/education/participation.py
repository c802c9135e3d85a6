"""The participation rate (参学率) of an organisation's subtree, or of one member, over a
period, from education's own records: the sessions held, their registers, and the
projection of where each member belonged and whether they were away on each day.
Who counts for a session is ``domain.participation``; this module gathers the facts.

The subtree's rate comes with one row per organisation directly under it (the towns
of the county, the branches of a town), each member counted under the one their branch
lay in on the session's day.
"""
from collections import defaultdict
from datetime import date

from sqlalchemy import or_, select

from contracts.errors import ErrorCode, RuleViolation
from services.common import tree
from services.education import usecases
from services.education.domain import participation as rules
from services.education.models import (
    absences,
    members,
    placements,
    session_attendance,
    study_sessions,
)


def _line(db, organisation_id, cache):
    if organisation_id not in cache:
        cache[organisation_id] = usecases.line_of(db, organisation_id)
    return cache[organisation_id]


def participation(db, query, clock, scope):
    today = clock.today()
    period_to = query.get("to") or today
    period_from = query.get("from_") or date(period_to.year, 1, 1)
    if query.get("member_id"):
        member = usecases.visible_member(db, query["member_id"], scope, field="member_id")
        root_id, member_ids = member.organisation_id, [member.member_id]
    else:
        root_id = str(query["organisation_id"]) if query.get("organisation_id") else None
        if root_id is None:
            raise RuleViolation(ErrorCode.VALIDATION_FAILED, "name organisation_id or member_id",
                                         {"organisation_id": ["organisation_id or member_id is required"]})
        usecases.visible_organisation(db, root_id, scope)
        member_ids = None
    lines = {}
    root_line = _line(db, root_id, lines)
    root_depth = len(root_line) - 1

    # The members: every one ever placed in the subtree (or the one member asked about).
    placed = select(placements.c.member_id).where(usecases.within(db, root_id, placements.c.organisation_id))
    chosen = members.c.member_id.in_(member_ids) if member_ids else or_(
        members.c.member_id.in_(placed), usecases.within(db, root_id, members.c.organisation_id))
    people = {row.member_id: row for row in db.session.execute(select(members).where(chosen)).all()}
    placements_of, absences_of = defaultdict(list), defaultdict(list)
    for row in db.session.execute(select(placements).where(placements.c.member_id.in_(list(people)))).all():
        placements_of[row.member_id].append((row.from_date, row.organisation_id))
    for row in db.session.execute(select(absences).where(absences.c.member_id.in_(list(people)))).all():
        absences_of[row.member_id].append((row.departed_on, row.returned_on, row.host_organisation_id))

    # The sessions they may have been expected at: held in the period by an organisation of the subtree or
    # above it, or by a host some of them checked in with.
    hosts = {host for spells in absences_of.values() for _d, _r, host in spells if host}
    holders = or_(usecases.within(db, root_id, study_sessions.c.organisation_id),
                  study_sessions.c.organisation_id.in_(root_line), study_sessions.c.organisation_id.in_(sorted(hosts)))
    sessions = [rules.Session(id=row.id, organisation_id=row.organisation_id, held_on=row.held_on, mode=row.mode)
                for row in db.session.execute(select(study_sessions).where(
                    study_sessions.c.held_on >= period_from, study_sessions.c.held_on <= period_to, holders)).all()]
    took_part = {(row.session_id, row.member_id) for row in db.session.execute(
        select(session_attendance.c.session_id, session_attendance.c.member_id).where(
            session_attendance.c.session_id.in_([s.id for s in sessions]),
            session_attendance.c.status.in_(rules.PARTICIPATING))).all()}

    # Each session looks only at the members it may concern: those whose branch (now or at some placement) lies
    # under the organisation holding it, and those who checked in with it.
    concerned = defaultdict(set)
    for member_id, person in people.items():
        for branch in {person.organisation_id, *(organisation for _day, organisation in placements_of[member_id])}:
            for organisation_id in _line(db, branch, lines):
                concerned[organisation_id].add(member_id)
        for _departed, _returned, host in absences_of[member_id]:
            if host:
                concerned[host].add(member_id)

    total, by_group = rules.Tally(), defaultdict(rules.Tally)
    for session in sessions:
        for member_id in sorted(concerned[session.organisation_id]):
            person = people[member_id]
            day = session.held_on
            placed_in = rules.branch_on(day, placements_of[member_id])
            line = _line(db, placed_in or person.organisation_id, lines)
            if root_id not in line:
                continue  # not in the subtree that day
            spell = rules.away_on(day, absences_of[member_id])
            # Placed only after the day (registered or transferred in later): not theirs to have missed.
            on_roll = not (placements_of[member_id] and placed_in is None) \
                and (person.registered_on is None or person.registered_on <= day) \
                and not rules.out_of_roll_on(day, person.status, person.status_effective_on)
            facts = rules.MemberOnDay(on_roll=on_roll, line=frozenset(line), away=spell is not None,
                                      host_organisation_id=spell[2] if spell else None)
            if not rules.expected_at(session, facts):
                continue
            attended = (session.id, member_id) in took_part
            total.add(attended)
            group = line[root_depth + 1] if len(line) > root_depth + 1 else root_id
            by_group[group].add(attended)

    def row(tally):
        return {"expected": tally.expected, "participated": tally.participated, "rate_percent": tally.rate_percent}

    names = {node_id: _name(db, node_id) for node_id in [root_id, *by_group]}
    answer = {"from_": period_from, "to": period_to, "organisation_id": root_id, "organisation_name": names[root_id],
              "sessions": len(sessions), **row(total),
              "by_organisation": [{"organisation_id": group, "organisation_name": names[group], **row(tally)}
                                  for group, tally in sorted(by_group.items(), key=lambda item: names[item[0]] or "")]}
    if member_ids:
        answer["member_id"] = member_ids[0]
    return answer


def _name(db, organisation_id):
    node = tree.node(db.session, usecases.organisation_tree(db), organisation_id)
    return node.name if node else None
