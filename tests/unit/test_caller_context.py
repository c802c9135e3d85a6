"""contracts.caller_context: signing and verifying the caller's context, every
reason a context is refused, key rotation, and the keys the start script makes."""
import base64
import json
import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from contracts import caller_context as cc

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_800_000_000
SCOPE = {"organisation_ids": None, "member_id": None, "reveal": ["id_number"], "principal": "user:1"}
ARGS = ["00000000-0000-4000-8000-000000000001", {"page": 1, "名": "甲"}]


@pytest.fixture(scope="module")
def keys():
    return cc.generate_keys(["roster"])


@pytest.fixture
def signer(keys):
    return cc.Signer.from_text(cc.GATEWAY, keys[cc.GATEWAY_KEY_ENV], cc.GATEWAY_KEY_ENV, timeout=4)


@pytest.fixture
def verifier(keys):
    return cc.Verifier.from_text(keys[cc.TRUSTED_KEYS_ENV])


def refusal(verifier, token, method="get_member", args=ARGS, now=NOW + 1):
    with pytest.raises(cc.CallerNotTrusted) as refused:
        verifier.verify(token, "roster", method, args, now=now)
    return refused.value.reason


def test_a_signed_context_verifies_for_its_method_and_arguments(signer, verifier):
    token = signer.sign("roster", "get_member", ARGS, SCOPE, now=NOW)
    context = verifier.verify(token, "roster", "get_member", ARGS, now=NOW + 1)
    assert (context.issuer, context.audience, context.scope) == ("gateway", "roster.get_member", SCOPE)
    assert context.expires_at - context.issued_at == 4 + cc.MARGIN
    assert context.key_id == signer.key_id and len(context.jti) == 32
    # Arguments equal as JSON values verify however they are spelled in Python.
    assert verifier.verify(token, "roster", "get_member", tuple(json.loads(json.dumps(ARGS))), now=NOW + 1)
    assert signer.sign("roster", "get_member", ARGS, SCOPE, now=NOW) != token  # a fresh jti every time


def test_no_context_and_a_plain_scope_are_refused(verifier):
    assert refusal(verifier, None) == "missing"
    assert refusal(verifier, dict(SCOPE)) == "unsigned"
    assert refusal(verifier, ["not", "a", "context"]) == "malformed"
    assert refusal(verifier, "not.a.jwt") == "malformed"


def test_a_forged_signature_is_refused(signer, verifier):
    header, payload, signature = signer.sign("roster", "get_member", ARGS, SCOPE, now=NOW).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"]["organisation_ids"] = None
    claims["scope"]["reveal"] = ["id_number", "phone", "contact"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert refusal(verifier, f"{header}.{forged}.{signature}") == "bad_signature"


def test_a_context_signed_by_a_key_nobody_trusts_is_refused(verifier):
    stranger = cc.Signer(cc.GATEWAY, cc.new_private_key(), lifetime=10)
    assert refusal(verifier, stranger.sign("roster", "get_member", ARGS, SCOPE, now=NOW)) == "unknown_key"


def test_another_algorithm_is_refused_even_with_a_trusted_key_id(signer, verifier):
    token = jwt.encode({"iss": "gateway"}, "a-shared-secret-of-32-bytes-or-more!", algorithm="HS256",
                       headers={"kid": signer.key_id})
    assert refusal(verifier, token) == "malformed"


def test_an_expired_context_is_refused_after_the_leeway(signer, verifier):
    token = signer.sign("roster", "get_member", ARGS, SCOPE, now=NOW)
    expires = NOW + 4 + cc.MARGIN
    assert verifier.verify(token, "roster", "get_member", ARGS, now=expires + cc.LEEWAY)
    assert refusal(verifier, token, now=expires + cc.LEEWAY + 1) == "expired"
    assert refusal(verifier, token, now=NOW - cc.LEEWAY - 1) == "not_yet_valid"


def test_a_context_for_another_method_or_service_is_refused(signer, verifier):
    token = signer.sign("roster", "get_organisation", ARGS, SCOPE, now=NOW)
    assert refusal(verifier, token, method="get_member") == "wrong_audience"
    other = signer.sign("welcome", "get_member", ARGS, SCOPE, now=NOW)
    assert refusal(verifier, other) == "wrong_audience"


def test_altered_arguments_are_refused(signer, verifier):
    token = signer.sign("roster", "get_member", ARGS, SCOPE, now=NOW)
    assert refusal(verifier, token, args=["00000000-0000-4000-8000-000000000002", ARGS[1]]) == "arguments_altered"
    assert refusal(verifier, token, args=ARGS[:1]) == "arguments_altered"


def test_a_key_speaks_only_for_its_own_issuer(keys, verifier):
    roster_key = keys[cc.service_key_env("roster")]
    posing = cc.Signer.from_text(cc.GATEWAY, roster_key, "key", timeout=4)  # roster's key, claiming to be the gateway
    assert refusal(verifier, posing.sign("roster", "get_member", ARGS, SCOPE, now=NOW)) == "wrong_issuer"
    honest = cc.Signer.from_text(cc.service_issuer("roster"), roster_key, "key", timeout=4)
    context = verifier.verify(honest.sign("roster", "get_member", ARGS, SCOPE, now=NOW), "roster", "get_member",
                              ARGS, now=NOW)
    assert context.calling_service == "roster" and not context.from_gateway


def test_no_context_lives_longer_than_the_maximum(keys, verifier):
    private_key = cc.load_private_key(keys[cc.GATEWAY_KEY_ENV], "key")
    long_lived = jwt.encode(
        {"iss": "gateway", "aud": "roster.get_member", "iat": NOW, "exp": NOW + cc.MAX_LIFETIME + 1, "jti": "x",
         "args": cc.argument_digest(ARGS), "scope": SCOPE},
        private_key, algorithm="EdDSA", headers={"kid": cc.key_id(private_key.public_key())})
    assert refusal(verifier, long_lived) == "too_long_lived"


def test_rotation_two_keys_for_one_issuer_are_trusted_until_the_old_one_is_dropped(keys):
    old = cc.load_private_key(keys[cc.GATEWAY_KEY_ENV], "old")
    new = cc.new_private_key()
    old_entry = f"gateway:{cc.encode_public_key(old.public_key())}"
    new_entry = f"gateway:{cc.encode_public_key(new.public_key())}"
    during = cc.Verifier.from_text(f"{old_entry}, {new_entry}")
    after = cc.Verifier.from_text(new_entry)
    old_token = cc.Signer(cc.GATEWAY, old, 10).sign("roster", "get_member", ARGS, SCOPE, now=NOW)
    new_token = cc.Signer(cc.GATEWAY, new, 10).sign("roster", "get_member", ARGS, SCOPE, now=NOW)
    for token in (old_token, new_token):
        assert during.verify(token, "roster", "get_member", ARGS, now=NOW).issuer == "gateway"
    assert after.verify(new_token, "roster", "get_member", ARGS, now=NOW)
    assert refusal(after, old_token, now=NOW) == "unknown_key"


@pytest.mark.parametrize(("text", "message"), [
    (None, "LIUDONG_TRUSTED_CALLER_KEYS is not set"),
    ("", "LIUDONG_TRUSTED_CALLER_KEYS is not set"),
    ("AAAA", "entry 1 does not start with an issuer"),
    ("nobody:" + "A" * 43, "entry 1 does not start with an issuer"),
    ("gateway:not-a-key", r"entry 1 \(gateway\) is not an Ed25519 public key"),
])
def test_malformed_trusted_keys_are_refused_naming_the_variable(text, message):
    with pytest.raises(cc.KeyConfigurationError, match=message):
        cc.Verifier.from_text(text)


@pytest.mark.parametrize("text", [None, "", "short", "!!!!"])
def test_a_malformed_signing_key_is_refused_naming_the_variable(text):
    with pytest.raises(cc.KeyConfigurationError, match="LIUDONG_GATEWAY_SIGNING_KEY"):
        cc.load_private_key(text, "LIUDONG_GATEWAY_SIGNING_KEY")


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "contracts.caller_context", *args], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout


def lines_of(text):
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def test_generate_keys_prints_a_working_configuration_for_the_gateway_and_every_service():
    from contracts.platform import SERVICES

    values = lines_of(run_cli("generate-keys"))
    assert set(values) == {cc.GATEWAY_KEY_ENV, cc.TRUSTED_KEYS_ENV, *(spec.signing_key_variable for spec in SERVICES)}
    verifier = cc.Verifier.from_text(values[cc.TRUSTED_KEYS_ENV])
    for issuer, variable in [("gateway", cc.GATEWAY_KEY_ENV)] + [
            (cc.service_issuer(spec.name), spec.signing_key_variable) for spec in SERVICES]:
        signer = cc.Signer.from_text(issuer, values[variable], variable, timeout=4)
        assert verifier.verify(signer.sign("roster", "m", [], {}), "roster", "m", []).issuer == issuer
    assert run_cli("generate-keys", "--export").startswith("export LIUDONG_")


def test_new_key_prints_a_key_and_the_entry_that_trusts_it():
    values = lines_of(run_cli("new-key", "service:roster"))
    signer = cc.Signer.from_text("service:roster", values["SIGNING_KEY"], "key", timeout=4)
    verifier = cc.Verifier.from_text(values["TRUSTED_ENTRY"])
    assert verifier.verify(signer.sign("roster", "m", [], {}), "roster", "m", []).issuer == "service:roster"


def test_an_older_secrets_file_gets_the_keys_it_lacks_and_keeps_those_it_has(tmp_path):
    secrets = tmp_path / "secrets.env"
    secrets.write_text("LIUDONG_TOKEN_SECRET=kept\n")
    secrets.write_text(secrets.read_text() + run_cli("generate-keys", "--missing-from", str(secrets)))
    first = lines_of(secrets.read_text())
    assert first["LIUDONG_TOKEN_SECRET"] == "kept" and cc.GATEWAY_KEY_ENV in first
    assert run_cli("generate-keys", "--missing-from", str(secrets)) == ""  # nothing more to add

    # A service added since (its key line missing): a key for it alone, its public key added to the list.
    without_roster = [line for line in secrets.read_text().splitlines() if not line.startswith("LIUDONG_ROSTER_")]
    secrets.write_text("\n".join(without_roster) + "\n")
    added = lines_of(run_cli("generate-keys", "--missing-from", str(secrets)))
    assert set(added) == {"LIUDONG_ROSTER_SIGNING_KEY", cc.TRUSTED_KEYS_ENV}
    assert added[cc.TRUSTED_KEYS_ENV].startswith(first[cc.TRUSTED_KEYS_ENV] + ",service:roster:")


@pytest.mark.parametrize("spec", __import__("contracts.platform", fromlist=["SERVICES"]).SERVICES,
                         ids=lambda spec: spec.name)
def test_every_rpc_of_every_service_but_ping_needs_a_signed_context(spec):
    import importlib
    import inspect

    from nameko.rpc import Rpc

    from services.common.rpc import ScopedRpc

    module = importlib.import_module(spec.module)
    (service_class,) = [c for _, c in inspect.getmembers(module, inspect.isclass)
                        if c.__module__ == module.__name__ and getattr(c, "name", None) == spec.name]
    entrypoints = {name: extension for name, method in inspect.getmembers(service_class)
                   for extension in getattr(method, "nameko_entrypoints", ()) if isinstance(extension, Rpc)}
    assert "ping" in entrypoints and not isinstance(entrypoints["ping"], ScopedRpc)
    unscoped = [name for name, extension in entrypoints.items() if name != "ping" and not isinstance(extension, ScopedRpc)]
    assert unscoped == [], f"{spec.name}: these RPCs run without a verified caller context"
