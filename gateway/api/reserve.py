"""储备工程, 先锋工程, 培养工程: the reserve-cadre review a return opens (is the returnee a
村干部 or 后备干部?), decided once by the committee; vanguard designations (党员先锋岗,
党员经营户); and the two-way cultivation (双向培养) of outstanding migrant workers towards
membership, inspected and publicly noticed in both places (两地考察, 两地公示) before
admission (发展入党).

Served by the outreach service; a member is an id and a candidate a file number
(入党申请人档案号), so nothing here is a personal-data read.
"""
from flask.views import MethodView

from contracts import outreach
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "reserve", __name__, url_prefix=API_PREFIX,
    description="储备, 先锋, 培养: reserve-cadre reviews opened by returns, vanguard designations, and the cultivation "
                "of migrant workers towards membership",
)

UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")
REVIEW_NOT_FOUND = (ErrorCode.RESERVE_REVIEW_NOT_FOUND,
                    "also for a review of a member outside the caller's organisations")
CANDIDATE_NOT_FOUND = (ErrorCode.CANDIDATE_NOT_FOUND, "also for a candidate of a branch outside the caller's")


@blp.route("/reserve-reviews")
class ReserveReviews(MethodView):
    @blp.arguments(outreach.ReserveReviewQuerySchema, location="query")
    @blp.response(200, outreach.ReserveReviewPageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listReserveReviews")
    def get(self, query):
        """List the reserve-cadre reviews of the caller's organisations (or of a subtree, a member, a state),
        earliest opened first

        A member's return opens one (unless one of theirs is open already), carrying their record: how long the
        last absence was and the latest yearly grade. ``state=open``: the committee's to-do list.
        """
        return call(outreach.SERVICE_NAME, "list_reserve_reviews", outreach.ReserveReviewQuerySchema().dump(query),
                    reply_schema=outreach.ReserveReviewPageSchema)


@blp.route("/reserve-reviews/<uuid:review_id>")
class ReserveReview(MethodView):
    @blp.response(200, outreach.ReserveReviewSchema)
    @blp.calls(outreach.SERVICE_NAME, REVIEW_NOT_FOUND)
    @blp.requires(outreach.OUTREACH_READ, operation_id="getReserveReview")
    def get(self, review_id):
        """Get one reserve-cadre review, with the member's record and, once decided, the decision and its reasons"""
        return call(outreach.SERVICE_NAME, "get_reserve_review", str(review_id),
                    reply_schema=outreach.ReserveReviewSchema)


@blp.route("/reserve-reviews/<uuid:review_id>/decision")
class ReserveReviewDecision(MethodView):
    @blp.arguments(outreach.ReserveDecisionSchema)
    @blp.response(200, outreach.ReserveReviewSchema)
    @blp.calls(
        outreach.SERVICE_NAME, REVIEW_NOT_FOUND,
        (ErrorCode.NOT_PENDING, "the review has been decided already"),
        (ErrorCode.VALIDATION_FAILED, "decided_on is in the future or before the review opened"),
        idempotent=True,
    )
    @blp.requires(outreach.RESERVE_WRITE, operation_id="decideReserveReview", audit_action="reserve_reviews.decide",
                  resource_type="reserve_review")
    def post(self, decision, review_id):
        """Record the committee's decision on a review, once, with its reasons: ``village_cadre`` (村干部) or
        ``reserve_cadre`` (后备干部) nominates the returnee, ``not_now`` (暂不推荐) declines

        Announced as ``reserve_cadre_nominated`` or ``reserve_review_declined``.
        """
        return call(outreach.SERVICE_NAME, "decide_reserve_review", str(review_id),
                    outreach.ReserveDecisionSchema().dump(decision), reply_schema=outreach.ReserveReviewSchema)


@blp.route("/vanguard")
class Vanguard(MethodView):
    @blp.arguments(outreach.VanguardCreateSchema)
    @blp.response(201, outreach.VanguardSchema)
    @blp.calls(
        outreach.SERVICE_NAME,
        (ErrorCode.UNKNOWN_REFERENCE, "member_id names no member the caller sees"),
        (ErrorCode.VALIDATION_FAILED, "designated_on is in the future"),
        idempotent=True,
    )
    @blp.requires(outreach.RESERVE_WRITE, operation_id="designateVanguard", audit_action="vanguard.designate",
                  resource_type="vanguard")
    def post(self, designation):
        """Designate a member's post as a 党员先锋岗 or their business as a 党员经营户 (not in the future)

        Announced as ``vanguard_designated``.
        """
        return call(outreach.SERVICE_NAME, "designate_vanguard", outreach.VanguardCreateSchema().dump(designation),
                    reply_schema=outreach.VanguardSchema)

    @blp.arguments(outreach.VanguardQuerySchema, location="query")
    @blp.response(200, outreach.VanguardPageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listVanguard")
    def get(self, query):
        """List the vanguard designations of the caller's organisations (or of a subtree, a member, a kind), latest
        first"""
        return call(outreach.SERVICE_NAME, "list_vanguard", outreach.VanguardQuerySchema().dump(query),
                    reply_schema=outreach.VanguardPageSchema)


@blp.route("/cultivation-candidates")
class CultivationCandidates(MethodView):
    @blp.arguments(outreach.CandidateCreateSchema)
    @blp.response(201, outreach.CandidateSchema)
    @blp.calls(
        outreach.SERVICE_NAME, UNKNOWN_ORGANISATION,
        (ErrorCode.ALREADY_RECORDED, "a candidate with this file number (candidate_ref) is followed already"),
        (ErrorCode.VALIDATION_FAILED, "identified_on is in the future"),
        idempotent=True,
    )
    @blp.requires(outreach.RESERVE_WRITE, operation_id="identifyCultivationCandidate",
                  audit_action="cultivation.identify", resource_type="cultivation_candidate")
    def post(self, candidate):
        """Start cultivating an outstanding migrant worker towards membership (培养工程): the home branch, the
        applicant's file number (their details stay in that file), the organisation where they work, which
        cultivates with the branch, and the day (not in the future)

        Announced as ``candidate_identified``.
        """
        return call(outreach.SERVICE_NAME, "identify_candidate", outreach.CandidateCreateSchema().dump(candidate),
                    reply_schema=outreach.CandidateSchema)

    @blp.arguments(outreach.CandidateQuerySchema, location="query")
    @blp.response(200, outreach.CandidatePageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listCultivationCandidates")
    def get(self, query):
        """List the candidates of the caller's organisations (or of a subtree, a state), earliest identified first,
        each with the steps recorded"""
        return call(outreach.SERVICE_NAME, "list_candidates", outreach.CandidateQuerySchema().dump(query),
                    reply_schema=outreach.CandidatePageSchema)


@blp.route("/cultivation-candidates/<uuid:candidate_id>")
class CultivationCandidate(MethodView):
    @blp.response(200, outreach.CandidateSchema)
    @blp.calls(outreach.SERVICE_NAME, CANDIDATE_NOT_FOUND)
    @blp.requires(outreach.OUTREACH_READ, operation_id="getCultivationCandidate")
    def get(self, candidate_id):
        """Get one candidate with the steps of their cultivation, in the order they happened"""
        return call(outreach.SERVICE_NAME, "get_candidate", str(candidate_id), reply_schema=outreach.CandidateSchema)


@blp.route("/cultivation-candidates/<uuid:candidate_id>/steps")
class CultivationSteps(MethodView):
    @blp.arguments(outreach.CultivationStepCreateSchema)
    @blp.response(201, outreach.CandidateSchema)
    @blp.calls(
        outreach.SERVICE_NAME, CANDIDATE_NOT_FOUND,
        (ErrorCode.ALREADY_RECORDED, "the step has been recorded already"),
        (ErrorCode.CULTIVATION_INCOMPLETE, "admitted before inspection and public notice in both places are recorded"),
        (ErrorCode.CULTIVATION_ENDED, "the candidate has been admitted or dropped: nothing follows"),
        (ErrorCode.VALIDATION_FAILED, (
            "on is in the future, before the candidate was identified, or (admitted) before the last inspection or "
            "notice")),
        idempotent=True,
    )
    @blp.requires(outreach.RESERVE_WRITE, operation_id="recordCultivationStep", audit_action="cultivation.record_step",
                  resource_type="cultivation_candidate")
    def post(self, step, candidate_id):
        """Record a step of the candidate's cultivation, once each: inspection (考察) and public notice (公示) at
        home and at the host, then ``admitted`` (发展入党), or ``dropped`` (终止培养) at any time

        Answers the candidate with every step recorded. Announced as ``cultivation_step_recorded``.
        """
        return call(outreach.SERVICE_NAME, "record_cultivation_step", str(candidate_id),
                    outreach.CultivationStepCreateSchema().dump(step), reply_schema=outreach.CandidateSchema)
