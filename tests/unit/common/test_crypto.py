"""The personal-data cipher: authenticated encryption, rotation, the keyed index."""
import base64

import pytest
from cryptography.fernet import Fernet

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


def test_a_value_round_trips_and_is_never_stored_as_itself(keys):
    c = cipher(keys["old"], index_key=keys["index"])
    token = c.encrypt(ID_NUMBER)
    assert ID_NUMBER not in token and c.decrypt(token) == ID_NUMBER
    assert c.encrypt(ID_NUMBER) != token  # randomised: equal values do not show as equal
    assert c.decrypt(c.encrypt("微信 zhang_san")) == "微信 zhang_san"


def test_a_tampered_token_is_refused_without_echoing_it(keys):
    c = cipher(keys["old"], index_key=keys["index"])
    raw = bytearray(base64.urlsafe_b64decode(c.encrypt(ID_NUMBER)))
    raw[-40] ^= 1  # one bit of the ciphertext
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(InvalidCiphertext) as refused:
        c.decrypt(tampered)
    assert tampered not in str(refused.value)
    with pytest.raises(InvalidCiphertext):
        c.decrypt("not a token")


def test_a_token_under_an_unknown_key_is_refused(keys):
    stranger = cipher(new_data_key(), index_key=keys["index"])
    with pytest.raises(InvalidCiphertext):
        cipher(keys["old"], index_key=keys["index"]).decrypt(stranger.encrypt(ID_NUMBER))


def test_rotation_decrypts_old_tokens_and_re_encrypts_under_the_first_key(keys):
    before = cipher(keys["old"], index_key=keys["index"])
    old_token = before.encrypt(ID_NUMBER)
    after = cipher(keys["new"], keys["old"], index_key=keys["index"])  # new key first, old kept
    assert after.decrypt(old_token) == ID_NUMBER
    assert not after.is_current(old_token)
    assert after.is_current(after.encrypt(ID_NUMBER))  # new writes use the new key

    rotated = after.rotate(old_token)
    assert after.is_current(rotated)
    assert Fernet(keys["new"]).decrypt(rotated).decode() == ID_NUMBER
    # Once every row is rotated the old key can go.
    assert cipher(keys["new"], index_key=keys["index"]).decrypt(rotated) == ID_NUMBER
    with pytest.raises(InvalidCiphertext):
        cipher(keys["old"], index_key=keys["index"]).decrypt(rotated)


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


def test_keys_come_comma_separated_newest_first(keys):
    c = PersonalDataCipher.from_config({"PERSONAL_DATA_KEYS": f" {keys['new']}, {keys['old']} ",
                                        "PERSONAL_DATA_INDEX_KEY": keys["index"]})
    assert Fernet(keys["new"]).decrypt(c.encrypt("x")) == b"x"


def test_generate_keys_prints_a_working_configuration(capsys):
    crypto.main(["generate-keys"])
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    assert set(lines) == {KEYS_ENV, INDEX_KEY_ENV}
    c = PersonalDataCipher.from_config({"PERSONAL_DATA_KEYS": lines[KEYS_ENV], "PERSONAL_DATA_INDEX_KEY": lines[INDEX_KEY_ENV]})
    assert c.decrypt(c.encrypt(ID_NUMBER)) == ID_NUMBER
    crypto.main(["generate-keys", "--export"])
    assert capsys.readouterr().out.startswith(f"export {KEYS_ENV}=")
    crypto.main(["new-data-key"])
    Fernet(capsys.readouterr().out.strip())
