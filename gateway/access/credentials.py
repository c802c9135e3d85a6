"""Secrets people and county systems present: passwords, API keys, bearer tokens.

- **Passwords** are hashed with argon2id (argon2-cffi's defaults, RFC 9106's
  low-memory profile); a hash made with older parameters is replaced at the
  next successful login.
- **API keys** read ``ld_<key id>_<secret>``: the key id (12 hex characters) is
  public and names the key in lists, logs and audit records; the secret is 256
  random bits (64 hex characters), shown once at creation and stored as its
  SHA-256 digest. A slow hash is for secrets people choose and can guess; a
  256-bit random secret cannot be found from its digest, and a fast digest keeps
  every request's check cheap.
- **Tokens** are JWTs signed with HS256 by ``LIUDONG_TOKEN_SECRET``, carrying
  the user id (``sub``), ``iat``, ``exp``, the issuer and the user's token
  generation (``gen``, ``users.token_generation``); the user's state, grants and
  generation are read from the database on every request. A password change,
  disabling the user, revoking one of their grants and logging out each add
  one to the generation, so every token issued before is refused at once,
  long before it expires, and a token signed in after works.
"""
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

API_KEY_PREFIX = "ld"
API_KEY_PATTERN = re.compile(r"^ld_([0-9a-f]{12})_([0-9a-f]{64})$")
TOKEN_ISSUER = "liudong-gateway"
TOKEN_ALGORITHM = "HS256"
MIN_TOKEN_SECRET_LENGTH = 32
# A stolen token is good until it expires or its user's generation moves on;
# a working day bounds the first.
MAX_TOKEN_TTL = 12 * 60 * 60
GENERATED_PASSWORD_BYTES = 15  # 20 URL-safe characters, 120 bits

password_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a wrong username
# costs as long as a wrong password and does not tell which it was.
_DUMMY_HASH = None


# ---- passwords ------------------------------------------------------------

def hash_password(password):
    return password_hasher.hash(password)


def generate_password():
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def verify_password(password_hash, password):
    """True when ``password`` matches; a missing hash still costs one verification."""
    global _DUMMY_HASH
    if password_hash is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = password_hasher.hash(secrets.token_hex(16))
        password_hash = _DUMMY_HASH
        password = password + "\0never"
    try:
        return password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    return password_hasher.check_needs_rehash(password_hash)


# ---- API keys -------------------------------------------------------------

def generate_api_key():
    """(key id, the whole key to show once, the digest to store)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_hex(32)
    return key_id, f"{API_KEY_PREFIX}_{key_id}_{secret}", digest(secret)


def parse_api_key(value):
    """(key id, secret), or None when ``value`` is not shaped like a key."""
    match = API_KEY_PATTERN.match(value or "")
    return (match.group(1), match.group(2)) if match else None


def digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret, stored_digest):
    return hmac.compare_digest(digest(secret), stored_digest)


# ---- tokens ---------------------------------------------------------------

class InvalidToken(Exception):
    """``reason``: ``expired`` or ``invalid``; ``subject`` when the signature was good."""

    def __init__(self, reason, subject=None):
        super().__init__(reason)
        self.reason = reason
        self.subject = subject


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    generation: int


def issue_token(user_id, secret, ttl_seconds, now=None, generation=0):
    """``generation``: the user's ``token_generation`` now; the token dies when it moves on."""
    now = now or datetime.now(timezone.utc)
    claims = {
        "sub": str(user_id),
        "gen": int(generation),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
        "iss": TOKEN_ISSUER,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM)


def read_token(token, secret):
    """The :class:`TokenClaims` of a well-signed, unexpired token; :class:`InvalidToken` otherwise.

    Whether the generation is still the user's is for the caller, who reads the user."""
    options = {"require": ["exp", "iat", "sub", "iss", "gen"]}
    try:
        claims = jwt.decode(token, secret, algorithms=[TOKEN_ALGORITHM], issuer=TOKEN_ISSUER, options=options)
    except jwt.ExpiredSignatureError:
        subject = None
        try:  # the signature was checked before the expiry: the subject is genuine
            subject = jwt.decode(
                token, secret, algorithms=[TOKEN_ALGORITHM], issuer=TOKEN_ISSUER,
                options={**options, "verify_exp": False},
            ).get("sub")
        except jwt.InvalidTokenError:
            pass
        raise InvalidToken("expired", subject) from None
    except jwt.InvalidTokenError:
        raise InvalidToken("invalid") from None
    generation = claims["gen"]
    if not isinstance(generation, int) or isinstance(generation, bool):
        raise InvalidToken("invalid")
    return TokenClaims(claims["sub"], generation)
