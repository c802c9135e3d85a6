"""归乡教育: trainings on return (homecoming, joined to the winter training 冬训 or
the town's rotation training 轮训), their enrolments, sessions, registers and the
practical skills members gained.

A member's return enrols them by itself (education hears ``member_returned``);
enrolment here is by hand. Served by the education service; no personal data.
"""
from flask.views import MethodView

from contracts import education
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "trainings", __name__, url_prefix=f"{API_PREFIX}/trainings",
    description="归乡教育, 冬训, 轮训: trainings, enrolment (by itself on a member's return), sessions, "
                "attendance and skills",
)

TRAINING_NOT_FOUND = (ErrorCode.TRAINING_NOT_FOUND, "also for a training run outside the caller's organisations")
SESSION_NOT_FOUND = (ErrorCode.TRAINING_SESSION_NOT_FOUND, "no such session in this training")
UNKNOWN_MEMBER = (ErrorCode.UNKNOWN_REFERENCE, "member_id names no member the caller sees")


@blp.route("")
class Trainings(MethodView):
    @blp.arguments(education.TrainingCreateSchema)
    @blp.response(201, education.TrainingSchema)
    @blp.calls(education.SERVICE_NAME, (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees"),
               idempotent=True)
    @blp.requires(education.TRAININGS_WRITE, operation_id="createTraining", audit_action="trainings.create",
                  resource_type="training")
    def post(self, training):
        """Open a training (homecoming, winter or rotation) run by an organisation

        Members of its subtree who came home and are waiting for a training are enrolled in it at once,
        earliest return first, up to its capacity.
        """
        return call(education.SERVICE_NAME, "create_training", education.TrainingCreateSchema().dump(training),
                    reply_schema=education.TrainingSchema)

    @blp.arguments(education.TrainingQuerySchema, location="query")
    @blp.response(200, education.TrainingPageSchema)
    @blp.calls(education.SERVICE_NAME, (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees"))
    @blp.requires(education.EDUCATION_READ, operation_id="listTrainings")
    def get(self, query):
        """List trainings run by the caller's organisations (or ``organisation_id``'s subtree), latest first"""
        return call(education.SERVICE_NAME, "list_trainings", education.TrainingQuerySchema().dump(query),
                    reply_schema=education.TrainingPageSchema)


@blp.route("/<uuid:training_id>")
class Training(MethodView):
    @blp.response(200, education.TrainingSchema)
    @blp.calls(education.SERVICE_NAME, TRAINING_NOT_FOUND)
    @blp.requires(education.EDUCATION_READ, operation_id="getTraining")
    def get(self, training_id):
        """Get one training, with how many are enrolled and how many sessions it has had"""
        return call(education.SERVICE_NAME, "get_training", str(training_id), reply_schema=education.TrainingSchema)


@blp.route("/<uuid:training_id>/enrolments")
class Enrolments(MethodView):
    @blp.arguments(education.EnrolmentCreateSchema)
    @blp.response(201, education.EnrolmentSchema)
    @blp.calls(
        education.SERVICE_NAME, TRAINING_NOT_FOUND, UNKNOWN_MEMBER,
        (ErrorCode.ALREADY_ENROLLED, "the member is enrolled in this training already"),
        (ErrorCode.TRAINING_FULL, "the training has no place left"),
        idempotent=True,
    )
    @blp.requires(education.TRAININGS_WRITE, operation_id="enrolMember", audit_action="trainings.enrol",
                  resource_type="training")
    def post(self, enrolment, training_id):
        """Enrol a member by hand"""
        return call(education.SERVICE_NAME, "enrol_member", str(training_id),
                    education.EnrolmentCreateSchema().dump(enrolment), reply_schema=education.EnrolmentSchema)

    @blp.arguments(education.PageQuerySchema, location="query")
    @blp.response(200, education.EnrolmentPageSchema)
    @blp.calls(education.SERVICE_NAME, TRAINING_NOT_FOUND)
    @blp.requires(education.EDUCATION_READ, operation_id="listEnrolments")
    def get(self, query, training_id):
        """List the training's enrolments, earliest first (``cause`` member_returned: enrolled on return)"""
        return call(education.SERVICE_NAME, "list_enrolments", str(training_id),
                    education.PageQuerySchema().dump(query), reply_schema=education.EnrolmentPageSchema)


@blp.route("/<uuid:training_id>/sessions")
class TrainingSessions(MethodView):
    @blp.arguments(education.TrainingSessionCreateSchema)
    @blp.response(201, education.TrainingSessionSchema)
    @blp.calls(education.SERVICE_NAME, TRAINING_NOT_FOUND, idempotent=True)
    @blp.requires(education.TRAININGS_WRITE, operation_id="addTrainingSession",
                  audit_action="trainings.add_session", resource_type="training")
    def post(self, session, training_id):
        """Add a session to the training, on one of its days"""
        return call(education.SERVICE_NAME, "add_training_session", str(training_id),
                    education.TrainingSessionCreateSchema().dump(session), reply_schema=education.TrainingSessionSchema)

    @blp.response(200, education.TrainingSessionListSchema)
    @blp.calls(education.SERVICE_NAME, TRAINING_NOT_FOUND)
    @blp.requires(education.EDUCATION_READ, operation_id="listTrainingSessions")
    def get(self, training_id):
        """List the training's sessions, earliest first"""
        return call(education.SERVICE_NAME, "list_training_sessions", str(training_id),
                    reply_schema=education.TrainingSessionListSchema)


@blp.route("/<uuid:training_id>/sessions/<uuid:session_id>/attendance")
class TrainingAttendance(MethodView):
    @blp.arguments(education.TrainingAttendanceSchema)
    @blp.response(200, education.AttendanceListSchema)
    @blp.calls(
        education.SERVICE_NAME, TRAINING_NOT_FOUND, SESSION_NOT_FOUND,
        (ErrorCode.NOT_ENROLLED, "the register names members not enrolled in the training"),
        idempotent=True,
    )
    @blp.requires(education.TRAININGS_WRITE, operation_id="recordTrainingAttendance",
                  audit_action="trainings.record_attendance", resource_type="training")
    def post(self, register, training_id, session_id):
        """Record the session's register: present, late, excused or absent, for members enrolled

        Each entry that changes is announced as ``training_attended``; an entry sent again as it stands
        changes nothing. Once the session has been held, not before.
        """
        return call(education.SERVICE_NAME, "record_training_attendance", str(training_id), str(session_id),
                    education.TrainingAttendanceSchema().dump(register), reply_schema=education.AttendanceListSchema)

    @blp.response(200, education.AttendanceListSchema)
    @blp.calls(education.SERVICE_NAME, TRAINING_NOT_FOUND, SESSION_NOT_FOUND)
    @blp.requires(education.EDUCATION_READ, operation_id="getTrainingAttendance")
    def get(self, training_id, session_id):
        """The session's register"""
        return call(education.SERVICE_NAME, "training_attendance", str(training_id), str(session_id),
                    reply_schema=education.AttendanceListSchema)


@blp.route("/<uuid:training_id>/skills")
class Skills(MethodView):
    @blp.arguments(education.SkillCreateSchema)
    @blp.response(201, education.SkillSchema)
    @blp.calls(
        education.SERVICE_NAME, TRAINING_NOT_FOUND,
        (ErrorCode.NOT_ENROLLED, "the member is not enrolled in this training"),
        idempotent=True,
    )
    @blp.requires(education.TRAININGS_WRITE, operation_id="recordSkill", audit_action="trainings.record_skill",
                  resource_type="training")
    def post(self, skill, training_id):
        """Record a practical skill a member gained at the training (announced as ``skill_acquired``)"""
        return call(education.SERVICE_NAME, "record_skill", str(training_id), education.SkillCreateSchema().dump(skill),
                    reply_schema=education.SkillSchema)

