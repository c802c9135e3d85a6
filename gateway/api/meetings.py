"""党员大会: a branch's quorum on a meeting day, and the two records it rests on,
留党察看 (party probations) and approved exclusions from "should attend" (应到会),
as sub-resources of the branch. Both records are append-only: there is no PUT or
DELETE; a withdrawal or an early end is recorded as a new record."""
from flask.views import MethodView

from contracts import roster
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "meetings", __name__, url_prefix=f"{API_PREFIX}/organisations",
    description="党员大会: a branch's quorum on a date, 留党察看 and approved exclusions from 应到会",
)

NOT_FOUND = (ErrorCode.ORGANISATION_NOT_FOUND, "also for an organisation outside the caller's subtrees")
NOT_A_BRANCH = (ErrorCode.NOT_A_BRANCH, "only branches hold general meetings")
UNKNOWN_MEMBER = (ErrorCode.UNKNOWN_REFERENCE, "member_id names no member of this branch")


@blp.route("/<uuid:organisation_id>/quorum")
class Quorum(MethodView):
    # A POST that records nothing (like members/lookup): the attendance of a
    # destination branch of a hundred members would not fit a URL (gunicorn's
    # request line holds 4094 characters, some 88 member ids).
    @blp.arguments(roster.QuorumCheckSchema)
    @blp.response(200, roster.QuorumSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND, NOT_A_BRANCH,
               (ErrorCode.UNKNOWN_REFERENCE, "present names someone who is not a member of this branch"))
    @blp.requires(roster.MEETINGS_READ, operation_id="checkQuorum")
    def post(self, query, organisation_id):
        """The quorum of a branch meeting on a date, with the members present (records nothing)

        Who has a vote (full members who joined on or before the date and were not on 留党察看
        that day), who should attend (应到会: less the exclusions approved by a higher organisation
        and agreed by the general meeting, each listed with its approval), whether a general meeting
        may vote (at least half present), the votes a motion needs (more than half of should attend)
        and whether an election is valid (more than four fifths present). Date ranges are inclusive.
        """
        return call(roster.SERVICE_NAME, "quorum", str(organisation_id), roster.QuorumCheckSchema().dump(query),
                    reply_schema=roster.QuorumSchema)


@blp.route("/<uuid:organisation_id>/attendance-exclusions")
class AttendanceExclusions(MethodView):
    @blp.response(200, roster.AttendanceExclusionListSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND, NOT_A_BRANCH)
    @blp.requires(roster.MEETINGS_READ, operation_id="listAttendanceExclusions")
    def get(self, organisation_id):
        """The branch's whole history of exclusions from 应到会, oldest record first"""
        return call(roster.SERVICE_NAME, "list_attendance_exclusions", str(organisation_id),
                    reply_schema=roster.AttendanceExclusionListSchema)

    @blp.arguments(roster.AttendanceExclusionCreateSchema)
    @blp.response(201, roster.AttendanceExclusionSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND, NOT_A_BRANCH, UNKNOWN_MEMBER, idempotent=True)
    @blp.requires(
        roster.MEMBERS_WRITE, operation_id="recordAttendanceExclusion",
        audit_action="organisations.record_attendance_exclusion", resource_type="organisation",
    )
    def post(self, payload, organisation_id):
        """Record a member's exclusion from 应到会, as the higher organisation approved it

        On one of five grounds; ``approved_by_organisation_id`` must be above the branch, the approval and
        the general meeting's agreement not after today, ``valid_from`` not before either.
        """
        return call(roster.SERVICE_NAME, "record_attendance_exclusion", str(organisation_id),
                    roster.AttendanceExclusionCreateSchema().dump(payload),
                    reply_schema=roster.AttendanceExclusionSchema)


@blp.route("/<uuid:organisation_id>/party-probations")
class PartyProbations(MethodView):
    @blp.response(200, roster.PartyProbationListSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND, NOT_A_BRANCH)
    @blp.requires(roster.MEETINGS_READ, operation_id="listPartyProbations")
    def get(self, organisation_id):
        """The branch's whole 留党察看 history, oldest record first"""
        return call(roster.SERVICE_NAME, "list_party_probations", str(organisation_id),
                    reply_schema=roster.PartyProbationListSchema)

    @blp.arguments(roster.PartyProbationCreateSchema)
    @blp.response(201, roster.PartyProbationSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND, NOT_A_BRANCH, UNKNOWN_MEMBER, idempotent=True)
    @blp.requires(
        roster.MEMBERS_WRITE, operation_id="recordPartyProbation",
        audit_action="organisations.record_party_probation", resource_type="organisation",
    )
    def post(self, payload, organisation_id):
        """Record a member's 留党察看 (probation within the Party): no vote from starts_on to ends_on, inclusive"""
        return call(roster.SERVICE_NAME, "record_party_probation", str(organisation_id),
                    roster.PartyProbationCreateSchema().dump(payload), reply_schema=roster.PartyProbationSchema)


@blp.route("/<uuid:organisation_id>/attendance-exclusions/<uuid:exclusion_id>/withdrawal")
class ExclusionWithdrawal(MethodView):
    @blp.arguments(roster.ExclusionWithdrawalCreateSchema)
    @blp.response(201, roster.ExclusionWithdrawalSchema)
    @blp.calls(roster.SERVICE_NAME, NOT_FOUND, NOT_A_BRANCH,
               (ErrorCode.NOT_FOUND, "no such exclusion in this branch"), idempotent=True)
    @blp.requires(
        roster.MEMBERS_WRITE, operation_id="withdrawAttendanceExclusion",
        audit_action="organisations.withdraw_attendance_exclusion", resource_type="organisation",
    )
    def post(self, payload, organisation_id, exclusion_id):
        """End an exclusion early: from ``effective_from`` the member should attend again

        A new record beside the exclusion, which stays as it was recorded; an exclusion is withdrawn once
        (422 naming ``exclusion_id`` the second time).
        """
        return call(roster.SERVICE_NAME, "withdraw_attendance_exclusion", str(organisation_id), str(exclusion_id),
                    roster.ExclusionWithdrawalCreateSchema().dump(payload), reply_schema=roster.ExclusionWithdrawalSchema)
