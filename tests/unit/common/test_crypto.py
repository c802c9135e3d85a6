"""The personal-data cipher: authenticated encryption bound to a place, rotation, the keyed index."""
import base64

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.common import crypto
from services.common.crypto import (
    INDEX_KEY_ENV,
    KEYS_ENV,
    InvalidCiphertext,
    KeyConfigurationError,
    PersonalDataCipher,
    new_data_key,
    new_index_key,
)
from tests.support import id_number

ID_NUMBER = id_number("1985-03-02", 118)  # ends in X


@pytest.fixture
def keys():
    return {"old": new_data_key(), "new": new_data_key(), "index": new_index_key()}


def cipher(*data_keys, index_key):
    return PersonalDataCipher(list(data_keys), index_key)


HERE = crypto.place("members", "id_number", "00000000-0000-4000-8000-000000000001")


def raw_of(token):
    body = token[len("pd1."):]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def test_a_value_round_trips_and_is_never_stored_as_itself(keys):
    c = cipher(keys["old"], index_key=keys["index"])
    token = c.encrypt(ID_NUMBER, HERE)
    assert ID_NUMBER not in token and c.decrypt(token, HERE) == ID_NUMBER
    assert c.encrypt(ID_NUMBER, HERE) != token  # randomised: equal values do not show as equal
    assert c.decrypt(c.encrypt("微信 zhang_san", HERE), HERE) == "微信 zhang_san"


def test_the_token_format_is_versioned_and_carries_the_key_id(keys):
    c = cipher(keys["old"], index_key=keys["index"])
    token = c.encrypt(ID_NUMBER, HERE)
    assert token.startswith("pd1.") and crypto.is_token(token)
    raw = raw_of(token)
    # key id (4) + nonce (12) + ciphertext (as long as the UTF-8 value) + tag (16)
    assert len(raw) == 4 + 12 + len(ID_NUMBER.encode()) + 16
    assert raw_of(c.encrypt("x", HERE))[:4] == raw[:4]  # one key, one id
    assert raw_of(cipher(keys["new"], index_key=keys["index"]).encrypt(ID_NUMBER, HERE))[:4] != raw[:4]
    # The key is derived from the configured one, not the configured one itself: AES-GCM under it fails.
    aes = AESGCM(base64.urlsafe_b64decode(keys["old"]))
    with pytest.raises(InvalidTag):
        aes.decrypt(raw[4:16], raw[16:], b"pd1\0" + raw[:4] + b"\0" + HERE.encode())
    assert not crypto.is_token(Fernet(keys["old"]).encrypt(b"x").decode())
    assert not crypto.is_token(ID_NUMBER) and not crypto.is_token("pd1.") and not crypto.is_token(None)


def test_a_token_opens_only_in_its_own_place(keys):
    c = cipher(keys["old"], index_key=keys["index"])
    token = c.encrypt(ID_NUMBER, HERE)
    other_member = crypto.place("members", "id_number", "00000000-0000-4000-8000-000000000002")
    other_column = crypto.place("members", "phone", "00000000-0000-4000-8000-000000000001")
    other_table = crypto.place("departures", "id_number", "00000000-0000-4000-8000-000000000001")
    for elsewhere in (other_member, other_column, other_table):
        with pytest.raises(InvalidCiphertext):
            c.decrypt(token, elsewhere)
    with pytest.raises(TypeError):
        c.decrypt(token, None)  # there is no decryption without a place
    with pytest.raises(ValueError):
        crypto.place("members", "id_number", None)  # nor a place without a row


def test_a_tampered_token_is_refused_without_echoing_it(keys):
    c = cipher(keys["old"], index_key=keys["index"])
    token = c.encrypt(ID_NUMBER, HERE)
    raw = bytearray(raw_of(token))
    for position in (0, 5, 20, len(raw) - 1):  # key id, nonce, ciphertext, tag
        altered = bytearray(raw)
        altered[position] ^= 1
        tampered = "pd1." + base64.urlsafe_b64encode(bytes(altered)).decode().rstrip("=")
        with pytest.raises(InvalidCiphertext) as refused:
            c.decrypt(tampered, HERE)
        assert tampered not in str(refused.value) and ID_NUMBER not in str(refused.value)
    with pytest.raises(InvalidCiphertext):
        c.decrypt("pd1." + base64.urlsafe_b64encode(bytes(raw[:-1])).decode().rstrip("="), HERE)  # truncated
    with pytest.raises(InvalidCiphertext):
        c.decrypt("not a token", HERE)
    with pytest.raises(InvalidCiphertext):  # an unbound Fernet token is no value
        c.decrypt(c.fernet_encrypt(ID_NUMBER), HERE)


def test_a_token_under_an_unknown_key_is_refused(keys):
    stranger = cipher(new_data_key(), index_key=keys["index"])
    with pytest.raises(InvalidCiphertext):
        cipher(keys["old"], index_key=keys["index"]).decrypt(stranger.encrypt(ID_NUMBER, HERE), HERE)


def test_rotation_decrypts_old_tokens_and_re_encrypts_under_the_first_key(keys):
    before = cipher(keys["old"], index_key=keys["index"])
    old_token = before.encrypt(ID_NUMBER, HERE)
    after = cipher(keys["new"], keys["old"], index_key=keys["index"])  # new key first, old kept
    assert after.decrypt(old_token, HERE) == ID_NUMBER
    assert not after.is_current(old_token)
    assert after.is_current(after.encrypt(ID_NUMBER, HERE))  # new writes use the new key

    rotated = after.rotate(old_token, HERE)
    assert after.is_current(rotated)
    # Once every row is rotated the old key can go; the binding is kept.
    only_new = cipher(keys["new"], index_key=keys["index"])
    assert only_new.decrypt(rotated, HERE) == ID_NUMBER
    with pytest.raises(InvalidCiphertext):
        only_new.decrypt(rotated, crypto.place("members", "phone", "00000000-0000-4000-8000-000000000001"))
    with pytest.raises(InvalidCiphertext):
        cipher(keys["old"], index_key=keys["index"]).decrypt(rotated, HERE)
    with pytest.raises(InvalidCiphertext):  # rotating needs the token's own place too
        after.rotate(old_token, crypto.place("members", "id_number", "someone-else"))


def test_the_fernet_tokens_of_before_0005_still_open_with_the_same_keys(keys):
    legacy = Fernet(keys["old"]).encrypt(ID_NUMBER.encode()).decode()
    c = cipher(keys["new"], keys["old"], index_key=keys["index"])
    assert c.fernet_decrypt(legacy) == ID_NUMBER
    assert Fernet(keys["new"]).decrypt(c.fernet_encrypt(ID_NUMBER).encode()).decode() == ID_NUMBER
    with pytest.raises(InvalidCiphertext):
        c.fernet_decrypt(c.encrypt(ID_NUMBER, HERE))


def test_the_index_is_stable_normalised_keyed_and_per_field(keys):
    c = cipher(keys["old"], index_key=keys["index"])
    index = c.index(ID_NUMBER, "id_number")
    assert len(index) == 64 and ID_NUMBER not in index
    assert c.index(f" {ID_NUMBER.lower()} ", "id_number") == index  # stripped, upper-case X
    # Stable across data-key rotation (only the index key matters) ...
    assert cipher(keys["new"], keys["old"], index_key=keys["index"]).index(ID_NUMBER, "id_number") == index
    # ... keyed: another index key gives another hash ...
    assert cipher(keys["old"], index_key=new_index_key()).index(ID_NUMBER, "id_number") != index
    # ... and the same digits hash differently as another field.
    assert c.index("13900000001", "phone") != c.index("13900000001", "id_number")
    assert c.index(" 13900000001", "phone") == c.index("13900000001", "phone")


@pytest.mark.parametrize("config", [
    {},
    {"PERSONAL_DATA_KEYS": None, "PERSONAL_DATA_INDEX_KEY": None},   # ${VAR} unset in the YAML
    {"PERSONAL_DATA_KEYS": "", "PERSONAL_DATA_INDEX_KEY": "x"},
    {"PERSONAL_DATA_KEYS": " , ", "PERSONAL_DATA_INDEX_KEY": new_index_key()},
])
def test_missing_keys_fail_with_a_message_naming_the_variables(config):
    with pytest.raises(KeyConfigurationError) as refused:
        PersonalDataCipher.from_config(config)
    message = str(refused.value)
    assert KEYS_ENV in message and INDEX_KEY_ENV in message and "generate-keys" in message


def test_malformed_keys_are_refused_without_showing_them(keys):
    with pytest.raises(KeyConfigurationError) as refused:
        PersonalDataCipher.from_config({"PERSONAL_DATA_KEYS": "secret-but-wrong", "PERSONAL_DATA_INDEX_KEY": keys["index"]})
    assert KEYS_ENV in str(refused.value) and "secret-but-wrong" not in str(refused.value)
    with pytest.raises(KeyConfigurationError) as refused:
        PersonalDataCipher.from_config({"PERSONAL_DATA_KEYS": keys["old"], "PERSONAL_DATA_INDEX_KEY": "c2hvcnQ="})
    assert INDEX_KEY_ENV in str(refused.value)
    with pytest.raises(KeyConfigurationError) as refused:  # the index key must be a key of its own
        PersonalDataCipher.from_config({"PERSONAL_DATA_KEYS": keys["old"], "PERSONAL_DATA_INDEX_KEY": keys["old"]})
    with pytest.raises(KeyConfigurationError) as refused:  # one key twice: its tokens' key id would be ambiguous
        PersonalDataCipher.from_config({"PERSONAL_DATA_KEYS": f"{keys['old']},{keys['old']}",
                                        "PERSONAL_DATA_INDEX_KEY": keys["index"]})
    assert KEYS_ENV in str(refused.value) and keys["old"] not in str(refused.value)


def test_keys_come_comma_separated_newest_first(keys):
    c = PersonalDataCipher.from_config({"PERSONAL_DATA_KEYS": f" {keys['new']}, {keys['old']} ",
                                        "PERSONAL_DATA_INDEX_KEY": keys["index"]})
    assert cipher(keys["new"], index_key=keys["index"]).decrypt(c.encrypt("x", HERE), HERE) == "x"


def test_generate_keys_prints_a_working_configuration(capsys):
    crypto.main(["generate-keys"])
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    assert set(lines) == {KEYS_ENV, INDEX_KEY_ENV}
    c = PersonalDataCipher.from_config({"PERSONAL_DATA_KEYS": lines[KEYS_ENV], "PERSONAL_DATA_INDEX_KEY": lines[INDEX_KEY_ENV]})
    assert c.decrypt(c.encrypt(ID_NUMBER, HERE), HERE) == ID_NUMBER
    crypto.main(["generate-keys", "--export"])
    assert capsys.readouterr().out.startswith(f"export {KEYS_ENV}=")
    crypto.main(["new-data-key"])
    Fernet(capsys.readouterr().out.strip())
