"""The signed caller context: who is calling, as every service can check it.

The broker is no trust boundary: anyone holding broker credentials can publish
an RPC request. So the caller's scope travels signed, as the last positional
argument of every call but ``ping``, and a service believes nothing it cannot
verify. The context is a compact JWS (a JWT signed with Ed25519, ``EdDSA``)
whose claims are:

- ``iss``: ``gateway``, or ``service:<name>`` for a call from one service to
  another (which carries a narrow scope: no reveal);
- ``aud``: ``<service>.<method>``, so a context is good for one method only;
- ``args``: the SHA-256 of the canonical JSON of the call's other arguments
  (:func:`argument_digest`), so it cannot be moved to other arguments;
- ``exp`` / ``iat``: a lifetime a little longer than the RPC timeout;
- ``jti``: a unique id, which the service records (``caller_contexts``
  kernel table) in the same transaction as the call, so a context is used once;
- ``scope``: the caller's scope (``contracts.access.ScopeSchema``);

and the header's ``kid`` names the signing key (:func:`key_id` of its public
key). A key is trusted for one issuer only; several keys per issuer may be
trusted at once, which is how a key rotates: add the new public key to
``LIUDONG_TRUSTED_CALLER_KEYS`` everywhere, switch the signer to the new
private key, then drop the old public key.

Configuration (environment variables; the services read them through their
config files):

- ``LIUDONG_GATEWAY_SIGNING_KEY``: the gateway's private key;
- ``LIUDONG_<SERVICE>_SIGNING_KEY``: each service's own private key (config key
  ``CALLER_SIGNING_KEY``);
- ``LIUDONG_TRUSTED_CALLER_KEYS``: the public keys every component trusts,
  comma-separated ``issuer:base64url-public-key`` (config key
  ``TRUSTED_CALLER_KEYS``).

Private keys are the 32-byte Ed25519 seeds, base64url. Fresh values for the
gateway and every service of ``contracts.platform.SERVICES``::

    python -m contracts.caller_context generate-keys [--export]
    python -m contracts.caller_context new-key gateway        # one more key, for rotation

Rotating the gateway's key (a service's likewise): ``new-key gateway`` prints
a private key and its trusted entry; append the entry to
``LIUDONG_TRUSTED_CALLER_KEYS`` everywhere and restart the services; set the
new private key as ``LIUDONG_GATEWAY_SIGNING_KEY`` and restart the gateway;
once no context signed with the old key can be alive (a few seconds), drop
the old entry and restart the services.
"""
import argparse
import base64
import binascii
import hashlib
import hmac
import json
import math
import time
import uuid
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ALGORITHM = "EdDSA"
TOKEN_TYPE = "liudong-caller+jwt"
GATEWAY = "gateway"
SERVICE_PREFIX = "service:"

GATEWAY_KEY_ENV = "LIUDONG_GATEWAY_SIGNING_KEY"
TRUSTED_KEYS_ENV = "LIUDONG_TRUSTED_CALLER_KEYS"
SIGNING_KEY_SETTING = "CALLER_SIGNING_KEY"
TRUSTED_KEYS_SETTING = "TRUSTED_CALLER_KEYS"
GENERATE_HINT = "`python -m contracts.caller_context generate-keys` prints fresh values"

# Clocks of the gateway and the services may differ by this much.
LEEWAY = 5
# A signer's lifetime beyond the call's timeout, for the time between signing and publishing.
MARGIN = 5
# No context lives longer, whoever signed it: this bounds the replay table too.
MAX_LIFETIME = 300


class KeyConfigurationError(RuntimeError):
    """A signing key or the trusted keys are missing or malformed; the message
    names the variable (never a key)."""


class CallerNotTrusted(Exception):
    """A context was refused. ``reason`` is a short stable word for the logs;
    ``claimed`` holds the unverified issuer and principal, for the log line only."""

    def __init__(self, reason, message, claimed=None):
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.claimed = claimed or {}


# ---- the parts --------------------------------------------------------------

def service_issuer(name):
    return f"{SERVICE_PREFIX}{name}"


def service_key_env(name):
    return f"LIUDONG_{name.upper()}_SIGNING_KEY"


def audience(service, method):
    return f"{service}.{method}"


def canonical_json(value):
    """Sorted keys, no spaces, UTF-8: the same text for the same JSON value on
    both sides of the broker (``str`` for what JSON has no type for)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def argument_digest(args):
    """What the call was asked to do: the SHA-256 of its arguments (the scope
    excluded), as the service receives them (JSON values)."""
    return hashlib.sha256(canonical_json(list(args)).encode()).hexdigest()


def _b64encode(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text):
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_bytes(public_key):
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key):
    """A public key's id: 16 characters of the base64url SHA-256 of its raw bytes."""
    return _b64encode(hashlib.sha256(public_bytes(public_key)).digest())[:16]


def encode_private_key(private_key):
    return _b64encode(private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))


def encode_public_key(public_key):
    return _b64encode(public_bytes(public_key))


def load_private_key(text, variable):
    """An Ed25519 private key from its base64url seed; ``variable`` names where it came from."""
    if not isinstance(text, str) or not text.strip():
        raise KeyConfigurationError(f"{variable} is not set: it holds the Ed25519 key that signs this "
                                    f"component's calls, and nothing starts without it; {GENERATE_HINT}")
    try:
        raw = _b64decode(text)
        if len(raw) != 32:
            raise ValueError
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (ValueError, binascii.Error):
        raise KeyConfigurationError(f"{variable} is not an Ed25519 private key (32 bytes, base64url); "
                                    f"{GENERATE_HINT}") from None


def valid_issuer(issuer):
    return issuer == GATEWAY or (issuer.startswith(SERVICE_PREFIX) and len(issuer) > len(SERVICE_PREFIX))


def parse_trusted_keys(text, variable=TRUSTED_KEYS_ENV):
    """``issuer:base64url-public-key,...`` → {key id: (issuer, public key)}."""
    if not isinstance(text, str) or not text.strip():
        raise KeyConfigurationError(f"{variable} is not set: it lists the public keys of the callers this "
                                    f"component trusts (issuer:key,...), and nothing starts without it; "
                                    f"{GENERATE_HINT}")
    keys = {}
    for number, entry in enumerate((part.strip() for part in text.split(",")), start=1):
        if not entry:
            continue
        issuer, _, encoded = entry.rpartition(":")
        if not issuer or not valid_issuer(issuer):
            raise KeyConfigurationError(f"{variable}: entry {number} does not start with an issuer "
                                        f"('gateway:' or 'service:<name>:')")
        try:
            raw = _b64decode(encoded)
            if len(raw) != 32:
                raise ValueError
            public_key = Ed25519PublicKey.from_public_bytes(raw)
        except (ValueError, binascii.Error):
            raise KeyConfigurationError(f"{variable}: entry {number} ({issuer}) is not an Ed25519 public key "
                                        f"(32 bytes, base64url)") from None
        keys[key_id(public_key)] = (issuer, public_key)
    if not keys:
        raise KeyConfigurationError(f"{variable} lists no key; {GENERATE_HINT}")
    return keys


# ---- signing and verifying ----------------------------------------------------

@dataclass(frozen=True)
class CallerContext:
    """A verified context: the call may go on once its ``jti`` is recorded as used."""

    issuer: str
    audience: str
    scope: dict
    jti: str
    issued_at: int
    expires_at: int
    key_id: str

    @property
    def from_gateway(self):
        return self.issuer == GATEWAY

    @property
    def calling_service(self):
        """The service name of a ``service:<name>`` issuer, else None."""
        return self.issuer[len(SERVICE_PREFIX):] if self.issuer.startswith(SERVICE_PREFIX) else None


class Signer:
    """Signs contexts for one issuer with one private key."""

    def __init__(self, issuer, private_key, lifetime):
        if not valid_issuer(issuer):
            raise ValueError(f"{issuer!r} is no issuer ('gateway' or 'service:<name>')")
        self.issuer = issuer
        self.private_key = private_key
        self.key_id = key_id(private_key.public_key())
        self.lifetime = min(math.ceil(lifetime), MAX_LIFETIME)

    @classmethod
    def from_text(cls, issuer, text, variable, timeout):
        """``timeout``: the calls' RPC timeout in seconds; a context lives a little longer."""
        return cls(issuer, load_private_key(text, variable), lifetime=float(timeout) + MARGIN)

    def sign(self, service, method, args, scope, now=None, lifetime=None):
        """The context for ``service.method(*args, <context>)``; ``args`` as the
        service will receive them. ``lifetime``: seconds, if not the signer's."""
        issued_at = int(time.time() if now is None else now)
        lifetime = self.lifetime if lifetime is None else min(math.ceil(lifetime), MAX_LIFETIME)
        claims = {
            "iss": self.issuer,
            "aud": audience(service, method),
            "iat": issued_at,
            "exp": issued_at + lifetime,
            "jti": uuid.uuid4().hex,
            "args": argument_digest(args),
            "scope": scope,
        }
        return jwt.encode(claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.key_id, "typ": TOKEN_TYPE})


class Verifier:
    """Checks contexts against the trusted public keys (:func:`parse_trusted_keys`)."""

    def __init__(self, trusted_keys):
        self.trusted_keys = dict(trusted_keys)

    @classmethod
    def from_text(cls, text, variable=TRUSTED_KEYS_ENV):
        return cls(parse_trusted_keys(text, variable))

    def verify(self, token, service, method, args, now=None):
        """The :class:`CallerContext` of ``token``, signed for ``service.method`` and
        these ``args``; :class:`CallerNotTrusted` otherwise. Replay is the caller's
        to check (record ``jti`` until ``expires_at``)."""
        if token is None:
            raise CallerNotTrusted("missing", "the call carries no caller context")
        if isinstance(token, dict):
            raise CallerNotTrusted("unsigned", "the caller context is a plain scope, not a signed context",
                                   _claimed_from(token))
        if not isinstance(token, str):
            raise CallerNotTrusted("malformed", "the caller context is not a signed context")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise CallerNotTrusted("malformed", "the caller context cannot be read") from None
        if header.get("alg") != ALGORITHM:
            raise CallerNotTrusted("malformed", f"the caller context is not signed with {ALGORITHM}", _claimed_in(token))
        trusted = self.trusted_keys.get(header.get("kid"))
        if trusted is None:
            raise CallerNotTrusted("unknown_key", "the caller context is signed by a key nobody trusts", _claimed_in(token))
        issuer, public_key = trusted
        # Expiry is checked here rather than by PyJWT so that ``now`` can be given.
        try:
            claims = jwt.decode(
                token, public_key, algorithms=[ALGORITHM], issuer=issuer,
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False,
                         "require": ["iss", "aud", "iat", "exp", "jti", "args", "scope"]},
            )
        except jwt.InvalidSignatureError:
            raise CallerNotTrusted("bad_signature", "the caller context's signature does not verify",
                                   _claimed_in(token)) from None
        except jwt.InvalidIssuerError:
            raise CallerNotTrusted("wrong_issuer", f"the key is trusted for {issuer} only", _claimed_in(token)) from None
        except jwt.PyJWTError as exc:
            raise CallerNotTrusted("malformed", f"the caller context is not valid ({type(exc).__name__})",
                                   _claimed_in(token)) from None
        claimed = _claimed_from(claims)
        now = time.time() if now is None else now
        issued_at, expires_at = claims["iat"], claims["exp"]
        if not all(isinstance(value, int) for value in (issued_at, expires_at)):
            raise CallerNotTrusted("malformed", "iat and exp must be whole seconds", claimed)
        if expires_at + LEEWAY < now:
            raise CallerNotTrusted("expired", "the caller context has expired", claimed)
        if issued_at - LEEWAY > now:
            raise CallerNotTrusted("not_yet_valid", "the caller context was issued in the future", claimed)
        if expires_at - issued_at > MAX_LIFETIME:
            raise CallerNotTrusted("too_long_lived", f"a caller context lives {MAX_LIFETIME} s at most", claimed)
        wanted = audience(service, method)
        if claims["aud"] != wanted:
            raise CallerNotTrusted("wrong_audience", f"the caller context is for {claims['aud']!r}, not {wanted!r}", claimed)
        if not isinstance(claims["args"], str) or not hmac.compare_digest(claims["args"], argument_digest(args)):
            raise CallerNotTrusted("arguments_altered", "the call's arguments are not those the context was signed for", claimed)
        if not isinstance(claims["jti"], str) or not 1 <= len(claims["jti"]) <= 64:
            raise CallerNotTrusted("malformed", "jti must be a string of 1 to 64 characters", claimed)
        if not isinstance(claims["scope"], dict):
            raise CallerNotTrusted("malformed", "the scope must be an object", claimed)
        return CallerContext(issuer=issuer, audience=wanted, scope=claims["scope"], jti=claims["jti"],
                             issued_at=issued_at, expires_at=expires_at, key_id=header["kid"])


def _claimed_in(token):
    try:
        return _claimed_from(jwt.decode(token, options={"verify_signature": False}))
    except jwt.PyJWTError:
        return {}


def _claimed_from(claims):
    """The unverified issuer and principal, cut short: all a refusal's log line may show."""
    scope = claims.get("scope") if isinstance(claims.get("scope"), dict) else claims
    return {name: str(value)[:100] for name, value in
            (("issuer", claims.get("iss")), ("principal", scope.get("principal"))) if value is not None}


# ---- keys for a platform --------------------------------------------------------

def new_private_key():
    return Ed25519PrivateKey.generate()


def generate_keys(services=None):
    """Fresh keys for the gateway and every service: {variable: value}, the
    trusted-keys line included."""
    if services is None:
        from contracts.platform import SERVICES

        services = [spec.name for spec in SERVICES]
    values, trusted = {}, []
    for issuer, variable in [(GATEWAY, GATEWAY_KEY_ENV)] + [(service_issuer(name), service_key_env(name)) for name in services]:
        private_key = new_private_key()
        values[variable] = encode_private_key(private_key)
        trusted.append(f"{issuer}:{encode_public_key(private_key.public_key())}")
    values[TRUSTED_KEYS_ENV] = ",".join(trusted)
    return values


def trusted_entry(issuer, private_key_text, variable="the private key"):
    """The ``issuer:public-key`` entry of a private key, for adding a new key during rotation."""
    private_key = load_private_key(private_key_text, variable)
    return f"{issuer}:{encode_public_key(private_key.public_key())}"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m contracts.caller_context", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate-keys", help="print NAME=value lines for the gateway, every service "
                                                         "and LIUDONG_TRUSTED_CALLER_KEYS")
    generate.add_argument("--export", action="store_true", help="prefix each line with 'export '")
    generate.add_argument("--missing-from", metavar="FILE",
                          help="print only the variables FILE (NAME=value lines) does not set yet, and a "
                               "trusted-keys line that keeps the keys FILE already trusts")
    one = commands.add_parser("new-key", help="print one new private key and its trusted-keys entry, for rotation")
    one.add_argument("issuer", help="'gateway' or 'service:<name>'")
    arguments = parser.parse_args(argv)
    if arguments.command == "new-key":
        if not valid_issuer(arguments.issuer):
            parser.error(f"{arguments.issuer!r} is no issuer: 'gateway' or 'service:<name>'")
        private_key = new_private_key()
        print(f"SIGNING_KEY={encode_private_key(private_key)}")
        print(f"TRUSTED_ENTRY={arguments.issuer}:{encode_public_key(private_key.public_key())}")
        return
    values = generate_keys()
    if arguments.missing_from:
        values = _missing_from(arguments.missing_from, values)
    prefix = "export " if arguments.export else ""
    for name, value in values.items():
        print(f"{prefix}{name}={value}")


def _missing_from(path, fresh):
    """What an existing secrets file lacks: the signing keys it does not set,
    made fresh, and, when that changes it, the trusted-keys line: the entries
    it had plus the public key of every signing key (old or new) not yet in it.
    Appended to the file, the later line wins when the file is sourced."""
    existing = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            name, sep, value = line.strip().removeprefix("export ").partition("=")
            if sep:
                existing[name] = value
    from contracts.platform import SERVICES

    issuers = {GATEWAY_KEY_ENV: GATEWAY, **{service_key_env(spec.name): service_issuer(spec.name) for spec in SERVICES}}
    added = {name: value for name, value in fresh.items() if name in issuers and name not in existing}
    trusted = [entry for entry in existing.get(TRUSTED_KEYS_ENV, "").split(",") if entry.strip()]
    for name, issuer in issuers.items():
        entry = trusted_entry(issuer, added.get(name) or existing[name], name)
        if entry not in trusted:
            trusted.append(entry)
    line = ",".join(trusted)
    return {**added, **({TRUSTED_KEYS_ENV: line} if line != existing.get(TRUSTED_KEYS_ENV) else {})}


if __name__ == "__main__":
    main()
