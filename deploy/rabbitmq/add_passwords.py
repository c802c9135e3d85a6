"""Fill the broker users' password hashes into the definitions RabbitMQ loads at boot.

    python deploy/rabbitmq/add_passwords.py SOURCE TARGET

SOURCE is deploy/rabbitmq/definitions.json (rendered by ``python -m deploy.render``
from deploy/broker.py: users with permissions but no hash). Each user
``liudong-<role>`` takes its password from ``LIUDONG_<ROLE>_AMQP_PASSWORD``; a
missing one is an error, never a default. TARGET gets the same document with
RabbitMQ's salted SHA-256 hashes, so no password is ever written in clear.
docker-compose.yml runs this (the ``rabbitmq-definitions`` one-shot) before the
broker starts; a changed password takes effect at the broker's next start.
Standard library only.
"""
import base64
import hashlib
import json
import os
import secrets
import sys

PREFIX = "liudong-"


def password_hash(password: str) -> str:
    """``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password))."""
    salt = secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def variable(user_name: str) -> str:
    role = user_name.removeprefix(PREFIX)
    return f"LIUDONG_{role.upper().replace('-', '_')}_AMQP_PASSWORD"


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as source:
        document = json.load(source)
    missing = [variable(user["name"]) for user in document["users"] if not os.environ.get(variable(user["name"]))]
    if missing:
        print(f"missing {', '.join(missing)}: run python -m deploy.passwords", file=sys.stderr)
        return 1
    for user in document["users"]:
        user["password_hash"] = password_hash(os.environ[variable(user["name"])])
        user["hashing_algorithm"] = "rabbit_password_hashing_sha256"
    target = argv[2]
    # RabbitMQ (another uid) reads it; hashes only, in a volume only the broker mounts.
    with open(target + ".new", "w") as out:
        json.dump(document, out, indent=2, ensure_ascii=False)
    os.chmod(target + ".new", 0o644)
    os.replace(target + ".new", target)
    print(f"wrote {target}: {len(document['users'])} users")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
