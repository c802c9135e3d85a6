"""The gateway's Flask application: ``create_app()`` is what gunicorn serves.

Configuration comes from environment variables (defaults in brackets), and the
``config`` argument overrides them (and may hold any Flask setting too):

- ``LIUDONG_AMQP_URI`` [amqp://guest:guest@localhost:5672/]: the broker.
- ``LIUDONG_RPC_TIMEOUT`` [4]: seconds an RPC may take before the gateway
  answers 503; requests also expire in the broker after this long.
- ``LIUDONG_READY_TIMEOUT`` [1]: seconds ``/readyz`` waits, in all, for every service's ``ping``
  (Kubernetes' default probe timeout is 1 s).
- ``LIUDONG_GATEWAY_DATABASE_URL`` [sqlite:///var/gateway.db]: the gateway's own
  database of users, API keys, grants and the audit record
  (``gateway.access.models``), e.g. ``postgresql://user@host/gateway``. Its
  migrations run here at start, serialised between processes (PostgreSQL: an
  advisory lock; SQLite: a file lock), so several workers may start at once.
- ``LIUDONG_GATEWAY_MIGRATION_DATABASE_URL`` [the runtime URL]: the same
  database as the schema's owner, e.g. ``postgresql://gateway_owner@host/gateway``.
  When set, migrations run with it, and then (PostgreSQL) the runtime user of
  ``LIUDONG_GATEWAY_DATABASE_URL`` is granted only SELECT and INSERT on the
  audit tables and SELECT/INSERT/UPDATE/DELETE on the other access tables: the
  gateway's own credentials cannot rewrite the audit record. The gateway
  refuses to start when that runtime user is a superuser or owns the tables.
- ``LIUDONG_TOKEN_SECRET`` (required, at least 32 characters): the HS256 key
  that signs people's bearer tokens; the app refuses to start without it. Every
  gateway instance needs the same one; changing it logs everybody out.
  Make one with ``python -c 'import secrets; print(secrets.token_urlsafe(48))'``.
- ``LIUDONG_GATEWAY_SIGNING_KEY`` (required): the gateway's Ed25519 private key
  (base64url), which signs the caller's context on every RPC
  (``contracts.caller_context``); the services trust its public key through
  ``LIUDONG_TRUSTED_CALLER_KEYS``. The app refuses to start without it.
  ``python -m contracts.caller_context generate-keys`` makes one for the gateway
  and every service.
- ``LIUDONG_TOKEN_TTL`` [3600]: seconds a bearer token stays valid, at most
  43200 (12 hours; the app refuses to start with more).
- ``LIUDONG_RATE_LIMIT`` [300/minute]: requests per caller (``key:<id>`` or
  ``user:<id>``; the remote address when unauthenticated) over the whole API;
  flask-limiter's notation, several separated by ``;`` (``20/second;300/minute``).
  An API key issued with a limit of its own (``api_keys.rate_limit``) is held
  to that instead.
- ``LIUDONG_TOKEN_RATE_LIMIT`` [10/minute]: ``POST /api/v1/tokens`` per remote
  address, on top of the above: it is where passwords are guessed; and, counted
  apart, ``POST /api/v1/activations``, where activation codes would be.
- ``LIUDONG_SIGN_IN_ACCOUNT_RATE_LIMIT`` [5/minute;30/hour]: refused sign-ins
  per username, whatever the address; past it, sign-in for that username is
  429 until the window passes, alike for usernames that exist and that do not.
- ``LIUDONG_RATE_LIMIT_STORAGE`` [memory://]: where the counts live. ``memory://``
  counts in each worker process on its own, so N workers let through up to N
  times the limit; production uses a shared store, e.g. ``redis://host:6379/0``
  (needs the ``redis`` package). When the store is unreachable the gateway
  falls back to counting in memory rather than refusing every request.
- ``LIUDONG_TRUSTED_PROXY_HOPS`` [0]: how many reverse proxies in front of the
  gateway set ``X-Forwarded-For``; with 0 the remote address is the socket's
  peer. It decides the address that unauthenticated limits and audit records
  use, so set it only to the number of proxies you run.

Request bodies are limited to 1 MiB (413); lists to 100 items a page.
"""
import hashlib
import hmac
import os

from flask import Flask, current_app, g, jsonify, request
from flask_limiter import Limiter
from flask_smorest import Api
from limits import parse_many
from werkzeug.middleware.proxy_fix import ProxyFix

from contracts import asyncapi, caller_context
from gateway import audit, auth, docs_assets, errors, openapi
from gateway.access import credentials
from gateway.access.store import DEFAULT_URL, AccessStore
from gateway.api import (
    API_KEY_SCHEME,
    API_PREFIX,
    BEARER_SCHEME,
    RPC_EXTENSION,
    access,
    activations,
    audit_records,
    batches,
    check_ins,
    health,
    meetings,
    members,
    movements,
    organisations,
    statistics,
    tokens,
)
from gateway.rpc import RpcClient

DEFAULTS = {
    "LIUDONG_AMQP_URI": "amqp://guest:guest@localhost:5672/",
    "LIUDONG_RPC_TIMEOUT": "4",
    "LIUDONG_READY_TIMEOUT": "1",
    "LIUDONG_GATEWAY_DATABASE_URL": DEFAULT_URL,
    "LIUDONG_GATEWAY_MIGRATION_DATABASE_URL": None,
    "LIUDONG_TOKEN_SECRET": None,
    caller_context.GATEWAY_KEY_ENV: None,
    "LIUDONG_TOKEN_TTL": "3600",
    "LIUDONG_RATE_LIMIT": "300/minute",
    "LIUDONG_TOKEN_RATE_LIMIT": "10/minute",
    "LIUDONG_SIGN_IN_ACCOUNT_RATE_LIMIT": "5/minute;30/hour",
    "LIUDONG_RATE_LIMIT_STORAGE": "memory://",
    "LIUDONG_TRUSTED_PROXY_HOPS": "0",
}
SECONDS = ("LIUDONG_RPC_TIMEOUT", "LIUDONG_READY_TIMEOUT")
RATE_LIMITS = ("LIUDONG_RATE_LIMIT", "LIUDONG_TOKEN_RATE_LIMIT", "LIUDONG_SIGN_IN_ACCOUNT_RATE_LIMIT")

OPENAPI = {
    "API_TITLE": "liudong gateway",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": API_PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": docs_assets.ASSETS_PATH,  # served here: no CDN (gateway.docs_assets)
}

SECURITY_SCHEMES = {
    API_KEY_SCHEME: {
        "type": "apiKey", "in": "header", "name": auth.API_KEY_HEADER,
        "description": "a county system's API key, ld_<key id>_<secret>, limited to the key's scopes",
    },
    BEARER_SCHEME: {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "a person's token from POST /api/v1/tokens",
    },
}


# Every resource the gateway serves; create_app refuses any route among them
# that declares no permission and is not marked open.
BLUEPRINTS = (organisations, members, movements, meetings, tokens, access, activations, audit_records, health)
# 组织关系转接 (issue 8): transfer letters, their receipts and re-issues.
from gateway.api import transfers

BLUEPRINTS = (*BLUEPRINTS, transfers)
# issue 8: the county statistics, and batches of registrations and departures
BLUEPRINTS = (*BLUEPRINTS, statistics, batches)
# ---- issue 8: check-in at the destination (双报到) ----
BLUEPRINTS = BLUEPRINTS + (check_ins,)
# ---- issue 8: stations serving branches, town–community pairings ----
from gateway.api import organisation_links  # noqa: E402

BLUEPRINTS = BLUEPRINTS + (organisation_links,)
# ---- issue 8: lost contact (失联), suspension and removal ----
from gateway.api import lost_contacts  # noqa: E402

BLUEPRINTS = BLUEPRINTS + (lost_contacts,)

# ---- issue 8: member field changes and the member timeline ----
from gateway.api import member_timeline  # noqa: E402

BLUEPRINTS = BLUEPRINTS + (member_timeline,)

# ---- issue 8: computed member status, its history ----
from gateway.api import member_status  # noqa: E402

BLUEPRINTS = BLUEPRINTS + (member_status,)
# flask-smorest's own routes: the OpenAPI document and its interactive page.
DOCUMENT_ENDPOINTS = ("api-docs.openapi_json", "api-docs.openapi_swagger_ui")
SIGN_IN_ENDPOINT = "tokens.Tokens"  # POST /api/v1/tokens, the only method it has


class ConfigurationError(ValueError):
    """The gateway cannot start with this configuration; the message says what to set."""


class GatewayApi(Api):
    ERROR_SCHEMA = errors.ErrorSchema

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)


def create_app(config: dict | None = None, rpc=None) -> Flask:
    """Build the application; ``rpc`` replaces the broker client (tests pass a fake).

    A fake needs one method: ``call(service, method, *args, scope=None, timeout=None)``.
    """
    app = Flask(__name__, static_folder=None)  # it serves no files: no route that nobody declared
    app.config.update(OPENAPI)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app.config.update({key: os.environ.get(key, default) for key, default in DEFAULTS.items()})
    app.config.update(config or {})
    _check_config(app.config)

    # Chinese labels read better unescaped; keys keep the schemas' order.
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    hops = app.config["LIUDONG_TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    access_store = AccessStore(
        app.config["LIUDONG_GATEWAY_DATABASE_URL"], migration_url=app.config["LIUDONG_GATEWAY_MIGRATION_DATABASE_URL"],
    )
    access_store.migrate()
    app.extensions[auth.ACCESS_EXTENSION] = auth.AccessSettings(
        store=access_store, token_secret=app.config["LIUDONG_TOKEN_SECRET"],
        token_ttl=app.config["LIUDONG_TOKEN_TTL"],
    )
    app.extensions[RPC_EXTENSION] = rpc if rpc is not None else RpcClient(
        app.config["LIUDONG_AMQP_URI"], app.config["LIUDONG_RPC_TIMEOUT"], signer=_signer(app.config),
    )

    api = GatewayApi(app, spec_kwargs={"marshmallow_plugin": openapi.MarshmallowPlugin()})
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    for module in BLUEPRINTS:
        api.register_blueprint(module.blp)
    errors.register(app)
    for endpoint in DOCUMENT_ENDPOINTS:
        app.view_functions[endpoint] = auth.open_route(app.view_functions[endpoint])

    # The event catalogue, beside the OpenAPI document: built once, it only
    # changes with the code.
    events_document = asyncapi.document()
    app.add_url_rule(f"{API_PREFIX}/asyncapi.json", "asyncapi", auth.open_route(lambda: jsonify(events_document)))
    docs_assets.register(app)

    undeclared = auth.undeclared_routes(app)
    if undeclared:
        raise ConfigurationError(
            "every route declares the permission it needs (@blp.requires) or is marked open (@blp.open, "
            "gateway.auth.open_route); these do neither: " + "; ".join(undeclared)
        )

    # Order matters: the caller is identified before the limiter counts the
    # request against them, and refused (401/403) after, so that failed
    # credentials are counted too. After-request hooks run in reverse order:
    # finish_response sees the limiter's headers.
    app.before_request(auth.start_request)
    app.before_request(auth.identify)
    app.after_request(auth.finish_response)
    default_limit = app.config["LIUDONG_RATE_LIMIT"]
    limiter = Limiter(
        key_func=auth.rate_limit_key,
        # Evaluated per request: a key's own limit, or the platform's.
        application_limits=[lambda: g.get("caller_rate_limit") or default_limit],
        storage_uri=app.config["LIUDONG_RATE_LIMIT_STORAGE"],
        headers_enabled=True,
        in_memory_fallback_enabled=True,
        key_prefix="liudong-gateway",
    )
    limiter.init_app(app)
    limiter.exempt(health.blp)
    limiter.limit(app.config["LIUDONG_TOKEN_RATE_LIMIT"], key_func=_remote_address,
                  on_breach=_sign_in_throttled("address"))(tokens.blp)
    limiter.limit(app.config["LIUDONG_TOKEN_RATE_LIMIT"], key_func=_remote_address)(activations.blp)
    # Only refused sign-ins count (deduct_when), so a person who types their
    # password right is never throttled by their own successes; once over, a
    # right password is 429 too, or the limit would tell when a guess was right.
    limiter.limit(app.config["LIUDONG_SIGN_IN_ACCOUNT_RATE_LIMIT"], key_func=_sign_in_account,
                  exempt_when=lambda: request.endpoint != SIGN_IN_ENDPOINT,
                  deduct_when=lambda response: response.status_code == 401,
                  on_breach=_sign_in_throttled("account"))(tokens.blp)
    app.before_request(auth.enforce)
    return app


def _signer(config):
    """What signs the caller's context on every RPC; only the real client needs it."""
    try:
        return caller_context.Signer.from_text(caller_context.GATEWAY, config.get(caller_context.GATEWAY_KEY_ENV),
                                               caller_context.GATEWAY_KEY_ENV, config["LIUDONG_RPC_TIMEOUT"])
    except caller_context.KeyConfigurationError as exc:
        raise ConfigurationError(str(exc)) from None


def _remote_address():
    return f"address:{request.remote_addr}"


def _sign_in_account():
    """The username a sign-in is for, as an HMAC keyed by the token secret: people type
    passwords into that field, and the counts live in the limiter's store (Redis), where a
    plain digest of a password could be guessed back. A body without one is 400 or 422,
    never a refused sign-in, so its shared bucket never fills."""
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else None
    if not isinstance(username, str) or not username:
        return "account:none"
    secret = current_app.config["LIUDONG_TOKEN_SECRET"].encode()
    return "account:" + hmac.new(secret, username.encode(), hashlib.sha256).hexdigest()


def _sign_in_throttled(counted_per):
    """Audit a throttled request to the token endpoints (never the username: it may be a
    password); the answer itself is the usual 429, the same for every username."""

    def on_breach(limit):
        audit.record("authentication.throttled", outcome="denied", status=429,
                     details={"counted_per": counted_per, "limit": str(limit.limit)})

    return on_breach


def _check_config(config):
    secret = config.get("LIUDONG_TOKEN_SECRET")
    if not secret:
        raise ConfigurationError(
            "LIUDONG_TOKEN_SECRET is not set: the gateway signs people's tokens with it and will not start "
            "without one. Set it to at least 32 random characters, the same for every gateway instance, e.g. "
            "the output of: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if len(secret) < credentials.MIN_TOKEN_SECRET_LENGTH:
        raise ConfigurationError(
            f"LIUDONG_TOKEN_SECRET is {len(secret)} characters long; it must be at least "
            f"{credentials.MIN_TOKEN_SECRET_LENGTH} (HS256 needs a 256-bit key)"
        )
    for key in SECONDS:
        try:
            config[key] = float(config[key])
        except (TypeError, ValueError):
            raise ConfigurationError(f"{key} must be a number of seconds, not {config[key]!r}") from None
    for key in ("LIUDONG_TOKEN_TTL", "LIUDONG_TRUSTED_PROXY_HOPS"):
        try:
            config[key] = int(config[key])
            if config[key] < (1 if key == "LIUDONG_TOKEN_TTL" else 0):
                raise ValueError
        except (TypeError, ValueError):
            raise ConfigurationError(f"{key} must be a whole number, not {config[key]!r}") from None
    if config["LIUDONG_TOKEN_TTL"] > credentials.MAX_TOKEN_TTL:
        raise ConfigurationError(
            f"LIUDONG_TOKEN_TTL is {config['LIUDONG_TOKEN_TTL']} seconds; it may be at most "
            f"{credentials.MAX_TOKEN_TTL} (12 hours): a token that leaks works until it expires"
        )
    for key in RATE_LIMITS:
        try:
            parse_many(config[key])
        except ValueError:
            raise ConfigurationError(
                f"{key} must be a rate limit such as '300/minute' or '20/second;300/minute', not {config[key]!r}"
            ) from None

# ---- issue 8: pocket members (口袋党员) ----
from gateway.api import pocket_members  # noqa: E402

BLUEPRINTS = BLUEPRINTS + (pocket_members,)

# ---- issue 9: education: talks and trainings ----
from gateway.api import pushes, study, talks, technical_leaders, trainings  # noqa: E402

BLUEPRINTS = BLUEPRINTS + (talks, trainings, study, pushes, technical_leaders)

# ---- issue 10: scoring ----
from gateway.api import grading, score_entries, score_ledger, scoring_rules

BLUEPRINTS = BLUEPRINTS + (scoring_rules, score_ledger, score_entries, grading)

# ---- issue 11: outreach ----
from gateway.api import (
    care,
    contacts,
    help_cases,
    help_pairings,
    homecoming_projects,
    reserve,
    volunteering,
)

BLUEPRINTS = BLUEPRINTS + (help_pairings, contacts, care, help_cases, volunteering, homecoming_projects, reserve)
