"""While away: organisational-life sessions (the monthly fixed activity day 主题党日 and
三会一课, online or offline) with their registers, each member's study records, and the
participation rate (参学率) computed from them.

Served by the education service from its own records; no personal data.
"""
from flask.views import MethodView

from contracts import education
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "study", __name__, url_prefix=API_PREFIX,
    description="主题党日 and 三会一课 with attendance, study records (online minutes or attested offline study), "
                "and the participation rate (参学率) whose denominator follows each member's mobility",
)

UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")
SESSION_NOT_FOUND = (ErrorCode.STUDY_SESSION_NOT_FOUND, "also for a session held outside the caller's organisations")


@blp.route("/study-sessions")
class StudySessions(MethodView):
    @blp.arguments(education.StudySessionCreateSchema)
    @blp.response(201, education.StudySessionSchema)
    @blp.calls(education.SERVICE_NAME, UNKNOWN_ORGANISATION, idempotent=True)
    @blp.requires(education.SESSIONS_WRITE, operation_id="recordStudySession", audit_action="study.record_session",
                  resource_type="organisation")
    def post(self, session):
        """Record a session held (主题党日, 支部党员大会, 支委会, 党小组会, 党课), online, offline or both"""
        return call(education.SERVICE_NAME, "create_study_session", education.StudySessionCreateSchema().dump(session),
                    reply_schema=education.StudySessionSchema)

    @blp.arguments(education.StudySessionQuerySchema, location="query")
    @blp.response(200, education.StudySessionPageSchema)
    @blp.calls(education.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(education.EDUCATION_READ, operation_id="listStudySessions")
    def get(self, query):
        """List sessions held by the caller's organisations (or ``organisation_id``'s subtree), latest first"""
        return call(education.SERVICE_NAME, "list_study_sessions", education.StudySessionQuerySchema().dump(query),
                    reply_schema=education.StudySessionPageSchema)


@blp.route("/study-sessions/<uuid:session_id>/attendance")
class StudySessionAttendance(MethodView):
    @blp.arguments(education.SessionAttendanceSchema)
    @blp.response(200, education.SessionAttendanceListSchema)
    @blp.calls(education.SERVICE_NAME, SESSION_NOT_FOUND,
               (ErrorCode.UNKNOWN_REFERENCE, "the register names members not on the roll"), idempotent=True)
    @blp.requires(education.SESSIONS_WRITE, operation_id="recordSessionAttendance",
                  audit_action="study.record_attendance", resource_type="organisation")
    def post(self, register, session_id):
        """Record the session's register: present, late, excused or absent, online or offline

        Each entry that changes is announced as ``session_attended``; sent again as it stands, nothing changes.
        """
        return call(education.SERVICE_NAME, "record_session_attendance", str(session_id),
                    education.SessionAttendanceSchema().dump(register), reply_schema=education.SessionAttendanceListSchema)

    @blp.response(200, education.SessionAttendanceListSchema)
    @blp.calls(education.SERVICE_NAME, SESSION_NOT_FOUND)
    @blp.requires(education.EDUCATION_READ, operation_id="getSessionAttendance")
    def get(self, session_id):
        """The session's register"""
        return call(education.SERVICE_NAME, "session_attendance", str(session_id),
                    reply_schema=education.SessionAttendanceListSchema)


@blp.route("/study-records")
class StudyRecords(MethodView):
    @blp.arguments(education.StudyRecordCreateSchema)
    @blp.response(201, education.StudyRecordSchema)
    @blp.calls(education.SERVICE_NAME,
               (ErrorCode.UNKNOWN_REFERENCE, "member_id names no member the caller sees, or material_id no material"),
               idempotent=True)
    @blp.requires(education.STUDY_WRITE, operation_id="recordStudy", audit_action="study.record",
                  resource_type="member")
    def post(self, record):
        """Record a member's study: online minutes on a channel, or attested offline study

        A member records their own (read the mailed material, took the phone lesson); the branch records anyone's.
        Announced as ``study_recorded``.
        """
        return call(education.SERVICE_NAME, "record_study", education.StudyRecordCreateSchema().dump(record),
                    reply_schema=education.StudyRecordSchema)

    @blp.arguments(education.StudyRecordQuerySchema, location="query")
    @blp.response(200, education.StudyRecordPageSchema)
    @blp.calls(education.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(education.EDUCATION_READ, operation_id="listStudyRecords")
    def get(self, query):
        """List study records of the caller's organisations (or of a subtree, a member, a period), latest first"""
        return call(education.SERVICE_NAME, "list_study_records", education.StudyRecordQuerySchema().dump(query),
                    reply_schema=education.StudyRecordPageSchema)


@blp.route("/participation")
class Participation(MethodView):
    @blp.arguments(education.ParticipationQuerySchema, location="query")
    @blp.response(200, education.ParticipationSchema)
    @blp.calls(education.SERVICE_NAME,
               (ErrorCode.UNKNOWN_REFERENCE, "organisation_id or member_id names nothing the caller sees"))
    @blp.requires(education.EDUCATION_READ, operation_id="getParticipationRate")
    def get(self, query):
        """The participation rate (参学率) of a subtree or a member over a period, with a row per organisation under it

        Each session counts the members expected at it that day: on the roll by then, of the branch holding it
        or one under the organisation holding it, at home for an offline session and away for an online one, and
        away members at their host's sessions too. Present and late took part; excused, absent and unrecorded did not.
        """
        return call(education.SERVICE_NAME, "participation_rate", education.ParticipationQuerySchema().dump(query),
                    reply_schema=education.ParticipationSchema)


@blp.route("/education-figures")
class EducationFigures(MethodView):
    @blp.arguments(education.EducationFiguresQuerySchema, location="query")
    @blp.response(200, education.EducationFiguresSchema)
    @blp.calls(education.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(education.EDUCATION_READ, operation_id="getEducationFigures")
    def get(self, query):
        """The subtree's education figures for a period: classes held, person-times trained, members who learned
        a skill, technical leaders, talks opened and held, deliveries sent"""
        return call(education.SERVICE_NAME, "education_figures", education.EducationFiguresQuerySchema().dump(query),
                    reply_schema=education.EducationFiguresSchema)
