"""组织关系转接 on the real roster service (PostgreSQL, RabbitMQ): the letters stored, the member moved,
the events through the outbox, the sweep run by several instances at once, bad input writing nothing."""
from datetime import date, timedelta

import eventlet
import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, text

from contracts.errors import ServiceError
from tests.integration.rpc import call
from tests.support import id_number

MEMBER = {
    "name": "王五", "gender": "male", "birth_date": "1982-06-01", "phone": "13800000003", "joined_on": "2008-07-01",
}


@pytest.fixture
def world(roster):
    county = call(roster, "create_organisation", {"name": "高台县委", "kind": "party_committee"})
    town_a = call(roster, "create_organisation", {"name": "南华镇党委", "kind": "party_committee", "parent_id": county["id"]})
    town_b = call(roster, "create_organisation", {"name": "巷道镇党委", "kind": "party_committee", "parent_id": county["id"]})
    a1 = call(roster, "create_organisation", {"name": "南华镇第1村党支部", "kind": "branch", "parent_id": town_a["id"]})
    b1 = call(roster, "create_organisation", {"name": "巷道镇第1村党支部", "kind": "branch", "parent_id": town_b["id"]})
    return {"town_a": town_a, "town_b": town_b, "a1": a1, "b1": b1}


_serial = iter(range(200, 999))


def register(roster, branch):
    return call(roster, "register_member", {**MEMBER, "id_number": id_number("1982-06-01", next(_serial)),
                                            "organisation_id": branch["id"]})


def execute(database_url, sql, **params):
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return result.all() if result.returns_rows else result.rowcount
    finally:
        engine.dispose()


def counts(database_url):
    return execute(database_url, "SELECT (SELECT count(*) FROM transfer_letters), (SELECT count(*) FROM outbox), "
                                 "(SELECT string_agg(organisation_id || status, ',' ORDER BY id) FROM members)")[0]


def backdate(database_url, transfer_id, days):
    """The letter as if issued ``days`` ago: the service's clock is the real one."""
    assert execute(database_url, "UPDATE transfer_letters SET issued_on = issued_on - :days, "
                                 "valid_until = valid_until - :days WHERE id = :id", days=days, id=transfer_id) == 1


def test_issue_and_receipt_move_the_member_with_both_events(roster, world, event_tap, database_url):
    member = register(roster, world["a1"])
    letter = call(roster, "issue_transfer", member["id"], {"to_organisation_id": world["b1"]["id"],
                                                           "dues_paid_until": "2026-11"})
    assert letter["state"] == "pending" and letter["member_name"] == "王五"
    assert date.fromisoformat(letter["valid_until"]) - date.fromisoformat(letter["issued_on"]) == timedelta(days=30)
    assert call(roster, "get_member", member["id"])["organisation_id"] == world["a1"]["id"]  # the old one is responsible

    received = call(roster, "receive_transfer", letter["id"], {})
    assert received["state"] == "received" and received["received_on"] == letter["issued_on"]
    assert call(roster, "get_member", member["id"])["organisation_id"] == world["b1"]["id"]

    event_tap.wait_for("member_transferred")
    mine = [e for e in event_tap.envelopes() if e["data"].get("member_id") == member["id"]]
    # the status follows each: pending while the letter is out, normal again (in the new branch) on receipt
    assert [(e["data"]["previous_status"], e["data"]["status"], e["data"]["organisation_id"])
            for e in mine if e["event_type"] == "member_status_changed"] == [
        ("normal", "transfer_pending", world["a1"]["id"]), ("transfer_pending", "normal", world["b1"]["id"])]
    mine = [e for e in mine if e["event_type"] != "member_status_changed"]
    assert [e["event_type"] for e in mine] == ["member_registered", "member_transfer_started", "member_transferred"]
    assert mine[1]["data"] == {
        "transfer_id": letter["id"], "member_id": member["id"], "from_organisation_id": world["a1"]["id"],
        "to_organisation_id": world["b1"]["id"], "to_name": "巷道镇第1村党支部", "issued_on": letter["issued_on"],
        "valid_until": letter["valid_until"], "dues_paid_until": "2026-11", "reissue_of": None,
    }
    assert mine[2]["data"]["transferred_out"] is False

    # Both sides keep the history.
    for organisation, direction in ((world["town_a"], "sent"), (world["town_b"], "received")):
        page = call(roster, "list_transfers", {"organisation_id": organisation["id"], "direction": direction})
        assert [t["id"] for t in page["items"]] == [letter["id"]] and page["items"][0]["state"] == "received"
    assert call(roster, "list_transfers", {"organisation_id": world["town_a"]["id"], "direction": "received"})["total"] == 0


def test_the_receiving_side_records_the_receipt(roster, world):
    from contracts.access import Scope  # noqa: F401 (documents the shape of the scopes below)

    member = register(roster, world["a1"])
    letter = call(roster, "issue_transfer", member["id"], {"to_organisation_id": world["b1"]["id"],
                                                           "dues_paid_until": "2026-11"})
    sender = {"organisation_ids": [world["town_a"]["id"]], "reveal": [], "principal": "user:a"}
    receiver = {"organisation_ids": [world["town_b"]["id"]], "reveal": [], "principal": "user:b"}
    with pytest.raises(ServiceError) as refused:
        call(roster, "receive_transfer", letter["id"], {}, scope=sender)
    assert refused.value.code == "forbidden"
    assert call(roster, "get_transfer", letter["id"], scope=receiver)["state"] == "pending"
    assert call(roster, "receive_transfer", letter["id"], {}, scope=receiver)["state"] == "received"


def test_an_expired_letter_is_refused_swept_once_by_concurrent_sweeps_and_reissued(roster, world, event_tap,
                                                                                     database_url, container_factory,
                                                                                     service_config):
    from services.roster.service import RosterService

    member = register(roster, world["a1"])
    letter = call(roster, "issue_transfer", member["id"], {"to_organisation_id": world["b1"]["id"],
                                                           "dues_paid_until": "2026-11"})
    backdate(database_url, letter["id"], 30)  # valid until today: still receivable today
    assert call(roster, "list_transfers", {"state": "pending"})["total"] == 1
    backdate(database_url, letter["id"], 1)   # valid until yesterday
    before = counts(database_url)
    with pytest.raises(ServiceError) as refused:
        call(roster, "receive_transfer", letter["id"], {})
    assert refused.value.code == "transfer_expired" and refused.value.details["valid_until"]
    assert counts(database_url) == before  # nothing written, the expiry included
    assert call(roster, "list_transfers", {"state": "expired"})["total"] == 1  # as of today all the same

    # Three instances sweep at once: one expiry, one event. One hook per container: nameko's
    # entrypoint_waiter answers the first worker of the method to finish in its container.
    others = [container_factory(RosterService, {**service_config, "OUTBOX_RELAY": {"enabled": False}})
              for _ in range(2)]
    for other in others:
        other.start()
    sweeps = [eventlet.spawn(_sweep, container) for container in (roster, *others)]
    [sweep.wait() for sweep in sweeps]
    assert execute(database_url, "SELECT state, expired_on IS NOT NULL, pending_for_member_id FROM transfer_letters")[0] \
        == ("expired", True, None)
    [expired] = event_tap.wait_for("member_transfer_expired")
    assert expired["data"]["transfer_id"] == letter["id"]
    assert execute(database_url, "SELECT count(*) FROM outbox WHERE event_type = 'member_transfer_expired'")[0][0] == 1

    new = call(roster, "reissue_transfer", letter["id"], {})
    assert new["reissue_of"] == letter["id"] and new["state"] == "pending" and new["dues_paid_until"] == "2026-11"
    assert call(roster, "get_transfer", letter["id"])["reissued_as"] == new["id"]
    [_, started] = event_tap.wait_for("member_transfer_started", count=2)
    assert started["data"]["reissue_of"] == letter["id"]


def _sweep(container):
    with entrypoint_hook(container, "expire_overdue_transfers") as sweep:
        sweep()


def test_a_receipt_outside_the_platform_transfers_the_member_out(roster, world, event_tap):
    member = register(roster, world["a1"])
    letter = call(roster, "issue_transfer", member["id"], {"to_name": "昌吉市某社区党支部", "to_place": "新疆昌吉市",
                                                           "dues_paid_until": "2026-10"})
    assert letter["to_organisation_id"] is None and letter["to_place"] == "新疆昌吉市"
    call(roster, "receive_transfer", letter["id"], {})
    transferred = call(roster, "get_member", member["id"])
    assert transferred["status"] == "transferred_out" and transferred["organisation_id"] == world["a1"]["id"]
    assert call(roster, "list_members", {"status": "transferred_out"})["total"] == 1
    [event] = event_tap.wait_for("member_transferred")
    assert event["data"]["transferred_out"] is True and event["data"]["to_organisation_id"] is None


def test_bad_input_is_refused_and_writes_nothing(roster, world, database_url):
    member = register(roster, world["a1"])
    call(roster, "issue_transfer", member["id"], {"to_organisation_id": world["b1"]["id"], "dues_paid_until": "2026-11"})
    other = register(roster, world["a1"])
    before = counts(database_url)
    far = (date.today() + timedelta(days=100)).isoformat()
    for args, code, field in [
        ((member["id"], {"to_organisation_id": world["b1"]["id"], "dues_paid_until": "2026-11"}), "transfer_already_pending", None),
        ((other["id"], {"to_organisation_id": world["b1"]["id"], "dues_paid_until": "2026-11", "valid_until": far}),
         "validation_failed", "valid_until"),
        ((other["id"], {"to_organisation_id": world["b1"]["id"], "dues_paid_until": "2026/11"}), "validation_failed",
         "dues_paid_until"),
        ((other["id"], {"to_organisation_id": world["town_b"]["id"], "dues_paid_until": "2026-11"}), "not_a_branch",
         "to_organisation_id"),
        ((other["id"], {"to_organisation_id": "6a1f0d6e-0000-4000-8000-000000000000", "dues_paid_until": "2026-11"}),
         "unknown_reference", "to_organisation_id"),
        ((other["id"], {"to_name": "某党支部", "dues_paid_until": "2026-11"}), "validation_failed", "to_place"),
        (("6a1f0d6e-0000-4000-8000-000000000000", {"to_organisation_id": world["b1"]["id"], "dues_paid_until": "2026-11"}),
         "member_not_found", None),
    ]:
        with pytest.raises(ServiceError) as refused:
            call(roster, "issue_transfer", *args)
        assert refused.value.code == code, (args, refused.value)
        assert field is None or field in refused.value.details, refused.value.details
    for method, args in (("receive_transfer", ({},)), ("reissue_transfer", ({},)), ("get_transfer", ())):
        with pytest.raises(ServiceError) as refused:
            call(roster, method, "6a1f0d6e-0000-4000-8000-000000000000", *args)
        assert refused.value.code == "transfer_not_found"
    assert counts(database_url) == before
