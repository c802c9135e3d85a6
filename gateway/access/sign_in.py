"""Signing people in: username and password in, a signed token out; and a person's own password change.

No Flask here: the HTTP layer (``gateway.api.tokens``) turns a refusal into a
401 or 403 and audits it.
"""
from dataclasses import dataclass

from gateway.access import credentials, store


class SignInRefused(Exception):
    """``reason`` (for the audit only): unknown_user, wrong_password, not_activated or disabled; ``user`` when known."""

    def __init__(self, reason, user=None):
        super().__init__(reason)
        self.reason = reason
        self.user = user


@dataclass(frozen=True)
class IssuedToken:
    user: dict
    access_token: str
    expires_in: int


def issue_token(access_store, username, password, secret, ttl):
    """An :class:`IssuedToken` for a user whose password matches; :class:`SignInRefused` otherwise.

    An unknown username costs one password verification too, so timing does not tell it apart.
    """
    with access_store.connect() as conn:
        user = store.get_user_by_username(conn, username)
    accepted = credentials.verify_password(user["password_hash"] if user else None, password)
    if user is not None and user.get("activated_at") is None:
        # Its owner has not set a password yet (POST /api/v1/activations); checked after the
        # verification, so that the answer takes as long as any other.
        raise SignInRefused("not_activated", user)
    if not accepted:
        raise SignInRefused("wrong_password" if user else "unknown_user", user)
    if not user["active"]:
        raise SignInRefused("disabled", user)
    if credentials.needs_rehash(user["password_hash"]):
        with access_store.begin() as conn:
            store.update_user(conn, user["id"], f"user:{user['id']}", keep_tokens=True,
                              password_hash=credentials.hash_password(password))
    return IssuedToken(user, credentials.issue_token(user["id"], secret, ttl, generation=user["token_generation"]), ttl)


def password_matches(access_store, user_id, password):
    with access_store.connect() as conn:
        user = store.get_user(conn, user_id)
    return user is not None and credentials.verify_password(user["password_hash"], password)


def set_password(conn, user_id, actor, password):
    return store.update_user(conn, user_id, actor, password_hash=credentials.hash_password(password))
