"""Gateway tests: plain pytest, no eventlet patching (run with ``-p no:nameko``).

Most tests inject :class:`FakeRpc` into ``create_app``; test_gateway_broker uses
the local RabbitMQ. Helpers are fixtures, because test modules importing
``conftest`` could get another suite's conftest when the whole tree runs.

Every test gets its own access database (SQLite under ``tmp_path``) and a token
secret through the environment, as a deployment would. ``client`` is
authenticated with a platform-wide system_integration key holding every scope
a key may hold; ``anonymous`` sends no credential; ``access`` makes users, keys
and grants directly in the app's access database.
"""
import socket
import uuid
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher

from contracts import caller_context, roster
from gateway.access import credentials, management, policy, store
from gateway.access.authorisation import KEY, USER
from gateway.app import create_app
from gateway.auth import ACCESS_EXTENSION
from tests.support import id_number, wait_for

TOKEN_SECRET = "tests-only-token-secret-0123456789abcdefghijklmnop"
# The caller-context keys of these tests: the gateway's, and what a service would trust.
CALLER_KEYS = caller_context.generate_keys()
ALL_KEY_SCOPES = sorted(policy.ROLE_PERMISSIONS[policy.SYSTEM_INTEGRATION])


class FakeRpc:
    """Stands in for ``gateway.rpc.RpcClient``: records calls, answers what it was told."""

    def __init__(self):
        self.calls = []
        self._replies = {}

    def will_answer(self, method, reply, service=roster.SERVICE_NAME):
        """``reply``: a value, an exception to raise, or a function of the call's args."""
        self._replies[(service, method)] = reply

    def call(self, service, method, *args, scope=None, timeout=None):
        # Recorded as the service receives them: the scope last (signed by the real client).
        if scope is not None:
            args = (*args, scope)
        self.calls.append((service, method, args))
        if (service, method) not in self._replies and method == "ping":
            # Readiness pings every service: what roster's ping was told, the others answer alike.
            service = roster.SERVICE_NAME
        reply = self._replies[(service, method)]
        if isinstance(reply, BaseException):
            raise reply
        if callable(reply):
            return reply(*args)
        return reply


@pytest.fixture(autouse=True)
def gateway_environment(monkeypatch, tmp_path):
    """What every gateway needs: a token secret, a key that signs its calls and its own access database."""
    monkeypatch.setenv("LIUDONG_TOKEN_SECRET", TOKEN_SECRET)
    for name, value in CALLER_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LIUDONG_GATEWAY_DATABASE_URL", f"sqlite:///{tmp_path}/gateway.db")
    for name in ("LIUDONG_RATE_LIMIT", "LIUDONG_TOKEN_RATE_LIMIT", "LIUDONG_SIGN_IN_ACCOUNT_RATE_LIMIT", "LIUDONG_RATE_LIMIT_STORAGE",
                 "LIUDONG_TOKEN_TTL", "LIUDONG_TRUSTED_PROXY_HOPS",
                 "LIUDONG_GATEWAY_MIGRATION_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """argon2id at its smallest: the tests check the flow, not the cost (about 0.2 s a hash otherwise)."""
    monkeypatch.setattr(credentials, "password_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.setattr(credentials, "_DUMMY_HASH", None)


@pytest.fixture
def fake_rpc():
    return FakeRpc()


@pytest.fixture
def app(fake_rpc):
    return create_app({"TESTING": True}, rpc=fake_rpc)


class Access:
    """Makes principals straight in an app's access database, as the CLI would."""

    def __init__(self, app):
        self.app = app
        self.store = app.extensions[ACCESS_EXTENSION].store

    def key(self, scopes=ALL_KEY_SCOPES, organisation_id=None, name="县人社局对接", rate_limit=None):
        """A new API key with a system_integration grant; answers (key id, the whole key)."""
        with self.store.begin() as conn:
            key, plaintext = management.create_api_key(conn, name=name, owner="县委组织部", scopes=scopes, actor="tests",
                                                       rate_limit=rate_limit)
            management.create_grant(
                conn, kind=KEY, principal_id=key["id"], role=policy.SYSTEM_INTEGRATION,
                organisation_id=_str(organisation_id), actor="tests",
            )
        return key["id"], plaintext

    def user(self, *grants, member_id=None, username=None, password="correct horse battery"):
        """A new active user holding ``grants``: roles, or (role, organisation_id) pairs."""
        username = username or f"user-{uuid.uuid4().hex[:10]}"
        with self.store.begin() as conn:
            user, _ = management.create_user(
                conn, username=username, display_name=username, password=password, member_id=member_id, actor="tests",
            )
            for grant in grants:
                role, organisation_id = grant if isinstance(grant, tuple) else (grant, None)
                management.create_grant(
                    conn, kind=USER, principal_id=user["id"], role=role, organisation_id=_str(organisation_id),
                    actor="tests",
                )
        return user

    def token(self, user, ttl=3600, secret=TOKEN_SECRET, now=None):
        """A token as signing in would issue it now: with the user's current token generation."""
        with self.store.connect() as conn:
            row = store.get_user(conn, user["id"])
        generation = row["token_generation"] if row else 0
        return credentials.issue_token(user["id"], secret, ttl, now=now, generation=generation)

    def bearer(self, user, **kwargs):
        return {"Authorization": f"Bearer {self.token(user, **kwargs)}"}

    def client(self, headers):
        """A test client that sends ``headers`` with every request."""
        client = self.app.test_client()
        for name, value in headers.items():
            client.environ_base[f"HTTP_{name.upper().replace('-', '_')}"] = value
        return client

    def user_client(self, *grants, **kwargs):
        user = self.user(*grants, **kwargs)
        return self.client(self.bearer(user)), user

    def key_client(self, scopes=ALL_KEY_SCOPES, organisation_id=None):
        key_id, key = self.key(scopes, organisation_id)
        return self.client({"X-API-Key": key}), key_id


def _str(value):
    return None if value is None else str(value)


@pytest.fixture
def access(app):
    return Access(app)


@pytest.fixture
def system_key(access):
    """(key id, key): platform-wide, every scope a key may hold."""
    return access.key()


@pytest.fixture
def client(access, system_key):
    return access.client({"X-API-Key": system_key[1]})


@pytest.fixture
def scope(system_key):
    """The scope ``client``'s calls carry."""
    return {"organisation_ids": None, "member_id": None, "reveal": ["id_number", "birth_date", "phone", "contact", "destination_address"], "principal": f"key:{system_key[0]}"}


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def access_for():
    """``access_for(app)``: the ``access`` helper for any app."""
    return Access


@pytest.fixture
def keyed_client():
    """``keyed_client(app)``: a test client of any app, with a new platform-wide key of every scope."""
    return lambda app, **kwargs: Access(app).key_client(**kwargs)[0]


# ---- replies as roster sends them: dumped by the contract schemas ---------
# Overrides are given JSON-ready, as they would appear in the reply.

NOW = datetime(2025, 3, 1, 8, 30, tzinfo=timezone.utc)


def organisation_reply(**fields):
    values = {
        "id": uuid.uuid4(), "name": "城关镇党委", "kind": "party_committee", "kind_label": "党委",
        "parent_id": None, "location": None, "depth": 0, "created_at": NOW,
    }
    return {**roster.OrganisationSchema().dump(values), **fields}


def tree_reply(root, children=()):
    return {**root, "children": list(children)}


def member_reply(**fields):
    values = {
        "id": uuid.uuid4(), "name": "张三", "gender": "male", "birth_date": date(1985, 3, 2),
        "id_number": id_number("1985-03-02", 1, "620922"), "phone": "13800000000", "joined_on": date(2010, 7, 1),
        "membership": "full", "organisation_id": uuid.uuid4(), "status": "normal",
        "current_departure": None, "registered_at": NOW, "birth_year": 1985,
    }
    return {**roster.MemberSchema().dump(values), **fields}


def departure_reply(**fields):
    values = {
        "id": uuid.uuid4(), "member_id": uuid.uuid4(), "reported": True, "departed_on": date(2025, 3, 1),
        "destination_province": "新疆维吾尔自治区", "destination_city": "乌鲁木齐市", "destination_address": None,
        "work": "建筑", "expected_return_on": date(2025, 12, 20), "contact": "13900000000",
        "returned_on": None, "reported_at": NOW, "returned_reported_at": None,
    }
    return {**roster.DepartureSchema().dump(values), **fields}


def page_reply(items, page=1, per_page=20, total=None):
    return {"items": items, "page": page, "per_page": per_page, "total": len(items) if total is None else total}


@pytest.fixture
def replies():
    """Builders of roster's JSON replies, for the fake to answer with."""
    return SimpleNamespace(
        organisation=organisation_reply, tree=tree_reply, member=member_reply,
        departure=departure_reply, page=page_reply,
    )


# ---- real processes and sockets --------------------------------------------

@pytest.fixture
def unused_port():
    """A free local port for a server the test starts (released, so the server can bind it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dead_port():
    """A local port that refuses connections: held bound, never listening, for the whole test."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


@pytest.fixture
def poll():
    """``poll(condition, timeout, message)``: wait with a deadline, never a bare sleep."""
    return wait_for
