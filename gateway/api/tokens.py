"""Bearer tokens for people: username and password in, a signed token with an expiry out;
log-out; and a person's own password change. All are limited per remote address more
strictly than the rest of the API (``LIUDONG_TOKEN_RATE_LIMIT``): they are where passwords
are guessed. Sign-in is also limited per username (``LIUDONG_SIGN_IN_ACCOUNT_RATE_LIMIT``,
``gateway.app``), so that guesses spread over many addresses still stop."""
from flask.views import MethodView

from contracts.errors import ErrorCode
from gateway import audit, auth
from gateway.access import schemas as s
from gateway.access import sign_in, store
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
    @blp.alt_response(401, schema=ErrorSchema, description="unauthenticated: the username and password were not accepted, or the user is disabled")
    @blp.alt_response(429, **RATE_LIMITED)
    @blp.open(operation_id="issueToken")
    def post(self, login):
        """Log in: a bearer token that expires after ``expires_in`` seconds

        Limited per remote address more strictly than the rest of the API (``LIUDONG_TOKEN_RATE_LIMIT``),
        and refused sign-ins per username (``LIUDONG_SIGN_IN_ACCOUNT_RATE_LIMIT``): past it, every
        sign-in for that username is 429 until Retry-After, whether or not the username exists.
        Every refusal is audited as ``authentication.failed``, a throttled one as
        ``authentication.throttled``.
        """
        settings = auth.settings()
        try:
            issued = sign_in.issue_token(
                settings.store, login["username"], login["password"], settings.token_secret, settings.token_ttl,
            )
        except sign_in.SignInRefused as refused:
            # An unknown username is not recorded: people type passwords into that field.
            audit.record(
                "authentication.failed", outcome="failed", status=401,
                principal=f"user:{refused.user['id']}" if refused.user else "anonymous",
                details={"credential": "password", "reason": refused.reason},
            )
            message = "this user is disabled" if refused.reason == "disabled" else "the username and password were not accepted"
            raise HttpError(ErrorCode.UNAUTHENTICATED, message, headers={"WWW-Authenticate": 'Bearer realm="liudong"'}) from None
        user_id = issued.user["id"]
        audit.record("authentication.token_issued", outcome="succeeded", status=200, principal=f"user:{user_id}",
                     resource_type="user", resource_ids=[user_id])
        return {"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in}


@blp.route("/tokens/revoke")
class TokenRevocation(MethodView):
    @blp.response(204)
    @blp.requires(SELF, operation_id="revokeTokens")
    def post(self):
        """Log out: every token issued to you so far stops working at once, this one included

        All of them, not only the one sent: a person who logs out because a token may have leaked
        cannot know which one did. Sign in again for a new token.
        """
        caller = auth.principal()
        with auth.settings().store.begin() as conn:
            store.end_tokens(conn, caller.id)
            audit.record("access.tokens_revoked", outcome="succeeded", status=204, resource_type="user",
                         resource_ids=[caller.id], conn=conn)


@blp.route("/users/me/password")
class OwnPassword(MethodView):
    @blp.arguments(s.PasswordChangeSchema)
    @blp.response(204)
    @blp.requires(SELF, operation_id="changeOwnPassword")
    def put(self, change):
        """Change your own password (an initial one, say); every token issued before, this one included, stops working

        Sign in again with the new password for a new token.
        """
        caller = auth.principal()
        access_store = auth.settings().store
        if not sign_in.password_matches(access_store, caller.id, change["current_password"]):
            audit.record("access.password_changed", outcome="failed", status=403, resource_type="user",
                         resource_ids=[caller.id], details={"error": "wrong_password"})
            raise HttpError(ErrorCode.FORBIDDEN, "the current password is not right", {"field": "current_password"})
        with access_store.begin() as conn:
            sign_in.set_password(conn, caller.id, caller.principal, change["new_password"])
            audit.record("access.password_changed", outcome="succeeded", status=204, resource_type="user",
                         resource_ids=[caller.id], conn=conn)
