"""Access management, split by 三员分立:

- accounts (系统管理员, ``accounts:manage``): create users, who get a one-time
  activation code rather than a password, and disable or re-enable them;
- grants and API keys (安全保密管理员, ``access:manage``): grant and revoke roles,
  issue and revoke keys, and approve or reject what another officer asked for.
  A grant or key that shows personal data in full, or that grants an
  administrative role, is ``pending`` until a second officer approves it
  (``policy.needs_approval``); a pending grant counts for nothing;
- the audit record (安全审计员) is ``gateway.api.audit_records``; the last
  active auditor can be neither disabled nor stripped of the role (409).

What a caller may change is ``gateway.access.area.ManagedArea``'s to say
(their subtrees, as roster knows the tree); nobody changes their own access
or approves their own request. Every change is audited in the same
transaction as the change; a refused change is audited too.
"""
from functools import wraps

from flask.views import MethodView

from contracts import roster
from contracts.errors import HTTP_STATUS, ServiceError
from gateway import audit, auth
from gateway.access import management, policy, store
from gateway.access import schemas as s
from gateway.access.area import ManagedArea, not_found, not_yours
from gateway.access.authorisation import KEY, USER, parse_principal
from gateway.api import API_PREFIX, Blueprint, rpc
from gateway.errors import ErrorSchema

blp = Blueprint(
    "access", __name__, url_prefix=API_PREFIX,
    description="安全保密管理: users, API keys and role grants on organisation subtrees (security officers)",
)

def _store():
    return auth.settings().store


def _actor():
    return auth.principal().principal


def _area(permission=policy.ACCESS_MANAGE):
    return ManagedArea(
        auth.principal(), lambda method, *args: rpc().call(roster.SERVICE_NAME, method, *args, scope=auth.scope()),
        permission,
    )


def audited_change(action, resource_type):
    """Record a refused change (a 4xx) in its own transaction, then re-raise."""

    def decorator(function):
        @wraps(function)
        def wrapper(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except ServiceError as exc:
                named = [str(value) for key, value in kwargs.items() if key.endswith("_id")]
                audit.record(
                    action, outcome="failed", status=HTTP_STATUS.get(exc.code, 500), resource_type=resource_type,
                    resource_ids=named, details={"error": exc.code, **_safe_details(exc)},
                )
                raise

        return wrapper

    return decorator


def _safe_details(exc):
    return {key: exc.details[key] for key in ("role", "held_roles", "user", "granted_by") if key in (exc.details or {})}


# ---- users ------------------------------------------------------------------------

@blp.route("/users")
class Users(MethodView):
    @blp.arguments(s.UserQuerySchema, location="query")
    @blp.response(200, s.UserPageSchema)
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(policy.ACCOUNTS_READ, operation_id="listUsers")
    def get(self, query):
        """List the users you manage: those with a grant in your subtrees, and those with none yet"""
        area = _area(policy.ACCOUNTS_READ)
        with _store().connect() as conn:
            items, total = store.list_users(
                conn, page=query["page"], per_page=query["per_page"], username=query.get("username"),
                active=query.get("active"), ids=area.visible(conn, USER),
            )
        return {"items": items, "page": query["page"], "per_page": query["per_page"], "total": total}

    @blp.arguments(s.UserCreateSchema)
    @blp.response(201, s.UserCreatedSchema)
    @blp.requires(policy.ACCOUNTS_MANAGE, operation_id="createUser")
    @audited_change("access.user_created", "user")
    def post(self, payload):
        """Create a user (系统管理员); answers a one-time activation code, shown this once

        Give the code to the person out of band: they set their own password with it
        (``POST /api/v1/activations``) within 72 hours, and only then can sign in. Nobody
        else ever learns that password. The user can do nothing until a security officer
        grants them a role.
        """
        with _store().begin() as conn:
            user, activation = management.create_user(
                conn, username=payload["username"], display_name=payload["display_name"],
                member_id=payload["member_id"], actor=_actor(),
            )
            audit.record(
                "access.user_created", outcome="succeeded", status=201, resource_type="user", resource_ids=[user["id"]],
                details={"username": user["username"], "member_id": user["member_id"], "activation_issued": True},
                conn=conn,
            )
        return {**user, **activation}


@blp.route("/users/<uuid:user_id>")
class User(MethodView):
    @blp.response(200, s.UserSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="not_found")
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(policy.ACCOUNTS_READ, operation_id="getUser")
    def get(self, user_id):
        """Get one user"""
        area = _area(policy.ACCOUNTS_READ)
        with _store().connect() as conn:
            user = store.get_user(conn, str(user_id))
            visible = area.visible(conn, USER)
        if user is None or (visible is not None and user["id"] not in visible):
            raise not_found("user", user_id)
        return user

    @blp.arguments(s.UserUpdateSchema)
    @blp.response(200, s.UserSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="not_found")
    @blp.alt_response(409, schema=ErrorSchema, description="last_auditor: the last active auditor cannot be disabled")
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(policy.ACCOUNTS_MANAGE, operation_id="updateUser")
    @audited_change("access.user_updated", "user")
    def patch(self, changes, user_id):
        """Disable (``active: false``) or re-enable a user, or change the display name (系统管理员)

        A disabled user's tokens stop working at once, and stay ended when the user is
        re-enabled. The last active auditor cannot be disabled (409 ``last_auditor``).
        """
        if f"{USER}:{user_id}" == _actor():
            raise not_yours()
        area = _area(policy.ACCOUNTS_MANAGE)
        with _store().begin() as conn:
            user = store.get_user(conn, str(user_id))
            if user is None or not area.may_change(conn, USER, user["id"]):
                raise not_found("user", user_id)
            if changes.get("active") is False:
                management.refuse_removing_last_auditor(conn, user["id"])
            user = store.update_user(conn, user["id"], _actor(), **changes)
            audit.record(
                "access.user_updated", outcome="succeeded", status=200, resource_type="user", resource_ids=[user["id"]],
                details={"changes": changes}, conn=conn,
            )
        return user


@blp.route("/users/<uuid:user_id>/activation")
class UserActivation(MethodView):
    @blp.response(201, s.ActivationIssuedSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="not_found")
    @blp.alt_response(409, schema=ErrorSchema, description="not_pending: the user is activated already")
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(policy.ACCOUNTS_MANAGE, operation_id="issueActivation")
    @audited_change("access.activation_issued", "user")
    def post(self, user_id):
        """A new one-time activation code for a user not yet activated (the earlier code stops working)

        For an owner whose code expired or was lost. An activated user's password is theirs:
        it is never reset this way.
        """
        area = _area(policy.ACCOUNTS_MANAGE)
        with _store().begin() as conn:
            user = store.get_user(conn, str(user_id))
            if user is None or not area.may_change(conn, USER, user["id"]):
                raise not_found("user", user_id)
            activation = management.issue_activation(conn, user, _actor())
            audit.record(
                "access.activation_issued", outcome="succeeded", status=201, resource_type="user",
                resource_ids=[user["id"]], conn=conn,
            )
        return activation, 201


# ---- API keys ----------------------------------------------------------------------

@blp.route("/api-keys")
class ApiKeys(MethodView):
    @blp.arguments(s.ApiKeyQuerySchema, location="query")
    @blp.response(200, s.ApiKeyPageSchema)
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(policy.ACCESS_MANAGE, operation_id="listApiKeys")
    def get(self, query):
        """List the API keys you manage (never their secrets)"""
        area = _area()
        with _store().connect() as conn:
            items, total = store.list_api_keys(
                conn, page=query["page"], per_page=query["per_page"], include_revoked=query["include_revoked"],
                ids=area.visible(conn, KEY),
            )
        return {"items": items, "page": query["page"], "per_page": query["per_page"], "total": total}

    @blp.arguments(s.ApiKeyCreateSchema)
    @blp.response(201, s.ApiKeyCreatedSchema)
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(policy.ACCESS_MANAGE, operation_id="createApiKey")
    @audited_change("access.key_created", "api_key")
    def post(self, payload):
        """Create an API key for a county system, with its system_integration grant

        The whole key (``ld_<key id>_<secret>``) is answered this once and stored only as a digest.
        A key whose scopes show personal data in full (``personal_data:read``, ``phone:read``)
        works only once another security officer approves its grant
        (``POST /api/v1/grants/{grant_id}/approve``); until then its requests are refused (401).
        """
        organisation_id = None if payload["organisation_id"] is None else str(payload["organisation_id"])
        _area().require_organisation(organisation_id)
        with _store().begin() as conn:
            key, plaintext = management.create_api_key(
                conn, name=payload["name"], owner=payload["owner"], scopes=payload["scopes"], actor=_actor(),
                rate_limit=payload["rate_limit"],
            )
            grant, _ = management.create_grant(
                conn, kind=KEY, principal_id=key["id"], role=policy.SYSTEM_INTEGRATION,
                organisation_id=organisation_id, actor=_actor(),
                pending=policy.needs_approval(policy.SYSTEM_INTEGRATION, key["scopes"]),
            )
            audit.record(
                "access.key_created", outcome="succeeded", status=201, resource_type="api_key",
                resource_ids=[key["id"], grant["id"]],
                details={"name": key["name"], "owner": key["owner"], "scopes": key["scopes"], "organisation_id": organisation_id,
                         "rate_limit": key["rate_limit"], "status": grant["status"]},
                conn=conn,
            )
        return {**key, "key": plaintext, "grant": management.grant_view(grant)}


@blp.route("/api-keys/<string:key_id>")
class ApiKey(MethodView):
    @blp.response(200, s.ApiKeySchema)
    @blp.alt_response(404, schema=ErrorSchema, description="not_found")
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(policy.ACCESS_MANAGE, operation_id="revokeApiKey")
    @audited_change("access.key_revoked", "api_key")
    def delete(self, key_id):
        """Revoke an API key: it stops working at once and stays listed (``include_revoked``)"""
        if f"{KEY}:{key_id}" == _actor():
            raise not_yours()
        area = _area()
        with _store().begin() as conn:
            key = store.get_api_key(conn, key_id)
            if key is None or not area.may_change(conn, KEY, key_id):
                raise not_found("API key", key_id)
            if key["revoked_at"] is None:
                key = store.revoke_api_key(conn, key_id, _actor())
                audit.record(
                    "access.key_revoked", outcome="succeeded", status=200, resource_type="api_key", resource_ids=[key_id],
                    conn=conn,
                )
        return key


# ---- grants ------------------------------------------------------------------------

@blp.route("/grants")
class Grants(MethodView):
    @blp.arguments(s.GrantQuerySchema, location="query")
    @blp.response(200, s.GrantPageSchema)
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(policy.ACCESS_MANAGE, operation_id="listGrants")
    def get(self, query):
        """List grants on the organisations you manage, by principal, role or organisation"""
        area = _area()
        kind, principal_id = parse_principal(query.get("principal")) or (None, None)
        with _store().connect() as conn:
            items, total = store.list_grants(
                conn, page=query["page"], per_page=query["per_page"], kind=kind, principal_id=principal_id,
                role=query.get("role"), organisation_id=query.get("organisation_id"),
                include_revoked=query["include_revoked"], organisation_ids=area.organisation_ids(),
                include_platform=False, status=query.get("status"),
            )
        return {
            "items": [management.grant_view(grant) for grant in items],
            "page": query["page"], "per_page": query["per_page"], "total": total,
        }

    @blp.arguments(s.GrantCreateSchema)
    @blp.response(201, s.GrantSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="separation_of_duties: administration, security and audit are held by different people (三员分立)")
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(policy.ACCESS_MANAGE, operation_id="createGrant")
    @audited_change("access.grant_created", "grant")
    def post(self, payload):
        """Grant a role on an organisation subtree (null: the whole platform)

        A role that shows personal data in full, or an administrative one (county_admin,
        town_admin, system_admin, security_officer, auditor), is granted ``pending``: it
        counts only once another security officer approves it. 422 ``unknown_reference`` for an organisation outside your subtrees; 403 for a platform-wide
        grant by an officer who is not platform-wide. The member role is for a user with a
        ``member_id``, over their own record; its grant is filed under the member's home branch.
        An identical active grant is answered (200) rather than doubled.
        """
        kind, principal_id = parse_principal(payload["principal"])
        if payload["principal"] == _actor():
            raise not_yours()
        area = _area()
        role = payload["role"]
        organisation_id = None if payload["organisation_id"] is None else str(payload["organisation_id"])
        with _store().begin() as conn:
            row = management.check_grant(
                conn, kind=kind, principal_id=principal_id, role=role, organisation_id=organisation_id,
            )
            if role == policy.MEMBER:
                if organisation_id is not None:
                    raise management.invalid("organisation_id", "the member role is over the member's own record: leave organisation_id out")
                organisation_id = area.member_branch(row["member_id"])
            else:
                area.require_organisation(organisation_id)
            if not area.may_change(conn, kind, principal_id):
                raise not_found(kind, principal_id)
            grant, created = management.create_grant(
                conn, kind=kind, principal_id=principal_id, role=role, organisation_id=organisation_id, actor=_actor(),
                pending=management.grant_needs_approval(conn, kind, principal_id, role),
            )
            if created:
                audit.record(
                    "access.grant_created", outcome="succeeded", status=201, resource_type="grant",
                    resource_ids=[grant["id"], payload["principal"]],
                    details={"principal": payload["principal"], "role": role, "organisation_id": organisation_id,
                             "status": grant["status"]},
                    conn=conn,
                )
        return management.grant_view(grant), 201 if created else 200


@blp.route("/grants/<uuid:grant_id>")
class Grant(MethodView):
    @blp.response(200, s.GrantSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="not_found")
    @blp.calls(roster.SERVICE_NAME)
    @blp.alt_response(409, schema=ErrorSchema, description="last_auditor: the last active auditor keeps the role")
    @blp.requires(policy.ACCESS_MANAGE, operation_id="revokeGrant")
    @audited_change("access.grant_revoked", "grant")
    def delete(self, grant_id):
        """Revoke a grant (or withdraw a pending one): it stops counting at once, and a user's tokens issued before end; its history stays (``include_revoked``)"""
        area = _area()
        with _store().begin() as conn:
            grant = area.revocable_grant(conn, grant_id)
            if grant["revoked_at"] is None:
                management.refuse_removing_last_auditor(conn, grant["user_id"], grant)
                grant = store.revoke_grant(conn, grant["id"], _actor())
                audit.record(
                    "access.grant_revoked", outcome="succeeded", status=200, resource_type="grant",
                    resource_ids=[grant["id"], store.principal_of(grant)],
                    details={"principal": store.principal_of(grant), "role": grant["role"], "organisation_id": grant["organisation_id"]},
                    conn=conn,
                )
        return management.grant_view(grant)


def _decide(grant_id, approve):
    action = "access.grant_approved" if approve else "access.grant_rejected"
    area = _area()
    with _store().begin() as conn:
        grant = area.grant_within(conn, grant_id)
        grant = management.decide_grant(conn, grant, approve=approve, actor=_actor())
        principal = store.principal_of(grant)
        audit.record(
            action, outcome="succeeded", status=200, resource_type="grant", resource_ids=[grant["id"], principal],
            details={"principal": principal, "role": grant["role"], "organisation_id": grant["organisation_id"],
                     "granted_by": grant["granted_by"]},
            conn=conn,
        )
    return management.grant_view(grant)


@blp.route("/grants/<uuid:grant_id>/approve")
class GrantApproval(MethodView):
    @blp.response(200, s.GrantSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="not_found: no such grant within your subtrees")
    @blp.alt_response(409, schema=ErrorSchema, description="not_pending: the grant was decided or revoked already")
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(policy.ACCESS_MANAGE, operation_id="approveGrant")
    @audited_change("access.grant_approved", "grant")
    def post(self, grant_id):
        """Approve a pending grant (or a pending API key's grant): from now on it counts

        The second person: a security officer whose subtrees cover the grant, never the one
        who asked for it nor the one it is for (403).
        """
        return _decide(grant_id, approve=True)


@blp.route("/grants/<uuid:grant_id>/reject")
class GrantRejection(MethodView):
    @blp.response(200, s.GrantSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="not_found: no such grant within your subtrees")
    @blp.alt_response(409, schema=ErrorSchema, description="not_pending: the grant was decided or revoked already")
    @blp.calls(roster.SERVICE_NAME)
    @blp.requires(policy.ACCESS_MANAGE, operation_id="rejectGrant")
    @audited_change("access.grant_rejected", "grant")
    def post(self, grant_id):
        """Reject a pending grant: it never counts, and stays listed as history"""
        return _decide(grant_id, approve=False)
