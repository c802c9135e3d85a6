"""行前提醒谈话: the pre-departure reminder talk a departure opens for the member's
branch, recorded once held; the branch's open and overdue talks.

Served by the education service from its own records; talks carry no personal
data (the member is an id), so nothing here is a personal-data read.
"""
from flask.views import MethodView

from contracts import education
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "talks", __name__, url_prefix=f"{API_PREFIX}/talks",
    description="行前提醒谈话: each departure opens a talk for the member's branch, due within "
                "LIUDONG_TALK_DUE_DAYS (7) of the report and before the day of leaving",
)

TALK_NOT_FOUND = (ErrorCode.TALK_NOT_FOUND, "also for a talk of a member outside the caller's organisations")


@blp.route("")
class Talks(MethodView):
    @blp.arguments(education.TalkQuerySchema, location="query")
    @blp.response(200, education.TalkPageSchema)
    @blp.calls(education.SERVICE_NAME, (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees"))
    @blp.requires(education.EDUCATION_READ, operation_id="listTalks")
    def get(self, query):
        """List talks of the caller's organisations (or ``organisation_id``'s subtree), earliest due first

        ``overdue=true``: the open talks past their due day, the branch's to-do list.
        """
        return call(education.SERVICE_NAME, "list_talks", education.TalkQuerySchema().dump(query),
                    reply_schema=education.TalkPageSchema)


@blp.route("/<uuid:talk_id>")
class Talk(MethodView):
    @blp.response(200, education.TalkSchema)
    @blp.calls(education.SERVICE_NAME, TALK_NOT_FOUND)
    @blp.requires(education.EDUCATION_READ, operation_id="getTalk")
    def get(self, talk_id):
        """Get one talk"""
        return call(education.SERVICE_NAME, "get_talk", str(talk_id), reply_schema=education.TalkSchema)


@blp.route("/<uuid:talk_id>/record")
class TalkRecord(MethodView):
    @blp.arguments(education.TalkRecordSchema)
    @blp.response(200, education.TalkSchema)
    @blp.calls(
        education.SERVICE_NAME, TALK_NOT_FOUND,
        (ErrorCode.TALK_ALREADY_COMPLETED, "the talk has been recorded as held already"),
        idempotent=True,
    )
    @blp.requires(
        education.TALKS_WRITE, operation_id="recordTalk", audit_action="talks.record", resource_type="talk",
    )
    def post(self, record, talk_id):
        """Record the talk as held: by whom, how (谈心谈话, 上门走访, 电话谈话), the study plan and reporting rhythm agreed

        Once: a second record is ``talk_already_completed``. A talk held after its due day is recorded all the
        same and marked ``overdue``.
        """
        return call(education.SERVICE_NAME, "complete_talk", str(talk_id), education.TalkRecordSchema().dump(record),
                    reply_schema=education.TalkSchema)
