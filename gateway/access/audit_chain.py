"""The audit record's hash chain: its encoding, and the walk that checks it.

Each audit record carries ``previous_hash`` (the ``record_hash`` of the record
appended before it; 64 zeros for the first) and ``record_hash``, the SHA-256
(lowercase hex) of this encoding, version 1, which depends on no database:

- a JSON object with exactly the keys ``action``, ``details``, ``endpoint``,
  ``occurred_at``, ``outcome``, ``previous_hash``, ``principal``,
  ``remote_addr``, ``request_id``, ``resource_ids``, ``resource_type`` and
  ``status``, null where the record has none;
- ``occurred_at`` in UTC, ISO 8601 with microseconds and offset:
  ``2026-12-02T13:47:12.123456+00:00``; ``status`` an integer; ``resource_ids``
  the record's list of strings in its order (``audit_resources`` holds the same
  ids, once each); ``details`` the JSON value as stored;
- serialised as Python's ``json.dumps(..., sort_keys=True, separators=(",", ":"),
  ensure_ascii=True, allow_nan=False)``: keys sorted at every level, no
  whitespace, every non-ASCII character escaped as ``\\uXXXX`` (lowercase hex,
  surrogate pairs beyond the BMP); hashed as those ASCII bytes.

The database's ``id`` is not hashed: it is assigned at insert, and the chain
itself fixes the order (the walk goes by id and follows the hashes, so ids
that were renumbered show as a break). Changing this encoding means a new
version, never an edit of this one: every stored hash depends on it.

The chain proves the record was not rewritten after the fact by someone
without the means to rewrite every later record too; the runtime database
role cannot rewrite any (it may only INSERT and SELECT there). The row of
``audit_chain_head`` names the last record, so that records removed from the
end show as well; ``verify-audit`` prints the head hash, which an operator may
note elsewhere to anchor the chain.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import timezone

from sqlalchemy import select

GENESIS = "0" * 64
HEAD_ID = 1
HASHED_FIELDS = (
    "occurred_at", "principal", "action", "outcome", "status", "resource_type", "resource_ids",
    "endpoint", "request_id", "remote_addr", "details",
)
_STRINGS = ("principal", "action", "outcome", "resource_type", "endpoint", "request_id", "remote_addr")
WALK_CHUNK = 1000


def _json_value(value):
    """The value as it comes back from a JSON column (tuples become lists, keys strings)."""
    return json.loads(json.dumps(value, allow_nan=False))


def normalised(values):
    """``values`` as the database will hand them back, so that the hash made at
    insert is the hash recomputed at verification."""
    result = dict(values)
    occurred_at = result["occurred_at"]
    if occurred_at.tzinfo is None:
        raise ValueError("naive occurred_at given; use an aware UTC datetime")
    result["occurred_at"] = occurred_at.astimezone(timezone.utc)
    for name in _STRINGS:
        result[name] = None if result.get(name) is None else str(result[name])
    result["status"] = None if result.get("status") is None else int(result["status"])
    result["resource_ids"] = [str(i) for i in _json_value(list(result.get("resource_ids") or []))]
    result["details"] = _json_value(result.get("details") if result.get("details") is not None else {})
    return result


def encode(record, previous_hash):
    """The bytes that are hashed (version 1; see the module's documentation)."""
    document = {name: record[name] for name in HASHED_FIELDS}
    document["occurred_at"] = record["occurred_at"].astimezone(timezone.utc).isoformat(timespec="microseconds")
    document["previous_hash"] = previous_hash
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


def record_hash(record, previous_hash):
    return hashlib.sha256(encode(record, previous_hash)).hexdigest()


# ---- verification ---------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    intact: bool
    records: int  # records checked
    head_hash: str
    broken_record_id: int | None = None
    reason: str = ""

    def message(self):
        if self.intact:
            return f"audit chain intact: {self.records} records, head {self.head_hash}"
        where = f"record {self.broken_record_id}" if self.broken_record_id is not None else "the chain head"
        return f"audit chain broken at {where}: {self.reason} ({self.records} records before it are intact)"


def verify(conn, records_table, resources_table, head_table):
    """Walk the chain in id order; the first record that breaks it, or how many are intact.

    Works while records are being appended: the walk goes on until it reaches
    the head read after it (a record and the head move in one transaction).
    """
    previous, last_id, count = GENESIS, None, 0
    while True:
        walked_from = last_id
        for batch in _batches(conn, records_table, resources_table, last_id):
            for record, resource_ids in batch:
                reason = _fault(record, resource_ids, previous)
                if reason:
                    return Verdict(False, count, previous, record["id"], reason)
                previous, last_id, count = record["record_hash"], record["id"], count + 1
        head = conn.execute(select(head_table).where(head_table.c.id == HEAD_ID)).mappings().first()
        if head is None:
            return Verdict(False, count, previous, None, "the audit_chain_head row is missing")
        behind = head["record_id"] is not None and (last_id is None or head["record_id"] > last_id)
        if behind and last_id != walked_from:
            continue  # records were appended during the walk: walk on to them
        if head["record_id"] != last_id or head["record_hash"] != previous:
            return Verdict(
                False, count, previous, None,
                f"the head names record {head['record_id']} ({head['record_hash']}) but the chain ends at record "
                f"{last_id} ({previous}): records were removed from the end, or the head was changed",
            )
        return Verdict(True, count, previous)


def _fault(record, resource_ids, previous):
    if record["previous_hash"] != previous:
        return (
            f"its previous_hash does not match the record before it ({previous}): a record before it was deleted "
            f"or altered, or this one was inserted out of chain"
        )
    if record_hash(record, record["previous_hash"]) != record["record_hash"]:
        return "its content does not match its record_hash: the record was altered"
    if resource_ids != set(record["resource_ids"]):
        return "its rows in audit_resources do not match its resource_ids: the resource index was altered"
    return None


def _batches(conn, records_table, resources_table, after):
    while True:
        query = select(records_table).order_by(records_table.c.id).limit(WALK_CHUNK)
        if after is not None:
            query = query.where(records_table.c.id > after)
        rows = [dict(row) for row in conn.execute(query).mappings()]
        if not rows:
            return
        first, last = rows[0]["id"], rows[-1]["id"]
        resources = {row["id"]: set() for row in rows}
        for record_id, resource_id in conn.execute(
            select(resources_table.c.audit_record_id, resources_table.c.resource_id)
            .where(resources_table.c.audit_record_id.between(first, last))
        ):
            resources.setdefault(record_id, set()).add(resource_id)
        yield [(row, resources[row["id"]]) for row in rows]
        after = last
