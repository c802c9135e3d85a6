"""Re-encrypt the roster's personal data under the first key, and re-index it.

Each value stays bound to its place (``members.id_number:<member id>``, see
``services.common.crypto``): it is decrypted and re-encrypted for the same row
and column, so a token that was moved to another row fails here as it would in
the service, and the command stops without rewriting that batch.

    python -m services.roster.rotate_keys --config config/roster.yml [--batch-size 500]

Rotating the encryption key:

1. ``python -m services.common.crypto new-data-key`` makes a key; put it *first*
   in ``LIUDONG_PERSONAL_DATA_KEYS`` and keep the old ones after it, then
   restart the service: new writes use the new key, old rows still decrypt.
2. Run this command with the same configuration: every row not yet under the
   first key is re-encrypted, batch by batch, each batch committed as it goes.
3. Remove the old key from ``LIUDONG_PERSONAL_DATA_KEYS`` and restart.

Rotating the index key: set the new ``LIUDONG_PERSONAL_DATA_INDEX_KEY`` and run
this command with the service stopped (lookups by ID number miss rows not yet
re-indexed); the hashes are recomputed from the decrypted values.

The command may run while the service runs: a row is rewritten only if it has
not changed since it was read (the service writes under the first key anyway).
It may be interrupted and run again: rows already current are skipped. It prints
counts only, never a value.
"""
import argparse
import sys

import sqlalchemy as sa
import yaml

from services.common.crypto import KeyConfigurationError, PersonalDataCipher, place
from persistence.engine import make_engine
from persistence.migrations import PERSONAL_DATA_CIPHER, upgrade_to_head
from services.common.tables import bind_cipher

MIGRATIONS = "services.roster:migrations"

# Raw columns: here the tokens themselves are read and written, not the values.
_members = sa.table(
    "members",
    sa.column("id", sa.String),
    sa.column("id_number", sa.Text),
    sa.column("phone", sa.Text),
    sa.column("id_number_index", sa.String),
    sa.column("phone_index", sa.String),
)
_departures = sa.table("departures", sa.column("id", sa.String), sa.column("contact", sa.Text),
                       sa.column("destination_address", sa.Text))

# issue 8: the old and new values of members' field changes (the member timeline).
_member_field_changes = sa.table("member_field_changes", sa.column("id", sa.String), sa.column("old_value", sa.Text),
                                 sa.column("new_value", sa.Text))

# table -> (encrypted columns, {index column: (encrypted column, index purpose)})
TABLES = (
    (_members, ("id_number", "phone"), {"id_number_index": ("id_number", "id_number"), "phone_index": ("phone", "phone")}),
    (_departures, ("destination_address", "contact"), {}),
    (_member_field_changes, ("old_value", "new_value"), {}),
)


def _rewrite(cipher, table, row, encrypted, indexes):
    """The new values for ``row``, or None when it is already current."""
    where = {column: place(table.name, column, row["id"]) for column in encrypted}
    plain = {column: cipher.decrypt(row[column], where[column]) for column in encrypted if row[column] is not None}
    stale = any(not cipher.is_current(row[column]) for column in plain)
    new_indexes = {index: cipher.index(plain[source], purpose) for index, (source, purpose) in indexes.items()}
    if not stale and all(row[index] == value for index, value in new_indexes.items()):
        return None
    return {**{column: cipher.encrypt(value, where[column]) for column, value in plain.items()}, **new_indexes}


def rotate_table(engine, cipher, table, encrypted, indexes, batch_size=500):
    """Returns (rows examined, rows rewritten)."""
    examined = rewritten = 0
    last_id = None
    columns = [table.c[name] for name in (*encrypted, *indexes)]
    while True:
        query = sa.select(table.c.id, *columns).order_by(table.c.id).limit(batch_size)
        if last_id is not None:
            query = query.where(table.c.id > last_id)
        with engine.begin() as connection:  # one batch, one transaction
            rows = [row._mapping for row in connection.execute(query)]
            for row in rows:
                values = _rewrite(cipher, table, row, encrypted, indexes)
                if values is None:
                    continue
                unchanged = [table.c[name] == row[name] if row[name] is not None else table.c[name].is_(None)
                             for name in encrypted]
                result = connection.execute(table.update().where(table.c.id == row["id"], *unchanged).values(values))
                rewritten += result.rowcount
        if not rows:
            return examined, rewritten
        examined += len(rows)
        last_id = rows[-1]["id"]


def rotate_personal_data(engine, cipher, batch_size=500):
    """Re-encrypt and re-index every personal value; returns {table: (examined, rewritten)}."""
    return {table.name: rotate_table(engine, cipher, table, encrypted, indexes, batch_size)
            for table, encrypted, indexes in TABLES}


def load_config(path):
    """The service's YAML config, with ``${VAR:default}`` read from the environment as ``nameko run`` does."""
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()
    with open(path) as stream:
        return yaml.safe_load(stream)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.roster.rotate_keys", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="the roster's nameko config, e.g. config/roster.yml")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    try:
        cipher = PersonalDataCipher.from_config(config)
    except KeyConfigurationError as exc:
        parser.exit(2, f"rotate_keys: {exc}\n")
    engine = make_engine(config["DATABASE_URL"])
    try:
        bind_cipher(engine, cipher)
        upgrade_to_head(engine, MIGRATIONS, **{PERSONAL_DATA_CIPHER: cipher})
        for table, (examined, rewritten) in rotate_personal_data(engine, cipher, args.batch_size).items():
            print(f"{table}: {rewritten} of {examined} row(s) re-encrypted under the first key")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
