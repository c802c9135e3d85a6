"""Personal data at rest: authenticated encryption bound to its place, and a keyed hash index.

Every service that stores personal data (ID number, phone, contact, destination
address) keeps it only as ciphertext made here, and finds a row by exact value
through a keyed hash of the value, never through the ciphertext (which is
randomised: the same value encrypts differently each time).

- Encryption is AES-256-GCM (``cryptography``'s ``AESGCM``) with the value's
  *place* as associated data: the table, the column and the row's primary key,
  ``members.id_number:<member id>`` (:func:`place`). The place is not stored in
  the token; the reader supplies it, so a token copied to another row or
  another column fails authentication there (:class:`InvalidCiphertext`)
  instead of decrypting as somebody else's value. Before this, a Fernet token
  moved between rows decrypted anywhere.
- The token is text: ``pd1.`` then url-safe base64 (unpadded) of
  ``key id (4 bytes) || nonce (12 random bytes) || ciphertext || tag (16)``.
  ``pd1`` is the format version; the key id names the key that encrypted it, so
  several keys can be configured: the *first* encrypts, *every* one decrypts.
  The version and key id are authenticated too (they lead the associated data).
  Random 96-bit nonces are safe for far more values than a roster holds
  (NIST's bound is 2^32 encryptions per key).
- Keys: ``LIUDONG_PERSONAL_DATA_KEYS`` keeps its format (comma-separated Fernet
  keys, newest first), so existing installs start without a new variable. Each
  configured key is 32 random bytes; the AES-256 key and the 4-byte key id are
  derived from it with HKDF-SHA256 under two different labels, so the key id
  tells nothing about the key. The same configured keys still open the Fernet
  tokens written before migration 0005 (:meth:`fernet_decrypt`), which is how
  that migration re-encrypts them; the service itself never accepts a Fernet
  token as a value.
- A key rotates by putting a new key first, restarting, re-encrypting the rows
  (``python -m services.roster.rotate_keys``, which keeps each row's binding)
  and then dropping the old key. A token that was altered, moved, or made with
  a key no longer configured raises :class:`InvalidCiphertext`; nothing is ever
  decrypted unauthenticated.
- The index is HMAC-SHA256 under a separate key over ``<purpose>\\0<normalised
  value>``, so the same digits give different indexes as an ID number and as a
  phone, and nobody without the key can test a guessed ID number against the
  database. It is deterministic by design (that is what makes exact lookup and
  a unique constraint possible); it is recomputable from the ciphertext, so the
  index key can change too: set the new one and run the rotation command (the
  lookups miss for rows not yet re-indexed, so do that with the service stopped).

Configuration (service config keys, from the environment, with no default):
``PERSONAL_DATA_KEYS`` (comma-separated keys, newest first) from
``LIUDONG_PERSONAL_DATA_KEYS`` and ``PERSONAL_DATA_INDEX_KEY`` from
``LIUDONG_PERSONAL_DATA_INDEX_KEY``. ``python -m services.common.crypto
generate-keys`` prints fresh values for both::

    python -m services.common.crypto generate-keys [--export]
    python -m services.common.crypto new-data-key     # one more data key, for rotation

This module knows nothing of SQLAlchemy or nameko; ``services.common.tables``
binds a cipher to a database engine and supplies each value's place.
"""
import argparse
import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEYS_SETTING = "PERSONAL_DATA_KEYS"
INDEX_KEY_SETTING = "PERSONAL_DATA_INDEX_KEY"
KEYS_ENV = "LIUDONG_PERSONAL_DATA_KEYS"
INDEX_KEY_ENV = "LIUDONG_PERSONAL_DATA_INDEX_KEY"
GENERATE_HINT = "`python -m services.common.crypto generate-keys` prints fresh values"

MIN_INDEX_KEY_BYTES = 32

TOKEN_PREFIX = "pd1."
KEY_ID_BYTES = 4
NONCE_BYTES = 12
TAG_BYTES = 16
_VERSION = b"pd1"
_AES_KEY_LABEL = b"liudong personal data: AES-256-GCM key"
_KEY_ID_LABEL = b"liudong personal data: key id"

_REFUSED = "a personal-data value failed authentication: it was altered, moved from another row or column, " \
           "or its key is no longer configured"


class KeyConfigurationError(RuntimeError):
    """The personal-data keys are missing or malformed; the message names the
    settings and environment variables (never a key)."""


class InvalidCiphertext(ValueError):
    """A stored value failed authentication: altered, moved from another place,
    or encrypted with a key that is no longer configured. The message never
    contains the value or the token."""


def place(table, column, row_id):
    """The associated data binding a value to one column of one row: ``members.id_number:<id>``."""
    if row_id is None or str(row_id) == "":
        raise ValueError(f"a value of {table}.{column} cannot be encrypted before its row has a primary key")
    return f"{table}.{column}:{row_id}"


def is_token(value):
    """True when ``value`` has the form of a bound token (says nothing of its authenticity)."""
    if not isinstance(value, str) or not value.startswith(TOKEN_PREFIX):
        return False
    try:
        raw = _b64decode(value[len(TOKEN_PREFIX):])
    except (ValueError, binascii.Error):
        return False
    return len(raw) >= KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES


def normalise_id_number(value):
    """18-character resident identity numbers: no surrounding space, the check letter upper-case."""
    return value.strip().upper()


def normalise_phone(value):
    return value.strip()


NORMALISERS = {"id_number": normalise_id_number, "phone": normalise_phone}


class _DataKey:
    """One configured key: its AES-256-GCM key and its id, both derived with HKDF."""

    def __init__(self, configured):
        material = base64.urlsafe_b64decode(configured)
        self.key_id = _hkdf(material, _KEY_ID_LABEL, KEY_ID_BYTES)
        self.aead = AESGCM(_hkdf(material, _AES_KEY_LABEL, 32))


def _hkdf(material, label, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label).derive(material)


def _associated_data(key_id, where):
    if not isinstance(where, str) or not where:
        raise TypeError("the place of a personal value (services.common.crypto.place) is required")
    return _VERSION + b"\0" + key_id + b"\0" + where.encode("utf-8")


def _b64encode(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PersonalDataCipher:
    def __init__(self, keys, index_key):
        keys = [key.strip() if isinstance(key, str) else key for key in keys]
        keys = [key for key in keys if key]
        if not keys:
            raise KeyConfigurationError(_missing_message())
        try:
            fernets = [Fernet(key) for key in keys]
        except (ValueError, TypeError, binascii.Error):
            raise KeyConfigurationError(
                f"{KEYS_SETTING} ({KEYS_ENV}) must be comma-separated keys "
                f"(32 url-safe base64-encoded random bytes each); {GENERATE_HINT}"
            ) from None
        self._keys = [_DataKey(key) for key in keys]
        self._primary = self._keys[0]
        self._by_id = {key.key_id: key for key in self._keys}
        if len(self._by_id) != len(self._keys):
            # The same key twice, or (one chance in 2^32) two keys with one id:
            # rotation could not tell their tokens apart.
            raise KeyConfigurationError(
                f"{KEYS_SETTING} ({KEYS_ENV}) lists a key twice, or two keys that share a key id; "
                f"use `python -m services.common.crypto new-data-key` for a new one"
            )
        # Only for the tokens written before migration 0005 (see fernet_decrypt).
        self._fernet = MultiFernet(fernets)
        self._index_key = _decode_index_key(index_key)
        if any(self._index_key == base64.urlsafe_b64decode(key) for key in keys):
            raise KeyConfigurationError(
                f"{INDEX_KEY_SETTING} ({INDEX_KEY_ENV}) must be a key of its own, not one of {KEYS_SETTING}"
            )

    @classmethod
    def from_config(cls, config):
        """Build the cipher from a service's config; fail with a message that
        names what to set when the keys are missing or malformed."""
        keys, index_key = config.get(KEYS_SETTING), config.get(INDEX_KEY_SETTING)
        if not keys or not index_key:
            raise KeyConfigurationError(_missing_message())
        if isinstance(keys, str):
            keys = keys.split(",")
        return cls(list(keys), index_key)

    # ---- encryption bound to a place -----------------------------------

    def encrypt(self, value, where):
        """The token of ``value`` for the place ``where`` (:func:`place`), under the first key."""
        key = self._primary
        nonce = os.urandom(NONCE_BYTES)
        sealed = key.aead.encrypt(nonce, value.encode("utf-8"), _associated_data(key.key_id, where))
        return TOKEN_PREFIX + _b64encode(key.key_id + nonce + sealed)

    def decrypt(self, token, where):
        """The value of ``token``, which must have been encrypted for ``where``."""
        key_id, nonce, sealed = _parse(token)
        associated = _associated_data(key_id, where)
        key = self._by_id.get(key_id)
        if key is None:
            raise InvalidCiphertext(_REFUSED)
        try:
            return key.aead.decrypt(nonce, sealed, associated).decode("utf-8")
        except InvalidTag:
            raise InvalidCiphertext(_REFUSED) from None

    def is_current(self, token):
        """True when ``token`` is already under the first key (its authenticity is not checked here)."""
        return _parse(token)[0] == self._primary.key_id

    def rotate(self, token, where):
        """Re-encrypt ``token`` (made for ``where`` under any configured key) under the first key."""
        return self.encrypt(self.decrypt(token, where), where)

    # ---- the unbound Fernet tokens of migrations 0002 to 0004 ---------------

    def fernet_encrypt(self, value):
        """An unbound Fernet token, as rows were stored before migration 0005;
        for migrations only (0002, and 0005's downgrade)."""
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def fernet_decrypt(self, token):
        """Open a Fernet token stored before migration 0005; for migrations only."""
        try:
            return self._fernet.decrypt(token.encode("ascii") if isinstance(token, str) else token).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError):
            raise InvalidCiphertext(_REFUSED) from None

    # ---- the keyed hash index -------------------------------------------

    def index(self, value, purpose):
        """The keyed hash (64 hex characters) of the normalised ``value``, for
        exact lookup and uniqueness; ``purpose`` (e.g. ``"id_number"``) chooses
        the normalisation and separates the indexes of different fields."""
        normalised = NORMALISERS.get(purpose, str.strip)(value)
        message = purpose.encode("utf-8") + b"\0" + normalised.encode("utf-8")
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()


def _parse(token):
    """(key id, nonce, ciphertext with tag) of a bound token; anything else is refused."""
    if not is_token(token):
        raise InvalidCiphertext(_REFUSED)
    raw = _b64decode(token[len(TOKEN_PREFIX):])
    return raw[:KEY_ID_BYTES], raw[KEY_ID_BYTES:KEY_ID_BYTES + NONCE_BYTES], raw[KEY_ID_BYTES + NONCE_BYTES:]


def _decode_index_key(index_key):
    if isinstance(index_key, str):
        index_key = index_key.strip().encode("ascii", "replace")
    try:
        raw = base64.urlsafe_b64decode(index_key)
    except (ValueError, TypeError, binascii.Error):
        raw = b""
    if len(raw) < MIN_INDEX_KEY_BYTES:
        raise KeyConfigurationError(
            f"{INDEX_KEY_SETTING} ({INDEX_KEY_ENV}) must be url-safe base64 of at least "
            f"{MIN_INDEX_KEY_BYTES} random bytes; {GENERATE_HINT}"
        )
    return raw


def _missing_message():
    return (
        f"personal data cannot be stored without keys: set the environment variables {KEYS_ENV} "
        f"(comma-separated data keys, the first encrypts) and {INDEX_KEY_ENV} (the key of the "
        f"hash index), which the service config reads as {KEYS_SETTING} and {INDEX_KEY_SETTING}; "
        f"{GENERATE_HINT}"
    )


def new_data_key():
    """32 random bytes, url-safe base64: the format Fernet keys have, so keys
    made before the AES-GCM tokens keep working unchanged."""
    return Fernet.generate_key().decode("ascii")


def new_index_key():
    return base64.urlsafe_b64encode(os.urandom(MIN_INDEX_KEY_BYTES)).decode("ascii")


def generate_keys():
    """Fresh values for both environment variables."""
    return {KEYS_ENV: new_data_key(), INDEX_KEY_ENV: new_index_key()}


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m services.common.crypto",
        description="Keys for personal data at rest. The values are secrets: keep them out of logs and VCS.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate-keys", help="print NAME=value lines for both environment variables")
    generate.add_argument("--export", action="store_true", help="prefix each line with `export ` for eval in a shell")
    commands.add_parser("new-data-key", help=f"print one new data key, to put first in {KEYS_ENV} when rotating")
    args = parser.parse_args(argv)
    if args.command == "generate-keys":
        prefix = "export " if args.export else ""
        for name, value in generate_keys().items():
            print(f"{prefix}{name}={value}")
    else:
        print(new_data_key())


if __name__ == "__main__":
    main()
