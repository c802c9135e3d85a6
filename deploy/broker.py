"""The broker's users and what each may do, built once from ``contracts.platform.SERVICES``.

    python -m deploy.broker passwords [--missing]
                                             print a fresh LIUDONG_<USER>_AMQP_PASSWORD line per
                                             user (--missing: per user whose variable is unset;
                                             scripts/start keeps them in var/secrets.env,
                                             compose and k8s take them from your secret store)
    python -m deploy.broker apply [--api URL] [--vhost NAME] [--host HOST]
                                             create or update the vhost, the users and their
                                             permissions, and the exchanges and dead-letter
                                             queues of definitions.json, on a running broker
                                             through its management API (idempotent), with the passwords
                                             from the environment; print the AMQP URI of each
                                             component as KEY=VALUE lines

The platform lives in its own vhost, ``liudong``; nobody but ``liudong-operator``
may do more there than their component needs (the broker is a trust boundary: a
user that can read a service's queue reads every request to it, and one that can
publish to ``nameko-rpc`` can call any method). The users:

``liudong-gateway``
    publishes RPC requests (routing keys ``<service>.<method>`` on ``nameko-rpc``)
    and declares, binds and reads its own reply queues ``rpc.reply-gateway-<uuid>``
    (gateway/rpc.py), bound by a bare UUID. It cannot publish a reply (a routing key
    that is a UUID), read a service's queue, or publish an event.
``liudong-<service>``
    its RPC queue ``rpc-<service>`` (bound by ``<service>.*``), its events exchange
    ``<service>.events``, its dead-letter queue, its event-handler queues (and their
    retry queues) bound to the events exchanges it subscribes to, found on the
    service class itself (``reliable_event_handler``/``event_handler`` entrypoints);
    it publishes RPC replies (UUID routing keys) and the requests its
    ``ServiceSpec.calls`` declares, with reply queues ``rpc.reply-<service>-<uuid>``.
``liudong-subscriber``
    declares and reads queues named ``watch-…``, which it may bind to the services'
    ``<service>.events`` exchanges only (scripts/watch_events.py); nothing on
    ``nameko-rpc``, no service queue, no reply queue, no publishing at all.
``liudong-operator``
    the only ``administrator``: every permission, the management UI, the dead-letter
    replay (``liudong dead-letters replay ... --amqp-uri ...``).

RabbitMQ's permission regexes are not anchored: every pattern here is ``^(...)$``.
Topic permissions on ``nameko-rpc`` restrict the routing keys a user may publish
(``write``) and bind with (``read``); without them read on the exchange would let
the gateway bind its reply queue with ``roster.*`` and receive every request.

What the patterns cannot express, and so rests on the signed caller context:
a service (writing replies) may publish to any reply routing key it learns, and a
service with event handlers publishes its retries through the default exchange
(``amq.default``), which reaches any queue by name; the broker checks write on
the exchange only. Configure on ``nameko-rpc`` and on a subscribed events
exchange (nameko declares them) would also let a component delete them: an
outage, not a leak.
"""
import argparse
import base64
import hashlib
import inspect
import json
import os
import re
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from importlib import import_module

from contracts.platform import SERVICES, ServiceSpec

VHOST = "liudong"
USER_PREFIX = "liudong"
RPC_EXCHANGE = "nameko-rpc"
DEAD_LETTER_EXCHANGE = "liudong.dead-letter"
# The default exchange, as RabbitMQ names it for permission checks.
DEFAULT_EXCHANGE = "amq.default"
# The queues a subscriber may declare and read.
SUBSCRIBER_QUEUE_PREFIX = "watch-"
GATEWAY, SUBSCRIBER, OPERATOR = "gateway", "subscriber", "operator"
# str(uuid.uuid4()): the reply routing keys and the tail of reply queue names.
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
METHOD = r"[A-Za-z_][A-Za-z0-9_]*"
LOCAL_API = "http://guest:guest@127.0.0.1:15672"


@dataclass(frozen=True)
class BrokerUser:
    """One broker user: its role in the platform and its permissions in the vhost."""

    role: str  # gateway, subscriber, operator or a service name
    name: str
    configure: str
    write: str
    read: str
    # exchange -> {"write": regex, "read": regex}
    topic: dict = field(default_factory=dict)
    tags: tuple = ()

    @property
    def password_variable(self) -> str:
        return password_variable(self.role)

    @property
    def uri_variable(self) -> str:
        return uri_variable(self.role)

    def permissions(self) -> dict:
        return {"configure": self.configure, "write": self.write, "read": self.read}


def password_variable(role) -> str:
    return f"LIUDONG_{role.upper()}_AMQP_PASSWORD"


def uri_variable(role) -> str:
    """Where each component reads its broker URI: the gateway keeps ``LIUDONG_AMQP_URI``
    (gateway/app.py), each service ``LIUDONG_<SERVICE>_AMQP_URI`` (its config's ``AMQP_URI``)."""
    return "LIUDONG_AMQP_URI" if role == GATEWAY else f"LIUDONG_{role.upper()}_AMQP_URI"


def exactly(*names) -> str:
    """One anchored regex matching exactly these names (or patterns already regexes)."""
    return "^(" + "|".join(names) + ")$"


def literal(name) -> str:
    return re.escape(name)


# ---------------------------------------------------------------- what a service declares

@dataclass(frozen=True)
class Subscription:
    source: str  # the service whose events exchange the queue is bound to
    event_type: str
    queue: str


def service_class(spec: ServiceSpec):
    """The nameko service class of ``spec`` (its ``name`` is the service's); None
    while its module is not written yet (it then subscribes to nothing: once the
    module exists the rendered files change, and ``deploy.render --check`` says so)."""
    try:
        module = import_module(spec.module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and spec.module.startswith(exc.name):
            return None
        raise
    for _, candidate in inspect.getmembers(module, inspect.isclass):
        if getattr(candidate, "name", None) == spec.name and candidate.__module__ == module.__name__:
            return candidate
    raise LookupError(f"{spec.module} defines no service class named {spec.name!r}")


def subscriptions(cls, service_name) -> list:
    """The event-handler queues the service class declares, named as nameko names them."""
    from nameko.events import BROADCAST, SERVICE_POOL, EventHandler
    from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

    found = []
    if cls is None:
        return found
    for method_name, method in inspect.getmembers(cls, callable):
        for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if not isinstance(entrypoint, EventHandler):
                continue
            if entrypoint.handler_type is SERVICE_POOL:
                queue = literal(f"evt-{entrypoint.source_service}-{entrypoint.event_type}--{service_name}.{method_name}")
            elif entrypoint.handler_type is BROADCAST:
                # One queue per instance, named after an identifier chosen at run time.
                queue = literal(f"evt-{entrypoint.source_service}-{entrypoint.event_type}--{service_name}.{method_name}-") + ".+"
            else:
                # A singleton queue (evt-<source>-<event_type>) is shared by every
                # service that uses one: no service could own it.
                raise ValueError(f"{service_name}.{method_name}: singleton event handlers cannot be given a queue of their own")
            found.append(Subscription(entrypoint.source_service, entrypoint.event_type, queue))
    return sorted(found, key=lambda s: s.queue)


def calls(spec: ServiceSpec) -> dict:
    """``ServiceSpec.calls``: service -> the methods of it this service calls."""
    return dict(getattr(spec, "calls", None) or {})


# ---------------------------------------------------------------- the users

def gateway_user(services=SERVICES, prefix=USER_PREFIX) -> BrokerUser:
    reply_queue = literal("rpc.reply-gateway-") + UUID
    own = exactly(literal(RPC_EXCHANGE), reply_queue)
    services_pattern = "|".join(literal(spec.name) for spec in services)
    return BrokerUser(
        role=GATEWAY, name=f"{prefix}-{GATEWAY}", configure=own, write=own, read=own,
        topic={RPC_EXCHANGE: {"write": f"^({services_pattern})\\.{METHOD}$", "read": f"^{UUID}$"}},
    )


def service_user(spec: ServiceSpec, cls=None, prefix=USER_PREFIX, services=SERVICES) -> BrokerUser:
    cls = cls if cls is not None else service_class(spec)
    subscribed = subscriptions(cls, spec.name)
    called = calls(spec)
    known = {other.name for other in services}
    for target in called:
        if target not in known:
            raise LookupError(f"{spec.name} calls {target!r}, which is not in contracts.platform.SERVICES")
    queues = [literal(spec.rpc_queue), literal(spec.dead_letter_queue), literal(f"rpc.reply-{spec.name}-") + UUID]
    # Retry queues (services.common.messaging): <queue>.retry.<milliseconds>.
    queues += [f"{s.queue}(\\.retry\\.[0-9]+)?" for s in subscribed]
    sources = sorted({f"{s.source}.events" for s in subscribed} - {spec.events_exchange})
    exchanges = [RPC_EXCHANGE, spec.events_exchange, DEAD_LETTER_EXCHANGE, *sources]
    publishes = [RPC_EXCHANGE, spec.events_exchange, DEAD_LETTER_EXCHANGE]
    if subscribed:
        publishes.append(DEFAULT_EXCHANGE)  # retries go to their retry queue through it
    binds_to = [RPC_EXCHANGE, DEAD_LETTER_EXCHANGE, *sources]
    if any(s.source == spec.name for s in subscribed):
        binds_to.append(spec.events_exchange)
    requests = [literal(f"{target}.{method}") for target, methods in sorted(called.items()) for method in methods]
    return BrokerUser(
        role=spec.name, name=f"{prefix}-{spec.name}",
        configure=exactly(*queues, *map(literal, exchanges)),
        write=exactly(*queues, *map(literal, publishes)),
        read=exactly(*queues, *map(literal, binds_to)),
        topic={RPC_EXCHANGE: {
            "write": exactly(UUID, *requests),  # replies, and its own calls
            "read": exactly(literal(f"{spec.name}.") + r"\*", UUID),  # its RPC queue's binding, its replies
        }},
    )


def subscriber_user(services=SERVICES, prefix=USER_PREFIX) -> BrokerUser:
    queues = literal(SUBSCRIBER_QUEUE_PREFIX) + ".+"
    return BrokerUser(
        role=SUBSCRIBER, name=f"{prefix}-{SUBSCRIBER}",
        configure=exactly(queues), write=exactly(queues),
        read=exactly(queues, *(literal(spec.events_exchange) for spec in services)),
    )


def operator_user(prefix=USER_PREFIX) -> BrokerUser:
    return BrokerUser(role=OPERATOR, name=f"{prefix}-{OPERATOR}", configure=".*", write=".*", read=".*",
                      tags=("administrator",))


def users(services=SERVICES, prefix=USER_PREFIX, classes=None) -> list:
    """Every user of the platform's vhost; ``classes`` (name -> service class)
    stands in for importing ``spec.module`` (tests)."""
    classes = classes or {}
    for spec in services:
        if spec.name in (GATEWAY, SUBSCRIBER, OPERATOR):
            raise ValueError(f"a service cannot be named {spec.name!r}: that broker user is taken")
    return [
        gateway_user(services, prefix),
        *(service_user(spec, classes.get(spec.name), prefix, services) for spec in services),
        subscriber_user(services, prefix),
        operator_user(prefix),
    ]


# ---------------------------------------------------------------- definitions (compose)

def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password))."""
    salt = salt if salt is not None else secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions_users(broker_users, vhost=VHOST, passwords=None) -> dict:
    """The users, permissions and topic permissions of a definitions file. Without
    ``passwords`` each user has an empty hash (no password login) for
    ``deploy/rabbitmq/add_passwords.py`` to fill in where the passwords are."""
    passwords = passwords or {}
    return {
        "users": [{
            "name": user.name,
            "password_hash": password_hash(passwords[user.name]) if user.name in passwords else "",
            "hashing_algorithm": "rabbit_password_hashing_sha256",
            "tags": list(user.tags),
            "limits": {},
        } for user in broker_users],
        "permissions": [{"user": user.name, "vhost": vhost, **user.permissions()} for user in broker_users],
        "topic_permissions": [
            {"user": user.name, "vhost": vhost, "exchange": exchange, **patterns}
            for user in broker_users for exchange, patterns in user.topic.items()
        ],
    }


# ---------------------------------------------------------------- a running broker

class ManagementApi:
    """The few calls of RabbitMQ's management HTTP API this needs (stdlib only)."""

    def __init__(self, url=LOCAL_API, timeout=10):
        parts = urllib.parse.urlsplit(url)
        self.base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}"
        credentials = f"{urllib.parse.unquote(parts.username or 'guest')}:{urllib.parse.unquote(parts.password or 'guest')}"
        self.headers = {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
                        "Content-Type": "application/json"}
        self.timeout = timeout

    def as_user(self, name, password):
        """The same API under another user's credentials."""
        parts = urllib.parse.urlsplit(self.base)
        name, password = (urllib.parse.quote(text, safe="") for text in (name, password))
        return ManagementApi(f"{parts.scheme}://{name}:{password}@{parts.netloc}", self.timeout)

    def request(self, method, path, body=None, missing_ok=False):
        url = self.base + "/api/" + "/".join(urllib.parse.quote(part, safe="") for part in path)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            if missing_ok and exc.code == 404:
                return None
            raise RuntimeError(f"{method} {url}: {exc.code} {exc.read().decode(errors='replace')}") from None
        return json.loads(text) if text else None


def apply(api: ManagementApi, broker_users, passwords: dict, vhost=VHOST, keep=()):
    """Create or update the vhost, every user (password, tags) and its permissions.
    Safe to run again; a topic permission no longer wanted is removed, and so is
    every other user's access to the vhost (but ``keep``'s): the management API
    grants the user that creates a vhost full rights in it, and that user is
    guest on a local broker."""
    api.request("PUT", ["vhosts", vhost], {})
    for user in broker_users:
        api.request("PUT", ["users", user.name], {"password": passwords[user.name], "tags": ",".join(user.tags)})
        api.request("PUT", ["permissions", vhost, user.name], user.permissions())
        existing = api.request("GET", ["users", user.name, "topic-permissions"], missing_ok=True) or []
        for old in existing:
            if old["vhost"] == vhost and old["exchange"] not in user.topic:
                api.request("DELETE", ["topic-permissions", vhost, user.name], missing_ok=True)
                break
        for exchange, patterns in user.topic.items():
            api.request("PUT", ["topic-permissions", vhost, user.name], {"exchange": exchange, **patterns})
    ours = {user.name for user in broker_users} | set(keep)
    for kind in ("permissions", "topic-permissions"):
        for entry in api.request("GET", ["vhosts", vhost, kind]) or []:
            if entry["user"] not in ours:
                api.request("DELETE", [kind, vhost, entry["user"]], missing_ok=True)


def apply_topology(api: ManagementApi, topology: dict, vhost=VHOST):
    """Declare what ``deploy.render.topology`` lists (exchanges, queues, bindings,
    policies), as definitions.json does at boot; declaring again is a no-op."""
    for exchange in topology["exchanges"]:
        api.request("PUT", ["exchanges", vhost, exchange["name"]],
                    {key: exchange[key] for key in ("type", "durable", "auto_delete", "internal", "arguments")})
    for queue in topology["queues"]:
        api.request("PUT", ["queues", vhost, queue["name"]],
                    {key: queue[key] for key in ("durable", "auto_delete", "arguments")})
    for binding in topology["bindings"]:
        api.request("POST", ["bindings", vhost, "e", binding["source"], "q", binding["destination"]],
                    {"routing_key": binding["routing_key"], "arguments": binding["arguments"]})
    for policy in topology["policies"]:
        api.request("PUT", ["policies", vhost, policy["name"]],
                    {key: policy[key] for key in ("pattern", "definition", "priority", "apply-to")})


def remove(api: ManagementApi, broker_users, vhost=None):
    """Delete the users (and the vhost, if given): for tests' throwaway setups."""
    for user in broker_users:
        api.request("DELETE", ["users", user.name], missing_ok=True)
    if vhost is not None:
        api.request("DELETE", ["vhosts", vhost], missing_ok=True)


def amqp_uri(user: BrokerUser, password: str, host="127.0.0.1", port=5672, vhost=VHOST) -> str:
    def quote(text):
        return urllib.parse.quote(text, safe="")

    return f"amqp://{quote(user.name)}:{quote(password)}@{host}:{port}/{quote(vhost)}"


def new_password() -> str:
    # URL-safe, so that it goes into an AMQP URI as it is (compose and k8s build the URIs).
    return secrets.token_urlsafe(32)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.broker", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    passwords_command = commands.add_parser("passwords", help="print a fresh password variable per broker user")
    passwords_command.add_argument("--missing", action="store_true",
                                   help="only for the users whose variable is not set in the environment")
    applying = commands.add_parser("apply", help="set up the vhost, users and permissions on a running broker")
    applying.add_argument("--api", default=os.environ.get("LIUDONG_RABBITMQ_API", LOCAL_API),
                          help="management API URL with an administrator's credentials [%(default)s]")
    applying.add_argument("--vhost", default=VHOST)
    applying.add_argument("--host", default="127.0.0.1", help="the broker host in the printed URIs")
    applying.add_argument("--port", type=int, default=5672)
    args = parser.parse_args(argv)
    broker_users = users()
    if args.command == "passwords":
        for user in broker_users:
            if not (args.missing and os.environ.get(user.password_variable)):
                print(f"{user.password_variable}={new_password()}")
        return 0
    missing = [user.password_variable for user in broker_users if not os.environ.get(user.password_variable)]
    if missing:
        print(f"missing {', '.join(missing)}: run python -m deploy.broker passwords", file=sys.stderr)
        return 1
    from deploy.render import topology

    passwords = {user.name: os.environ[user.password_variable] for user in broker_users}
    api = ManagementApi(args.api)
    apply(api, broker_users, passwords, args.vhost)
    # As the operator: the administrator named in --api keeps no rights in the vhost.
    operator = next(user for user in broker_users if user.role == OPERATOR)
    apply_topology(api.as_user(operator.name, passwords[operator.name]), topology(vhost=args.vhost), args.vhost)
    for user in broker_users:
        print(f"{user.uri_variable}={amqp_uri(user, passwords[user.name], args.host, args.port, args.vhost)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
