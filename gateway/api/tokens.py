"""Bearer tokens for people: username and password in, a signed token with an expiry out;
and a person's own password change. Both are limited per remote address more strictly than
the rest of the API (``LIUDONG_TOKEN_RATE_LIMIT``): they are where passwords are guessed."""
from flask.views import MethodView

from contracts.errors import ErrorCode
from gateway import audit, auth
from gateway.access import credentials, store
from gateway.access import schemas as s
from gateway.api import API_PREFIX, RATE_LIMITED, SELF, Blueprint
from gateway.errors import ErrorSchema, HttpError

blp = Blueprint(
    "tokens", __name__, url_prefix=API_PREFIX,
    description="登录: a token for a person, to send as 'Authorization: Bearer <token>'",
)

@blp.route("/tokens")
class Tokens(MethodView):
    @blp.arguments(s.TokenRequestSchema)
    @blp.response(200, s.TokenSchema)
    @blp.alt_response(400, schema=ErrorSchema, description="malformed_json")
    @blp.alt_response(401, schema=ErrorSchema, description="unauthenticated: the username and password were not accepted, or the user is disabled")
    @blp.alt_response(429, **RATE_LIMITED)
    def post(self, login):
        """Log in: a bearer token that expires after ``expires_in`` seconds

        Limited per remote address more strictly than the rest of the API (``LIUDONG_TOKEN_RATE_LIMIT``).
        Every refusal is audited as ``authentication.failed``.
        """
        settings = auth.settings()
        with settings.store.connect() as conn:
            user = store.get_user_by_username(conn, login["username"])
        accepted = credentials.verify_password(user["password_hash"] if user else None, login["password"])
        if not accepted or not user["active"]:
            reason = "disabled" if accepted else ("wrong_password" if user else "unknown_user")
            # An unknown username is not recorded: people type passwords into that field.
            details = {"credential": "password", "reason": reason}
            audit.record(
                "authentication.failed", outcome="failed", status=401,
                principal=f"user:{user['id']}" if user else "anonymous", details=details,
            )
            message = "this user is disabled" if accepted else "the username and password were not accepted"
            raise HttpError(ErrorCode.UNAUTHENTICATED, message, headers={"WWW-Authenticate": 'Bearer realm="liudong"'})
        if credentials.needs_rehash(user["password_hash"]):
            with settings.store.begin() as conn:
                store.update_user(conn, user["id"], f"user:{user['id']}", password_hash=credentials.hash_password(login["password"]))
        token = credentials.issue_token(user["id"], settings.token_secret, settings.token_ttl)
        audit.record("authentication.token_issued", outcome="succeeded", status=200, principal=f"user:{user['id']}",
                     resource_type="user", resource_ids=[user["id"]])
        return {"access_token": token, "token_type": "Bearer", "expires_in": settings.token_ttl}


@blp.route("/users/me/password")
class OwnPassword(MethodView):
    @blp.arguments(s.PasswordChangeSchema)
    @blp.response(204)
    @blp.alt_response(400, schema=ErrorSchema, description="malformed_json")
    @blp.requires(SELF)
    def put(self, change):
        """Change your own password (an initial one, say); tokens already issued stay valid until they expire"""
        caller = auth.principal()
        access_store = auth.settings().store
        with access_store.connect() as conn:
            user = store.get_user(conn, caller.id)
        if not credentials.verify_password(user["password_hash"], change["current_password"]):
            audit.record("access.password_changed", outcome="failed", status=403, resource_type="user",
                         resource_ids=[user["id"]], details={"error": "wrong_password"})
            raise HttpError(ErrorCode.FORBIDDEN, "the current password is not right", {"field": "current_password"})
        with access_store.begin() as conn:
            store.update_user(conn, user["id"], caller.principal, password_hash=credentials.hash_password(change["new_password"]))
            audit.record("access.password_changed", outcome="succeeded", status=204, resource_type="user",
                         resource_ids=[user["id"]], conn=conn)
