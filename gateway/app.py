"""The gateway's Flask application: ``create_app()`` is what gunicorn serves.

Configuration comes from environment variables (defaults in brackets), and the
``config`` argument overrides them (and may hold any Flask setting too):

- ``LIUDONG_AMQP_URI`` [amqp://guest:guest@localhost:5672/]: the broker.
- ``LIUDONG_RPC_TIMEOUT`` [4]: seconds an RPC may take before the gateway
  answers 503; requests also expire in the broker after this long.
- ``LIUDONG_READY_TIMEOUT`` [1]: seconds ``/readyz`` waits for ``roster.ping``
  (Kubernetes' default probe timeout is 1 s).
"""
import os

from flask import Flask
from flask_smorest import Api

from gateway import errors
from gateway.api import API_PREFIX, RPC_EXTENSION, health, members, movements, organisations
from gateway.rpc import RpcClient

DEFAULTS = {
    "LIUDONG_AMQP_URI": "amqp://guest:guest@localhost:5672/",
    "LIUDONG_RPC_TIMEOUT": "4",
    "LIUDONG_READY_TIMEOUT": "1",
}
SECONDS = ("LIUDONG_RPC_TIMEOUT", "LIUDONG_READY_TIMEOUT")

OPENAPI = {
    "API_TITLE": "liudong gateway",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": API_PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/",
}


class GatewayApi(Api):
    ERROR_SCHEMA = errors.ErrorSchema

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)


def create_app(config: dict | None = None, rpc=None) -> Flask:
    """Build the application; ``rpc`` replaces the broker client (tests pass a fake).

    A fake needs one method: ``call(service, method, *args, timeout=None)``.
    """
    app = Flask(__name__)
    app.config.update(OPENAPI)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app.config.update({key: os.environ.get(key, default) for key, default in DEFAULTS.items()})
    app.config.update(config or {})
    for key in SECONDS:
        try:
            app.config[key] = float(app.config[key])
        except (TypeError, ValueError):
            raise ValueError(f"{key} must be a number of seconds, not {app.config[key]!r}") from None

    # Chinese labels read better unescaped; keys keep the schemas' order.
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    app.extensions[RPC_EXTENSION] = rpc if rpc is not None else RpcClient(
        app.config["LIUDONG_AMQP_URI"], app.config["LIUDONG_RPC_TIMEOUT"],
    )

    api = GatewayApi(app)
    for module in (organisations, members, movements, health):
        api.register_blueprint(module.blp)
    errors.register(app)
    return app
