"""The county's education figures for a subtree and a period, counted from education's
own records (DOMAIN.md: "in one year: 300+ classes, 5,400 person-times, ~500 members
learned 1-2 practical skills, 180+ became technical leaders"): training classes held,
person-times trained (present or late at a class), members who learned a skill,
technical leaders, talks opened and held, deliveries sent, study records."""
from datetime import date

from sqlalchemy import distinct, func, select

from services.common import tree
from services.education import usecases
from services.education.domain.participation import PARTICIPATING
from services.education.models import (
    deliveries,
    skills,
    talks,
    technical_leaders,
    training_attendance,
    training_sessions,
    trainings,
)


def figures(db, query, clock, scope):
    root = str(query["organisation_id"]) if query.get("organisation_id") else None
    if root is not None:
        usecases.visible_organisation(db, root, scope)

    def under(column):  # the subtree asked for, or all the caller sees (nothing, for a member)
        if root is not None:
            return usecases.within(db, root, column)
        return tree.in_scope(db.session, usecases.organisation_tree(db), scope, column)
    period_to = query.get("to") or clock.today()
    period_from = query.get("from_") or date(period_to.year, 1, 1)

    def count(statement):
        return db.session.execute(statement).scalar() or 0

    in_trainings = (trainings.c.id == training_sessions.c.training_id) & under(trainings.c.organisation_id)
    held = training_sessions.c.held_on.between(period_from, period_to)
    return {
        "organisation_id": root, "from_": period_from, "to": period_to,
        "classes_held": count(select(func.count()).select_from(training_sessions.join(trainings, in_trainings))
                              .where(held)),
        "person_times_trained": count(
            select(func.count()).select_from(training_attendance.join(
                training_sessions, training_sessions.c.id == training_attendance.c.training_session_id)
                .join(trainings, in_trainings))
            .where(held, training_attendance.c.status.in_(PARTICIPATING))),
        "members_learned_skills": count(select(func.count(distinct(skills.c.member_id))).where(
            under(skills.c.organisation_id), skills.c.acquired_on.between(period_from, period_to))),
        "technical_leaders": count(select(func.count()).select_from(technical_leaders).where(
            under(technical_leaders.c.organisation_id),
            technical_leaders.c.recognised_on.between(period_from, period_to))),
        "talks_opened": count(select(func.count()).select_from(talks).where(
            under(talks.c.organisation_id), talks.c.reported_on.between(period_from, period_to))),
        "talks_held": count(select(func.count()).select_from(talks).where(
            under(talks.c.organisation_id), talks.c.held_on.between(period_from, period_to))),
        "deliveries_sent": count(select(func.count()).select_from(deliveries).where(
            under(deliveries.c.organisation_id), deliveries.c.status == "sent",
            func.date(deliveries.c.sent_at).between(period_from, period_to))),
    }
