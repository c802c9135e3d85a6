"""Gateway tests: plain pytest, no eventlet patching (run with ``-p no:nameko``).

Most tests inject :class:`FakeRpc` into ``create_app``; test_gateway_broker uses
the local RabbitMQ. Helpers are fixtures, because test modules importing
``conftest`` could get another suite's conftest when the whole tree runs.
"""
import socket
import uuid
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from contracts import roster
from gateway.app import create_app
from tests.support import wait_for


class FakeRpc:
    """Stands in for ``gateway.rpc.RpcClient``: records calls, answers what it was told."""

    def __init__(self):
        self.calls = []
        self._replies = {}

    def will_answer(self, method, reply, service=roster.SERVICE_NAME):
        """``reply``: a value, an exception to raise, or a function of the call's args."""
        self._replies[(service, method)] = reply

    def call(self, service, method, *args, timeout=None):
        self.calls.append((service, method, args))
        reply = self._replies[(service, method)]
        if isinstance(reply, BaseException):
            raise reply
        if callable(reply):
            return reply(*args)
        return reply


@pytest.fixture
def fake_rpc():
    return FakeRpc()


@pytest.fixture
def app(fake_rpc):
    return create_app({"TESTING": True}, rpc=fake_rpc)


@pytest.fixture
def client(app):
    return app.test_client()


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
        "id_number": "62092219850302001X", "phone": "13800000000", "joined_on": date(2010, 7, 1),
        "membership": "full", "organisation_id": uuid.uuid4(), "status": "at_home",
        "current_departure": None, "registered_at": NOW,
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
