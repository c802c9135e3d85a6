"""Finding 1 of issue 7, the forged scope over the broker: whoever holds broker
credentials publishes RPC requests straight to ``nameko-rpc``, as an insider
would, to the real roster service on PostgreSQL. Only a context the gateway
signed, for this method, these arguments, not expired and not used before,
gets an answer; everything else is refused with ``caller_not_trusted``, logged
as a warning with the reason, reveals nothing and changes nothing."""
import json
import logging
import socket
import time
import uuid

import kombu
import psycopg2
import pytest
from nameko.rpc import get_rpc_exchange

from contracts import caller_context, platform
from contracts.access import unrestricted
from contracts.platform import ServiceSpec
from tests.integration.rpc import ADMIN, call
from tests.support import CALLER_KEYS, GATEWAY_SIGNER, id_number, scalar, signed, wait_for

PERSON = {"name": "甲", "gender": "female", "birth_date": "1985-03-02", "id_number": id_number("1985-03-02", 118),
          "phone": "13900000011", "joined_on": "2010-07-01"}
EVERYTHING = {"organisation_ids": None, "reveal": ["id_number", "phone", "contact"], "principal": "user:insider"}


class Insider:
    """Publishes raw RPC requests with the broker's credentials and reads the replies."""

    def __init__(self, amqp_uri):
        self.connection = kombu.Connection(amqp_uri)
        self.channel = self.connection.channel()
        self.routing_key = f"insider-{uuid.uuid4().hex}"
        self.replies = {}
        queue = kombu.Queue(f"rpc.reply-insider-{self.routing_key}", get_rpc_exchange({}), routing_key=self.routing_key,
                            exclusive=True, auto_delete=True)
        self.consumer = kombu.Consumer(self.channel, [queue], callbacks=[self._on_reply], accept=["json"], no_ack=True)
        self.consumer.consume()
        self.producer = kombu.Producer(self.channel, exchange=get_rpc_exchange({}), serializer="json")

    def publish(self, method, *args, body=None):
        """Publish ``roster.method(*args)`` (or the exact ``body`` given); its correlation id."""
        correlation_id = str(uuid.uuid4())
        message = body if body is not None else json.dumps({"args": list(args), "kwargs": {}})
        self.producer.publish(message, routing_key=f"roster.{method}", reply_to=self.routing_key,
                              correlation_id=correlation_id, content_type="application/json", content_encoding="utf-8")
        return correlation_id

    def reply(self, correlation_id, timeout=20):
        deadline = time.monotonic() + timeout
        while correlation_id not in self.replies:
            assert time.monotonic() < deadline, "no reply from roster"
            try:
                self.connection.drain_events(timeout=0.2)
            except socket.timeout:
                pass
        return self.replies.pop(correlation_id)

    def call(self, method, *args):
        return self.reply(self.publish(method, *args))

    def close(self):
        self.connection.close()

    def _on_reply(self, body, message):
        self.replies[message.properties["correlation_id"]] = body


@pytest.fixture
def insider(rabbit_config, roster):
    insider = Insider(rabbit_config["AMQP_URI"])
    yield insider
    insider.close()


@pytest.fixture
def member(roster):
    county = call(roster, "create_organisation", {"name": "高台县委", "kind": "party_committee"})
    branch = call(roster, "create_organisation", {"name": "A1村党支部", "kind": "branch", "parent_id": county["id"]})
    member = call(roster, "register_member", {**PERSON, "organisation_id": branch["id"]})
    call(roster, "report_departure", member["id"], {"destination_province": "甘肃省", "destination_city": "酒泉市",
                                                    "work": "建筑工地", "contact": "weixin_jia_2026"})
    return member


def refused(reply, reason=None):
    """The reply is a caller_not_trusted refusal (with ``reason``) and reveals nothing."""
    assert reply["result"] is None, reply
    error = reply["error"]
    assert error["exc_type"] == "ServiceError", error
    code, _message, details = error["exc_args"]
    assert code == "caller_not_trusted", error
    if reason is not None:
        assert details == {"reason": reason}
    text = json.dumps(reply, ensure_ascii=False)
    for secret in (PERSON["id_number"], PERSON["phone"], "weixin_jia_2026", PERSON["name"]):
        assert secret not in text
    return details["reason"]


def warned(caplog, reason):
    return [r for r in caplog.records if r.levelno == logging.WARNING and "refused a call to roster." in r.getMessage()
            and f": {reason} (" in r.getMessage()]


def test_a_self_made_scope_over_the_broker_gets_no_personal_data_and_is_refused(insider, member, database_url, caplog):
    caplog.set_level(logging.WARNING, logger="services.common.rpc")
    organisations = scalar(database_url, "SELECT count(*) FROM organisations")

    for method, args in [("get_member", (member["id"],)), ("find_member_by_id_number", (PERSON["id_number"],)),
                         ("list_members", ({},)), ("export_members", ({},)),
                         ("organisation_tree_page", (None, 500)),
                         ("create_organisation", ({"name": "假县委", "kind": "party_committee"},))]:
        assert refused(insider.call(method, *args, EVERYTHING), "unsigned") == "unsigned"
    # Without any context at all, too.
    refused(insider.call("get_member", member["id"]), "malformed")

    assert scalar(database_url, "SELECT count(*) FROM organisations") == organisations  # nothing ran
    assert warned(caplog, "unsigned")
    assert not any(PERSON["id_number"] in r.getMessage() for r in caplog.records)
    # ping reveals nothing and needs no context (the gateway's readiness check).
    assert insider.call("ping") == {"result": {"status": "ok"}, "error": None}


def test_a_correctly_signed_call_over_the_broker_works(insider, member):
    reply = insider.call("get_member", member["id"], signed("roster", "get_member", [member["id"]], ADMIN))
    assert reply["error"] is None
    assert reply["result"]["id_number"] == PERSON["id_number"] and reply["result"]["phone"] == PERSON["phone"]


def test_a_forged_signature_is_refused(insider, member):
    narrow = {"organisation_ids": [], "member_id": None, "reveal": [], "principal": "key:insider"}
    header, payload, signature = signed("roster", "get_member", [member["id"]], narrow).split(".")
    claims = json.loads(caller_context._b64decode(payload))
    claims["scope"] = {**EVERYTHING, "member_id": None}
    forged = caller_context._b64encode(json.dumps(claims).encode())
    refused(insider.call("get_member", member["id"], f"{header}.{forged}.{signature}"), "bad_signature")
    # And one signed by a key of the insider's own making.
    own = caller_context.Signer(caller_context.GATEWAY, caller_context.new_private_key(), lifetime=10)
    refused(insider.call("get_member", member["id"], own.sign("roster", "get_member", [member["id"]], EVERYTHING)),
            "unknown_key")


def test_an_expired_context_is_refused(insider, member):
    long_ago = time.time() - 3600
    context = GATEWAY_SIGNER.sign("roster", "get_member", [member["id"]], ADMIN, now=long_ago)
    refused(insider.call("get_member", member["id"], context), "expired")


def test_the_same_request_published_twice_is_answered_once(insider, member, database_url, caplog):
    caplog.set_level(logging.WARNING, logger="services.common.rpc")
    body = json.dumps({"args": [member["id"], signed("roster", "get_member", [member["id"]], ADMIN)], "kwargs": {}})
    # Published back to back: the two may run at once; the context's id, taken in
    # each call's transaction, lets only one through.
    first, second = insider.publish("get_member", body=body), insider.publish("get_member", body=body)
    replies = [insider.reply(first), insider.reply(second)]
    answered = [reply for reply in replies if reply["error"] is None]
    assert len(answered) == 1 and answered[0]["result"]["id_number"] == PERSON["id_number"]
    refused(next(reply for reply in replies if reply["error"] is not None), "replayed")
    assert warned(caplog, "replayed")

    # A write replayed later does not happen twice either.
    payload = {"name": "B镇党委", "kind": "party_committee"}
    body = json.dumps({"args": [payload, signed("roster", "create_organisation", [payload], ADMIN)], "kwargs": {}})
    assert insider.reply(insider.publish("create_organisation", body=body))["error"] is None
    refused(insider.reply(insider.publish("create_organisation", body=body)), "replayed")
    assert scalar(database_url, "SELECT count(*) FROM organisations WHERE name = %s", "B镇党委") == 1
    assert scalar(database_url, "SELECT count(*) FROM caller_contexts") >= 2


def test_a_context_signed_for_another_method_is_refused(insider, member):
    context = signed("roster", "find_member_by_id_number", [member["id"]], ADMIN)
    refused(insider.call("get_member", member["id"], context), "wrong_audience")


def test_altered_arguments_are_refused(insider, member, roster):
    other = call(roster, "register_member", {**PERSON, "id_number": id_number("1985-03-02", 124), "phone": "13900000022",
                                             "organisation_id": member["organisation_id"]})
    # A context a narrow caller got for their own member, sent with another member's id.
    context = signed("roster", "get_member", [member["id"]], ADMIN)
    refused(insider.call("get_member", other["id"], context), "arguments_altered")


# ---- one service calling another ------------------------------------------------

def service_signer(name):
    return caller_context.Signer.from_text(caller_context.service_issuer(name),
                                           CALLER_KEYS[caller_context.service_key_env(name)], "key", timeout=10)


def refused_call(roster, method, args, context):
    from nameko.testing.services import entrypoint_hook

    from contracts.errors import ServiceError

    with entrypoint_hook(roster, method) as entrypoint:
        with pytest.raises(ServiceError) as error:
            entrypoint(*args, context)
    assert error.value.code == "caller_not_trusted"
    return error.value.details["reason"]


def test_a_service_is_believed_only_for_what_it_declares_and_never_with_a_reveal(roster, member, monkeypatch):
    welcome = service_signer("welcome")
    narrow = unrestricted("service:welcome", reveal=())
    page = welcome.sign("roster", "organisation_tree_page", [None, 500], narrow)
    # Not (yet) a service of the platform that declares the call.
    assert refused_call(roster, "organisation_tree_page", [None, 500], page) == "not_declared"

    monkeypatch.setattr(platform, "SERVICES", (*platform.SERVICES, ServiceSpec(
        "welcome", contract="contracts.roster", calls={"roster": ("organisation_tree_page",)})))
    from nameko.testing.services import entrypoint_hook

    with entrypoint_hook(roster, "organisation_tree_page") as entrypoint:
        assert len(entrypoint(None, 500, welcome.sign("roster", "organisation_tree_page", [None, 500], narrow))["items"]) == 2
    # Declared for the tree, not for members.
    get = welcome.sign("roster", "get_member", [member["id"]], narrow)
    assert refused_call(roster, "get_member", [member["id"]], get) == "not_declared"
    # Never with a reveal, even for a declared method.
    revealing = welcome.sign("roster", "organisation_tree_page", [None, 500], unrestricted("service:welcome"))
    assert refused_call(roster, "organisation_tree_page", [None, 500], revealing) == "reveal_not_allowed"


def test_a_service_without_its_keys_refuses_to_start(container_factory, service_config):
    from services.roster.service import RosterService

    for setting, variable in [("TRUSTED_CALLER_KEYS", "LIUDONG_TRUSTED_CALLER_KEYS"),
                              ("CALLER_SIGNING_KEY", "LIUDONG_ROSTER_SIGNING_KEY")]:
        container = container_factory(RosterService, {**service_config, setting: ""})
        with pytest.raises(caller_context.KeyConfigurationError, match=variable):
            container.start()


def test_the_ids_of_expired_contexts_are_deleted(container_factory, service_config, database_url):
    from services.roster.service import RosterService

    roster = container_factory(RosterService, {**service_config, "CALLER_CONTEXTS_PURGE_INTERVAL": 0.1})
    roster.start()
    call(roster, "list_members", {})  # a context whose id is kept until it expires
    live = scalar(database_url, "SELECT jti FROM caller_contexts")
    connection = psycopg2.connect(database_url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("INSERT INTO caller_contexts (jti, issuer, expires_at) "
                           "VALUES ('expired', 'gateway', now() - interval '1 second')")
    finally:
        connection.close()
    wait_for(lambda: scalar(database_url, "SELECT count(*) FROM caller_contexts WHERE jti = 'expired'") == 0,
             message="the expired id to be deleted")
    assert scalar(database_url, "SELECT jti FROM caller_contexts") == live
