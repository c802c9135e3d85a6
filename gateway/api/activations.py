"""A new account's owner sets their own first password with the one-time code the system
administrator handed them (三员分立: whoever creates an account never learns its password).

Open (the owner has no credential yet) and limited per remote address like sign-in
(``LIUDONG_TOKEN_RATE_LIMIT``): codes are guessed here if anywhere.
"""
from flask.views import MethodView

from contracts.errors import ErrorCode
from gateway import audit, auth
from gateway.access import management
from gateway.access import schemas as s
from gateway.api import API_PREFIX, RATE_LIMITED, Blueprint
from gateway.errors import ErrorSchema, HttpError

blp = Blueprint(
    "activations", __name__, url_prefix=API_PREFIX,
    description="开通: a new account's owner sets their own password with a one-time activation code",
)


@blp.route("/activations")
class Activations(MethodView):
    @blp.arguments(s.ActivationSchema)
    @blp.response(204)
    @blp.alt_response(401, schema=ErrorSchema, description="unauthenticated: the username and code were not accepted "
                                                          "(wrong, used, expired or replaced), or the user is disabled")
    @blp.alt_response(429, **RATE_LIMITED)
    @blp.open(operation_id="activateAccount")
    def post(self, activation):
        """Activate your account: set your own password with the one-time code you were given

        The code works once, within 72 hours; then sign in at ``POST /api/v1/tokens``.
        Every attempt is audited (``access.user_activated``, ``access.activation_failed``).
        """
        with auth.settings().store.begin() as conn:
            try:
                user = management.activate(
                    conn, username=activation["username"], code=activation["code"], password=activation["password"],
                )
            except management.ActivationRefused as refused:
                failure = refused
            else:
                failure = None
                audit.record("access.user_activated", outcome="succeeded", status=204, principal=f"user:{user['id']}",
                             resource_type="user", resource_ids=[user["id"]], conn=conn)
        if failure is not None:
            # An unknown username is not recorded: people type secrets into that field.
            audit.record(
                "access.activation_failed", outcome="failed", status=401,
                principal=f"user:{failure.user['id']}" if failure.user else "anonymous",
                resource_type="user", resource_ids=[failure.user["id"]] if failure.user else [],
                details={"reason": failure.reason},
            )
            raise HttpError(ErrorCode.UNAUTHENTICATED, "the username and activation code were not accepted",
                            headers={"WWW-Authenticate": 'Bearer realm="liudong"'})
