"""党员: the members, where they belong and whether they are at home or away."""
from flask.views import MethodView

from contracts import roster
from gateway.api import API_PREFIX, UNAVAILABLE, Blueprint, call
from gateway.errors import ErrorSchema

blp = Blueprint(
    "members", __name__, url_prefix=f"{API_PREFIX}/members",
    description="党员: members, their home branch and their status (在家 / 外出)",
)


@blp.route("")
class Members(MethodView):
    @blp.arguments(roster.MemberQuerySchema, location="query")
    @blp.response(200, roster.MemberPageSchema)
    @blp.alt_response(503, **UNAVAILABLE)
    def get(self, query):
        """List members, a page at a time, filtered by organisation subtree, status, membership, gender or name"""
        return call(
            roster.SERVICE_NAME, "list_members", roster.MemberQuerySchema().dump(query),
            reply_schema=roster.MemberPageSchema,
        )

    @blp.arguments(roster.MemberCreateSchema)
    @blp.response(201, roster.MemberSchema)
    @blp.alt_response(400, schema=ErrorSchema, description="malformed_json")
    @blp.alt_response(409, schema=ErrorSchema, description="duplicate_id_number: a member with this ID number exists")
    @blp.alt_response(503, **UNAVAILABLE)
    def post(self, payload):
        """Register a member in a home branch

        422 ``unknown_reference`` when ``organisation_id`` names no organisation, ``not_a_branch``
        when it names an organisation that holds no members.
        """
        return call(
            roster.SERVICE_NAME, "register_member", roster.MemberCreateSchema().dump(payload),
            reply_schema=roster.MemberSchema,
        )


@blp.route("/<uuid:member_id>")
class Member(MethodView):
    @blp.response(200, roster.MemberSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="member_not_found")
    @blp.alt_response(503, **UNAVAILABLE)
    def get(self, member_id):
        """Get one member, with the current departure when away"""
        return call(roster.SERVICE_NAME, "get_member", str(member_id), reply_schema=roster.MemberSchema)
