"""Stable error codes shared by the services and the gateway.

A service raises ``ServiceError``; nameko carries it over RPC as this class
(registered with ``deserialize_to_instance``), so the gateway gets the same code,
message and per-field details back, never the producer's module path.
"""
from nameko.exceptions import deserialize_to_instance


class ErrorCode:
    VALIDATION_FAILED = "validation_failed"
    MALFORMED_JSON = "malformed_json"
    NOT_FOUND = "not_found"
    ORGANISATION_NOT_FOUND = "organisation_not_found"
    UNKNOWN_REFERENCE = "unknown_reference"
    MEMBER_NOT_FOUND = "member_not_found"
    MEMBER_ALREADY_AWAY = "member_already_away"
    INVALID_PARENT = "invalid_parent"
    NOT_A_BRANCH = "not_a_branch"
    DUPLICATE_ID_NUMBER = "duplicate_id_number"
    EXPORT_TOO_LARGE = "export_too_large"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    SEPARATION_OF_DUTIES = "separation_of_duties"
    LAST_AUDITOR = "last_auditor"
    NOT_PENDING = "not_pending"
    RATE_LIMITED = "rate_limited"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    SERVICE_UNAVAILABLE = "service_unavailable"
    # A service refused the call's signed caller context (contracts.caller_context).
    CALLER_NOT_TRUSTED = "caller_not_trusted"
    INTERNAL_ERROR = "internal_error"
    # ---- issue 8: check-in at the destination (双报到) ----
    MEMBER_NOT_AWAY = "member_not_away"
    ALREADY_CHECKED_IN = "already_checked_in"
    CHECK_IN_NOT_FOUND = "check_in_not_found"
    ALREADY_CONFIRMED = "already_confirmed"
    NOT_THE_CONFIRMING_SIDE = "not_the_confirming_side"
    CARD_ALREADY_ISSUED = "card_already_issued"
    ABSENCE_TOO_LONG = "absence_too_long"


# The HTTP status the gateway answers for each code; anything unknown is a 500.
HTTP_STATUS = {
    ErrorCode.VALIDATION_FAILED: 422,
    ErrorCode.MALFORMED_JSON: 400,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.ORGANISATION_NOT_FOUND: 404,
    # A body or filter naming something that does not exist: the request is at fault, not the URL.
    ErrorCode.UNKNOWN_REFERENCE: 422,
    ErrorCode.MEMBER_NOT_FOUND: 404,
    ErrorCode.MEMBER_ALREADY_AWAY: 409,
    ErrorCode.INVALID_PARENT: 422,
    ErrorCode.NOT_A_BRANCH: 422,
    ErrorCode.DUPLICATE_ID_NUMBER: 409,
    ErrorCode.EXPORT_TOO_LARGE: 422,
    # The same Idempotency-Key sent again with another request: the client has a bug.
    ErrorCode.IDEMPOTENCY_KEY_REUSED: 422,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.SEPARATION_OF_DUTIES: 409,
    # The platform is never left without someone who reads the audit record.
    ErrorCode.LAST_AUDITOR: 409,
    # Approving or rejecting a grant that was already decided (or revoked).
    ErrorCode.NOT_PENDING: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
    # The gateway signs every call, so a service refusing it means the platform's
    # keys are misconfigured: the client can do nothing about it, and retrying will not help.
    ErrorCode.CALLER_NOT_TRUSTED: 500,
    ErrorCode.INTERNAL_ERROR: 500,
    # ---- issue 8: check-in at the destination (双报到) ----
    ErrorCode.MEMBER_NOT_AWAY: 409,
    ErrorCode.ALREADY_CHECKED_IN: 409,
    ErrorCode.CHECK_IN_NOT_FOUND: 404,
    ErrorCode.ALREADY_CONFIRMED: 409,
    # The caller may see the check-in but is not the side whose confirmation it asks for.
    ErrorCode.NOT_THE_CONFIRMING_SIDE: 403,
    ErrorCode.CARD_ALREADY_ISSUED: 409,
    # A card for an absence of six months or more: the relationship should be transferred instead.
    ErrorCode.ABSENCE_TOO_LONG: 409,
}


class RuleViolation(Exception):
    """A request a service's rules refuse, raised by pure domain code.

    ``code`` is an :class:`ErrorCode`. It is not a ``ServiceError``, so domain
    packages stay free of nameko; the kernel's entrypoints turn it into one at
    the RPC edge, and an event handler dead-letters it at once (retrying a
    rule violation cannot make it pass).
    """

    def __init__(self, code, message, details=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


@deserialize_to_instance
class ServiceError(Exception):
    """An expected failure with a stable code; args stay JSON-serialisable."""

    def __init__(self, code, message, details=None):
        super().__init__(code, message, details or {})
        self.code = code
        self.message = message
        self.details = details or {}

    def __str__(self):
        return f"{self.code}: {self.message}"


# ---- organisation-relationship transfer (组织关系转接) ------------------------
ErrorCode.TRANSFER_NOT_FOUND = "transfer_not_found"
# A second letter while one is pending: transfers never overlap.
ErrorCode.TRANSFER_ALREADY_PENDING = "transfer_already_pending"
# A receipt after the letter's validity: the letter must be re-issued.
ErrorCode.TRANSFER_EXPIRED = "transfer_expired"
ErrorCode.TRANSFER_NOT_PENDING = "transfer_not_pending"
ErrorCode.TRANSFER_NOT_EXPIRED = "transfer_not_expired"
ErrorCode.TRANSFER_ALREADY_REISSUED = "transfer_already_reissued"
ErrorCode.MEMBER_TRANSFERRED_OUT = "member_transferred_out"
# Re-issuing a letter for a member who has moved to another branch since it was sent.
ErrorCode.TRANSFER_SUPERSEDED = "transfer_superseded"
HTTP_STATUS.update({
    ErrorCode.TRANSFER_NOT_FOUND: 404,
    ErrorCode.TRANSFER_ALREADY_PENDING: 409,
    ErrorCode.TRANSFER_EXPIRED: 409,
    ErrorCode.TRANSFER_NOT_PENDING: 409,
    ErrorCode.TRANSFER_NOT_EXPIRED: 409,
    ErrorCode.TRANSFER_ALREADY_REISSUED: 409,
    ErrorCode.MEMBER_TRANSFERRED_OUT: 409,
    ErrorCode.TRANSFER_SUPERSEDED: 409,
})

# ---- issue 8: lost contact (失联), suspension (停止党籍) and removal (除名) ----
ErrorCode.ALREADY_LOST_CONTACT = "already_lost_contact"
ErrorCode.NOT_LOST_CONTACT = "not_lost_contact"
# Confirming a suspension or removal that the rules do not propose on that date.
ErrorCode.NO_PROPOSAL = "no_proposal"
ErrorCode.MEMBER_REMOVED = "member_removed"
# A departure or an unreported return dated before the member's last return: movements never overlap.
ErrorCode.OVERLAPPING_MOVEMENT = "overlapping_movement"
HTTP_STATUS.update({
    ErrorCode.OVERLAPPING_MOVEMENT: 409,
    ErrorCode.ALREADY_LOST_CONTACT: 409,
    ErrorCode.NOT_LOST_CONTACT: 409,
    ErrorCode.NO_PROPOSAL: 409,
    ErrorCode.MEMBER_REMOVED: 409,
})

# ---- issue 8: pocket members (口袋党员) ----
ErrorCode.POCKET_MEMBER_NOT_FOUND = "pocket_member_not_found"
# Placing a candidate already placed (or withdrawn because its member's transfer started again).
ErrorCode.POCKET_MEMBER_NOT_OPEN = "pocket_member_not_open"
# Two first sightings of one ID number committed at once: the later one is refused; sending it again succeeds.
ErrorCode.SIGHTING_CONFLICT = "sighting_conflict"
HTTP_STATUS.update({
    ErrorCode.SIGHTING_CONFLICT: 409,
    ErrorCode.POCKET_MEMBER_NOT_FOUND: 404,
    ErrorCode.POCKET_MEMBER_NOT_OPEN: 409,
})
# ---- issue 8: organisation details, online branches, stations, pairings ----
# A detail that is not for the organisation's kind, or out of its range (activity day 1-28, budget ≥ 0).
ErrorCode.INVALID_ORGANISATION_DETAILS = "invalid_organisation_details"
# A village's second online branch (网络党支部): one per village.
ErrorCode.ONLINE_BRANCH_EXISTS = "online_branch_exists"
# Only service stations, service points and red stations serve branches.
ErrorCode.NOT_A_STATION = "not_a_station"
ErrorCode.ALREADY_SERVED = "already_served"
ErrorCode.STATION_LINK_NOT_FOUND = "station_link_not_found"
ErrorCode.ALREADY_ENDED = "already_ended"
# A town–community pairing (城乡结对) names a town party committee on one side.
ErrorCode.NOT_A_TOWN = "not_a_town"
ErrorCode.NOT_A_COMMUNITY = "not_a_community"
ErrorCode.ALREADY_PAIRED = "already_paired"
ErrorCode.PAIRING_NOT_FOUND = "pairing_not_found"
HTTP_STATUS.update({
    ErrorCode.INVALID_ORGANISATION_DETAILS: 422,
    ErrorCode.ONLINE_BRANCH_EXISTS: 409,
    ErrorCode.NOT_A_STATION: 422,
    ErrorCode.ALREADY_SERVED: 409,
    ErrorCode.STATION_LINK_NOT_FOUND: 404,
    ErrorCode.ALREADY_ENDED: 409,
    ErrorCode.NOT_A_TOWN: 422,
    ErrorCode.NOT_A_COMMUNITY: 422,
    ErrorCode.ALREADY_PAIRED: 409,
    ErrorCode.PAIRING_NOT_FOUND: 404,
})

# ---- issue 9: education ----
ErrorCode.TALK_NOT_FOUND = "talk_not_found"
ErrorCode.TALK_ALREADY_COMPLETED = "talk_already_completed"
ErrorCode.TRAINING_NOT_FOUND = "training_not_found"
ErrorCode.TRAINING_SESSION_NOT_FOUND = "training_session_not_found"
# Enrolling one more member than the training's capacity.
ErrorCode.TRAINING_FULL = "training_full"
ErrorCode.ALREADY_ENROLLED = "already_enrolled"
# Attendance at a training's session for a member who is not enrolled in it.
ErrorCode.NOT_ENROLLED = "not_enrolled"
HTTP_STATUS.update({
    ErrorCode.TALK_NOT_FOUND: 404,
    ErrorCode.TALK_ALREADY_COMPLETED: 409,
    ErrorCode.TRAINING_NOT_FOUND: 404,
    ErrorCode.TRAINING_SESSION_NOT_FOUND: 404,
    ErrorCode.TRAINING_FULL: 409,
    ErrorCode.ALREADY_ENROLLED: 409,
    ErrorCode.NOT_ENROLLED: 409,
})
ErrorCode.STUDY_SESSION_NOT_FOUND = "study_session_not_found"
HTTP_STATUS[ErrorCode.STUDY_SESSION_NOT_FOUND] = 404
ErrorCode.MATERIAL_NOT_FOUND = "material_not_found"
ErrorCode.PUSH_NOT_FOUND = "push_not_found"
HTTP_STATUS.update({ErrorCode.MATERIAL_NOT_FOUND: 404, ErrorCode.PUSH_NOT_FOUND: 404})
ErrorCode.ALREADY_RECORDED = "already_recorded"
HTTP_STATUS[ErrorCode.ALREADY_RECORDED] = 409

# ---- issue 10: scoring ----
# No version of the rule set is in force on the day asked about (the county's first starts 2015-01-01).
ErrorCode.NO_RULE_SET = "no_rule_set"
# A rule set may not take effect before today: credited points are never revalued.
ErrorCode.RULE_SET_RETROACTIVE = "rule_set_retroactive"
# The year has been graded: no entry, rule change or second run reaches it.
ErrorCode.YEAR_CLOSED = "year_closed"
ErrorCode.YEAR_NOT_OVER = "year_not_over"
ErrorCode.SCORE_ENTRY_NOT_FOUND = "score_entry_not_found"
ErrorCode.GRADING_RUN_NOT_FOUND = "grading_run_not_found"
ErrorCode.FOLLOW_UP_NOT_FOUND = "follow_up_not_found"
ErrorCode.FOLLOW_UP_CLOSED = "follow_up_closed"
HTTP_STATUS.update({
    ErrorCode.NO_RULE_SET: 409,
    ErrorCode.RULE_SET_RETROACTIVE: 422,
    ErrorCode.YEAR_CLOSED: 409,
    ErrorCode.YEAR_NOT_OVER: 422,
    ErrorCode.SCORE_ENTRY_NOT_FOUND: 404,
    ErrorCode.GRADING_RUN_NOT_FOUND: 404,
    ErrorCode.FOLLOW_UP_NOT_FOUND: 404,
    ErrorCode.FOLLOW_UP_CLOSED: 409,
})

# ---- issue 11: outreach ----
ErrorCode.CAMPAIGN_NOT_FOUND = "campaign_not_found"
ErrorCode.VISIT_NOT_FOUND = "visit_not_found"
ErrorCode.HELP_CASE_NOT_FOUND = "help_case_not_found"
ErrorCode.HELP_CASE_CLOSED = "help_case_closed"
ErrorCode.VOLUNTEER_ACTIVITY_NOT_FOUND = "volunteer_activity_not_found"
ErrorCode.RESERVE_REVIEW_NOT_FOUND = "reserve_review_not_found"
ErrorCode.CANDIDATE_NOT_FOUND = "candidate_not_found"
# Admission (发展入党) comes after inspection and public notice in both places; nothing follows admission
# or the end of cultivation.
ErrorCode.CULTIVATION_INCOMPLETE = "cultivation_incomplete"
ErrorCode.CULTIVATION_ENDED = "cultivation_ended"
HTTP_STATUS.update({
    ErrorCode.CAMPAIGN_NOT_FOUND: 404,
    ErrorCode.VISIT_NOT_FOUND: 404,
    ErrorCode.HELP_CASE_NOT_FOUND: 404,
    ErrorCode.HELP_CASE_CLOSED: 409,
    ErrorCode.VOLUNTEER_ACTIVITY_NOT_FOUND: 404,
    ErrorCode.RESERVE_REVIEW_NOT_FOUND: 404,
    ErrorCode.CANDIDATE_NOT_FOUND: 404,
    ErrorCode.CULTIVATION_INCOMPLETE: 409,
    ErrorCode.CULTIVATION_ENDED: 409,
})
