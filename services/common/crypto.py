"""Personal data at rest: authenticated encryption and a keyed hash index.

Every service that stores personal data (ID number, phone, contact) keeps it
only as ciphertext made here, and finds a row by exact value through a keyed
hash of the value, never through the ciphertext (which is randomised: the same
value encrypts differently each time).

- Encryption is Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``)
  through ``MultiFernet``: the *first* key encrypts, *every* key decrypts, so a
  key rotates by putting a new key first, restarting, re-encrypting the rows
  (``python -m services.roster.rotate_keys``) and then dropping the old key.
  A token that was altered, or made with a key no longer configured, raises
  :class:`InvalidCiphertext`; nothing is ever decrypted unauthenticated.
- The index is HMAC-SHA256 under a separate key over ``<purpose>\\0<normalised
  value>``, so the same digits give different indexes as an ID number and as a
  phone, and nobody without the key can test a guessed ID number against the
  database. It is deterministic by design (that is what makes exact lookup and
  a unique constraint possible); it is recomputable from the ciphertext, so the
  index key can change too: set the new one and run the rotation command (the
  lookups miss for rows not yet re-indexed, so do that with the service stopped).

Configuration (service config keys, from the environment, with no default):
``PERSONAL_DATA_KEYS`` (comma-separated Fernet keys, newest first) from
``LIUDONG_PERSONAL_DATA_KEYS`` and ``PERSONAL_DATA_INDEX_KEY`` from
``LIUDONG_PERSONAL_DATA_INDEX_KEY``. ``python -m services.common.crypto
generate-keys`` prints fresh values for both::

    python -m services.common.crypto generate-keys [--export]
    python -m services.common.crypto new-data-key     # one more Fernet key, for rotation

This module knows nothing of SQLAlchemy or nameko; ``services.common.tables``
binds a cipher to a database engine for the encrypted column type.
"""
import argparse
import base64
import binascii
import hashlib
import hmac
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEYS_SETTING = "PERSONAL_DATA_KEYS"
INDEX_KEY_SETTING = "PERSONAL_DATA_INDEX_KEY"
KEYS_ENV = "LIUDONG_PERSONAL_DATA_KEYS"
INDEX_KEY_ENV = "LIUDONG_PERSONAL_DATA_INDEX_KEY"
GENERATE_HINT = "`python -m services.common.crypto generate-keys` prints fresh values"

MIN_INDEX_KEY_BYTES = 32


class KeyConfigurationError(RuntimeError):
    """The personal-data keys are missing or malformed; the message names the
    settings and environment variables (never a key)."""


class InvalidCiphertext(ValueError):
    """A stored value failed authentication: altered, or encrypted with a key
    that is no longer configured. The message never contains the value."""


def normalise_id_number(value):
    """18-character resident identity numbers: no surrounding space, the check letter upper-case."""
    return value.strip().upper()


def normalise_phone(value):
    return value.strip()


NORMALISERS = {"id_number": normalise_id_number, "phone": normalise_phone}


class PersonalDataCipher:
    def __init__(self, keys, index_key):
        keys = [key.strip() if isinstance(key, str) else key for key in keys]
        keys = [key for key in keys if key]
        if not keys:
            raise KeyConfigurationError(_missing_message())
        try:
            self._fernets = [Fernet(key) for key in keys]
        except (ValueError, TypeError, binascii.Error):
            raise KeyConfigurationError(
                f"{KEYS_SETTING} ({KEYS_ENV}) must be comma-separated Fernet keys "
                f"(32 url-safe base64-encoded bytes each); {GENERATE_HINT}"
            ) from None
        self._multi = MultiFernet(self._fernets)
        self._primary = self._fernets[0]
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

    # ---- encryption ----------------------------------------------------

    def encrypt(self, value):
        """The Fernet token (url-safe ASCII) of ``value``, under the first key."""
        return self._multi.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token):
        try:
            return self._multi.decrypt(_token_bytes(token)).decode("utf-8")
        except InvalidToken:
            raise InvalidCiphertext(
                "a personal-data value failed authentication: it was altered, or its key is no longer configured"
            ) from None

    def is_current(self, token):
        """True when ``token`` is already encrypted under the first key."""
        try:
            self._primary.decrypt(_token_bytes(token))
        except InvalidToken:
            return False
        return True

    def rotate(self, token):
        """Re-encrypt ``token`` (made under any configured key) under the first key."""
        try:
            return self._multi.rotate(_token_bytes(token)).decode("ascii")
        except InvalidToken:
            raise InvalidCiphertext(
                "a personal-data value failed authentication: it was altered, or its key is no longer configured"
            ) from None

    # ---- the keyed hash index -------------------------------------------

    def index(self, value, purpose):
        """The keyed hash (64 hex characters) of the normalised ``value``, for
        exact lookup and uniqueness; ``purpose`` (e.g. ``"id_number"``) chooses
        the normalisation and separates the indexes of different fields."""
        normalised = NORMALISERS.get(purpose, str.strip)(value)
        message = purpose.encode("utf-8") + b"\0" + normalised.encode("utf-8")
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()


def _token_bytes(token):
    return token.encode("ascii") if isinstance(token, str) else token


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
        f"(comma-separated Fernet keys, the first encrypts) and {INDEX_KEY_ENV} (the key of the "
        f"hash index), which the service config reads as {KEYS_SETTING} and {INDEX_KEY_SETTING}; "
        f"{GENERATE_HINT}"
    )


def new_data_key():
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
    commands.add_parser("new-data-key", help=f"print one new Fernet key, to put first in {KEYS_ENV} when rotating")
    args = parser.parse_args(argv)
    if args.command == "generate-keys":
        prefix = "export " if args.export else ""
        for name, value in generate_keys().items():
            print(f"{prefix}{name}={value}")
    else:
        print(new_data_key())


if __name__ == "__main__":
    main()
