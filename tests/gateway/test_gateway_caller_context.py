"""The gateway's signing key: required, checked at start, and used on every call that carries a scope."""
import pytest

from contracts import caller_context
from gateway.app import ConfigurationError, create_app
from gateway.rpc import RpcClient


@pytest.mark.parametrize("value", [None, "", "not-a-key"])
def test_the_gateway_refuses_to_start_without_a_valid_signing_key(monkeypatch, value):
    if value is None:
        monkeypatch.delenv(caller_context.GATEWAY_KEY_ENV)
    else:
        monkeypatch.setenv(caller_context.GATEWAY_KEY_ENV, value)
    with pytest.raises(ConfigurationError, match=caller_context.GATEWAY_KEY_ENV):
        create_app()


def test_the_broker_client_signs_as_the_gateway_with_the_configured_key():
    app = create_app({"LIUDONG_RPC_TIMEOUT": "3"})
    client = app.extensions["liudong.rpc"]
    assert isinstance(client, RpcClient)
    assert client.signer.issuer == "gateway" and client.signer.lifetime == 3 + caller_context.MARGIN
    trusted = caller_context.parse_trusted_keys(caller_context.trusted_entry(
        "gateway", app.config[caller_context.GATEWAY_KEY_ENV]))
    assert client.signer.key_id in trusted
