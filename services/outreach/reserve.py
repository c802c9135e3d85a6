"""Reserve-cadre reviews opened by a return (储备工程), vanguard designations
(先锋工程) and the cultivation of candidates for membership (培养工程). Rules:
``domain.reserve``."""
from sqlalchemy import select, update

from contracts.errors import ErrorCode, RuleViolation
from services.common.clock import new_id
from services.outreach import projection, usecases
from services.outreach.domain import reserve as rules
from services.outreach.domain.care import not_in_future
from services.outreach.domain.events import (
    CandidateIdentified,
    CultivationStepRecorded,
    ReserveCadreNominated,
    ReserveReviewDeclined,
    ReserveReviewOpened,
    VanguardDesignated,
)
from services.outreach.models import (
    candidates,
    cultivation_steps,
    members,
    reserve_reviews,
    vanguard,
)

# ---- reserve-cadre reviews --------------------------------------------------------------------


def on_return(db, event, clock):
    """A returnee is considered as a village or reserve cadre, once per return and while no review of theirs
    is open; the review carries their record (the absence's length, the latest grade). Its id, when opened."""
    data = event["data"]
    member = db.session.execute(select(members).where(members.c.member_id == str(data["member_id"]))).first()
    already_open = db.session.execute(select(reserve_reviews.c.id).where(
        reserve_reviews.c.member_id == member.member_id, reserve_reviews.c.state == rules.REVIEW_OPEN)).first()
    if already_open is not None:
        return None
    review_id = new_id()
    written = db.insert_unless_present(reserve_reviews, {
        "id": review_id, "member_id": member.member_id, "organisation_id": member.organisation_id,
        "opened_on": clock.today(), "cause": "member_returned", "cause_id": str(data["departure_id"]),
        "returned_on": data["returned_on"], "months_away": rules.months_away(data.get("departed_on"),
                                                                             data["returned_on"]),
        "state": rules.REVIEW_OPEN}, key=("cause_id",))
    if not written:
        return None
    db.add_event(ReserveReviewOpened(review_id=review_id, member_id=member.member_id,
                                     organisation_id=member.organisation_id, opened_on=clock.today(),
                                     cause_event_id=str(event["event_id"])))
    return review_id


def review_view(db, row):
    year, grade = projection.latest_grade(db.session, row.member_id)
    return {**row._mapping, "last_grade": grade, "last_grade_year": year}


def get_review(db, review_id, scope):
    return review_view(db, usecases.visible_row(db, reserve_reviews, review_id, scope,
                                                ErrorCode.RESERVE_REVIEW_NOT_FOUND))


def list_reviews(db, query, scope):
    return usecases.listed(db, reserve_reviews, query, scope, (reserve_reviews.c.opened_on, reserve_reviews.c.id),
                           equal=("state",), view=lambda row: review_view(db, row))


def decide_review(db, review_id, command, clock, scope):
    row = usecases.visible_row(db, reserve_reviews, review_id, scope, ErrorCode.RESERVE_REVIEW_NOT_FOUND)
    rules.check_decision(row.state, row.opened_on, command["decided_on"], clock.today())
    state = rules.review_state_after(command["decision"])
    db.session.execute(update(reserve_reviews).where(reserve_reviews.c.id == row.id).values(
        state=state, decision=command["decision"], decided_on=command["decided_on"], note=command["note"],
        decided_by=scope.principal))
    common = {"review_id": row.id, "member_id": row.member_id, "organisation_id": row.organisation_id,
              "decided_on": command["decided_on"]}
    if state == rules.NOMINATED:
        db.add_event(ReserveCadreNominated(role=command["decision"], **common))
    else:
        db.add_event(ReserveReviewDeclined(**common))
    return get_review(db, row.id, scope)


# ---- vanguard ---------------------------------------------------------------------------------


def designate(db, command, clock, scope):
    member = usecases.visible_member(db, command["member_id"], scope)
    not_in_future(command["designated_on"], clock.today(), "designated_on")
    designation_id = new_id()
    values = {"id": designation_id, "member_id": member.member_id, "organisation_id": member.organisation_id,
              "kind": command["kind"], "title": command["title"], "designated_on": command["designated_on"]}
    db.session.execute(vanguard.insert().values(created_by=scope.principal, **values))
    db.add_event(VanguardDesignated(designation_id=designation_id, member_id=member.member_id,
                                    organisation_id=member.organisation_id, kind=command["kind"],
                                    designated_on=command["designated_on"]))
    return values


def list_vanguard(db, query, scope):
    return usecases.listed(db, vanguard, query, scope, (vanguard.c.designated_on.desc(), vanguard.c.id),
                           equal=("kind",))


# ---- cultivation ----------------------------------------------------------------------------------


def identify(db, command, clock, scope):
    organisation = usecases.visible_organisation(db, command["organisation_id"], scope)
    not_in_future(command["identified_on"], clock.today(), "identified_on")
    candidate_id = new_id()
    values = {"id": candidate_id, "organisation_id": organisation.id, "candidate_ref": command["candidate_ref"],
              "host": command["host"], "identified_on": command["identified_on"], "state": rules.FOLLOWING,
              "created_by": scope.principal}
    if not db.insert_unless_present(candidates, values, key=("candidate_ref",)):
        raise RuleViolation(ErrorCode.ALREADY_RECORDED, "a candidate with this file number is followed already",
                            {"candidate_ref": ["followed already"]})
    db.add_event(CandidateIdentified(candidate_id=candidate_id, organisation_id=organisation.id,
                                     identified_on=command["identified_on"]))
    return get_candidate(db, candidate_id, scope)


def _steps(db, candidate_ids):
    found = {each: [] for each in candidate_ids}
    for row in db.session.execute(select(cultivation_steps).where(cultivation_steps.c.candidate_id.in_(candidate_ids))
                                  .order_by(cultivation_steps.c.on, cultivation_steps.c.step)):
        found[row.candidate_id].append({"step": row.step, "on": row.on, "note": row.note})
    return found


def get_candidate(db, candidate_id, scope):
    row = usecases.visible_row(db, candidates, candidate_id, scope, ErrorCode.CANDIDATE_NOT_FOUND)
    return {**row._mapping, "steps": _steps(db, [row.id])[row.id]}


def record_step(db, candidate_id, command, clock, scope):
    row = usecases.visible_row(db, candidates, candidate_id, scope, ErrorCode.CANDIDATE_NOT_FOUND)
    done = {each["step"]: each["on"] for each in _steps(db, [row.id])[row.id]}
    state = rules.check_step(row.state, done, command["step"], command["on"], row.identified_on, clock.today())
    db.session.execute(cultivation_steps.insert().values(
        candidate_id=row.id, step=command["step"], on=command["on"], note=command.get("note"),
        recorded_by=scope.principal))
    db.session.execute(update(candidates).where(candidates.c.id == row.id).values(
        state=state, admitted_on=command["on"] if state == rules.ADMITTED else None))
    db.add_event(CultivationStepRecorded(candidate_id=row.id, organisation_id=row.organisation_id,
                                         step=command["step"], on=command["on"]))
    return get_candidate(db, row.id, scope)


def list_candidates(db, query, scope):
    page = usecases.listed(db, candidates, query, scope, (candidates.c.identified_on, candidates.c.id),
                           equal=("state",))
    steps = _steps(db, [row["id"] for row in page["items"]])
    page["items"] = [{**row, "steps": steps[row["id"]]} for row in page["items"]]
    return page
