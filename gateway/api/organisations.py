"""组织: the organisation tree (party committees down to branches and service points)."""
from flask.views import MethodView

from contracts import roster
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "organisations", __name__, url_prefix=f"{API_PREFIX}/organisations",
    description="组织: the organisation tree, from party committees down to branches and service points",
)


@blp.route("")
class Organisations(MethodView):
    @blp.arguments(roster.OrganisationQuerySchema, location="query")
    @blp.response(200, roster.OrganisationPageSchema)
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(roster.ORGANISATIONS_READ, operation_id="listOrganisations")
    def get(self, query):
        """List organisations, a page at a time, optionally by kind or parent"""
        return call(
            roster.SERVICE_NAME, "list_organisations", roster.OrganisationQuerySchema().dump(query),
            reply_schema=roster.OrganisationPageSchema,
        )

    @blp.arguments(roster.OrganisationCreateSchema)
    @blp.response(201, roster.OrganisationSchema)
    @blp.calls(
        roster.SERVICE_NAME, ErrorCode.UNKNOWN_REFERENCE, ErrorCode.INVALID_PARENT,
        ErrorCode.INVALID_ORGANISATION_DETAILS, (ErrorCode.ONLINE_BRANCH_EXISTS, "one online branch per village"),
        idempotent=True,
    )
    @blp.requires(
        roster.ORGANISATIONS_WRITE, operation_id="createOrganisation",
        audit_action="organisations.create", resource_type="organisation",
    )
    def post(self, payload):
        """Create an organisation under a parent (no parent: a root of the tree)

        422 ``unknown_reference`` when ``parent_id`` names no organisation the caller sees,
        ``invalid_parent`` when the parent cannot hold this kind of organisation,
        ``invalid_organisation_details`` for details not of its kind; 409 ``online_branch_exists``
        for a village's second online branch (网络党支部).
        """
        return call(
            roster.SERVICE_NAME, "create_organisation", roster.OrganisationCreateSchema().dump(payload),
            reply_schema=roster.OrganisationSchema,
        )


@blp.route("/<uuid:organisation_id>")
class Organisation(MethodView):
    @blp.response(200, roster.OrganisationSchema)
    @blp.calls(roster.SERVICE_NAME, ErrorCode.ORGANISATION_NOT_FOUND)
    @blp.requires(roster.ORGANISATIONS_READ, operation_id="getOrganisation")
    def get(self, organisation_id):
        """Get one organisation"""
        return call(roster.SERVICE_NAME, "get_organisation", str(organisation_id), reply_schema=roster.OrganisationSchema)

    # issue 8: an organisation's details change (history in GET .../changes, event organisation_updated).
    @blp.arguments(roster.OrganisationUpdateSchema)
    @blp.response(200, roster.OrganisationSchema)
    @blp.calls(
        roster.SERVICE_NAME, (ErrorCode.ORGANISATION_NOT_FOUND, "also for an organisation outside the caller's"),
        (ErrorCode.INVALID_ORGANISATION_DETAILS, "a detail not for this kind, or out of range (activity day 1-28; "
                                                 "urban mobile branches: the 6th)"),
        (ErrorCode.UNKNOWN_REFERENCE, "an officer's member_id names no member the caller sees"),
        idempotent=True,
    )
    @blp.requires(
        roster.ORGANISATIONS_WRITE, operation_id="updateOrganisation",
        audit_action="organisations.update", resource_type="organisation",
    )
    def patch(self, changes, organisation_id):
        """Change an organisation's details: host and budget, officers, fixed activity day

        A field left out stays; one given as null is cleared. Each change is kept in the history with
        who, when and why (``reason``), at the next ``revision``; a request that changes nothing is
        answered with the organisation unchanged.
        """
        return call(
            roster.SERVICE_NAME, "update_organisation", str(organisation_id),
            roster.OrganisationUpdateSchema().dump(changes), reply_schema=roster.OrganisationSchema,
        )


@blp.route("/<uuid:organisation_id>/subtree")
class OrganisationSubtree(MethodView):
    @blp.response(200, roster.OrganisationTreeSchema)
    @blp.calls(roster.SERVICE_NAME, ErrorCode.ORGANISATION_NOT_FOUND)
    @blp.requires(roster.ORGANISATIONS_READ, operation_id="getOrganisationSubtree")
    def get(self, organisation_id):
        """Get an organisation with everything under it, as a tree"""
        return call(
            roster.SERVICE_NAME, "get_organisation_subtree", str(organisation_id),
            reply_schema=roster.OrganisationTreeSchema,
        )


@blp.route("/<uuid:organisation_id>/changes")
class OrganisationChanges(MethodView):
    @blp.response(200, roster.OrganisationChangeListSchema)
    @blp.calls(roster.SERVICE_NAME, ErrorCode.ORGANISATION_NOT_FOUND)
    @blp.requires(roster.ORGANISATIONS_READ, operation_id="listOrganisationChanges")
    def get(self, organisation_id):
        """The history of an organisation's details: each change, who made it, when and why, oldest first"""
        return call(roster.SERVICE_NAME, "list_organisation_changes", str(organisation_id),
                    reply_schema=roster.OrganisationChangeListSchema)
