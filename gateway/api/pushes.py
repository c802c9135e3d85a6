"""While away, the study that goes to the members: materials and courses, pushed over a
channel (空中学堂 SMS, 小微课堂 WeChat group, 网络讲堂 app and public account, phone lessons,
mailed material, study delivered at home) to the away members of a subtree, with one
delivery per member and what the channel logged.

Served by the education service. A phone channel's number is asked of roster at send
time and never kept; the deliveries show it masked.
"""
from flask.views import MethodView

from contracts import education
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "pushes", __name__, url_prefix=API_PREFIX,
    description="Study materials and their pushes over every channel, each delivery kept with its status",
)

UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")
PUSH_NOT_FOUND = (ErrorCode.PUSH_NOT_FOUND, "also for a push outside the caller's organisations")


@blp.route("/materials")
class Materials(MethodView):
    @blp.arguments(education.MaterialCreateSchema)
    @blp.response(201, education.MaterialSchema)
    @blp.calls(education.SERVICE_NAME, UNKNOWN_ORGANISATION, idempotent=True)
    @blp.requires(education.PUSHES_WRITE, operation_id="publishMaterial", audit_action="materials.publish",
                  resource_type="organisation")
    def post(self, material):
        """Publish a study material or course in an organisation's library (its subtree and those above see it)"""
        return call(education.SERVICE_NAME, "publish_material", education.MaterialCreateSchema().dump(material),
                    reply_schema=education.MaterialSchema)

    @blp.arguments(education.MaterialQuerySchema, location="query")
    @blp.response(200, education.MaterialPageSchema)
    @blp.calls(education.SERVICE_NAME)
    @blp.requires(education.EDUCATION_READ, operation_id="listMaterials")
    def get(self, query):
        """List the materials the caller's organisations may push: their own and those published above them"""
        return call(education.SERVICE_NAME, "list_materials", education.MaterialQuerySchema().dump(query),
                    reply_schema=education.MaterialPageSchema)


@blp.route("/pushes")
class Pushes(MethodView):
    @blp.arguments(education.PushCreateSchema)
    @blp.response(201, education.PushSchema)
    @blp.calls(education.SERVICE_NAME,
               (ErrorCode.UNKNOWN_REFERENCE, "material_id or organisation_id names nothing the caller sees"),
               idempotent=True)
    @blp.requires(education.PUSHES_WRITE, operation_id="pushMaterial", audit_action="materials.push",
                  resource_type="organisation")
    def post(self, push):
        """Push a material over one channel to the away (or all) members of a subtree, at most 1,000

        Each member's delivery is kept with its status (sent, or failed and why) and announced as
        ``delivery_recorded``; a phone channel asks roster for the numbers at send time.
        """
        return call(education.SERVICE_NAME, "push_material", education.PushCreateSchema().dump(push),
                    reply_schema=education.PushSchema)

    @blp.arguments(education.PushQuerySchema, location="query")
    @blp.response(200, education.PushPageSchema)
    @blp.calls(education.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(education.EDUCATION_READ, operation_id="listPushes")
    def get(self, query):
        """List pushes to the caller's organisations (or ``organisation_id``'s subtree), latest first"""
        return call(education.SERVICE_NAME, "list_pushes", education.PushQuerySchema().dump(query),
                    reply_schema=education.PushPageSchema)


@blp.route("/pushes/<uuid:push_id>")
class Push(MethodView):
    @blp.response(200, education.PushSchema)
    @blp.calls(education.SERVICE_NAME, PUSH_NOT_FOUND)
    @blp.requires(education.EDUCATION_READ, operation_id="getPush")
    def get(self, push_id):
        """Get one push, with how many deliveries went and how many failed"""
        return call(education.SERVICE_NAME, "get_push", str(push_id), reply_schema=education.PushSchema)


@blp.route("/pushes/<uuid:push_id>/deliveries")
class Deliveries(MethodView):
    @blp.arguments(education.DeliveryQuerySchema, location="query")
    @blp.response(200, education.DeliveryPageSchema)
    @blp.calls(education.SERVICE_NAME, PUSH_NOT_FOUND)
    @blp.requires(education.EDUCATION_READ, operation_id="listDeliveries")
    def get(self, query, push_id):
        """The push's deliveries, each with its status and the (masked) address the channel logged"""
        return call(education.SERVICE_NAME, "list_deliveries", str(push_id), education.DeliveryQuerySchema().dump(query),
                    reply_schema=education.DeliveryPageSchema)
