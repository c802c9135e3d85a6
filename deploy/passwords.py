"""Every password docker-compose.yml (and the k8s secret) needs, freshly made.

    python -m deploy.passwords [--missing] >> ../liudong-secrets.env

One line ``NAME=value`` per password: each broker user's
(``LIUDONG_<USER>_AMQP_PASSWORD``, deploy/broker.py), each database role's
(``LIUDONG_<ROLE>_DATABASE_PASSWORD``, see ``deploy.render.database_roles``) and
PostgreSQL's superuser's (``LIUDONG_POSTGRES_PASSWORD``). ``--missing``: only
those not set in the environment. URL-safe, so they go into URIs as they are.
Nothing has a default: compose refuses to start without them.
"""
import argparse
import os
import sys

from contracts.platform import SERVICES
from deploy import broker, render


def variables(services=SERVICES) -> list:
    return [
        *(user.password_variable for user in broker.users(services)),
        *(render.database_password_variable(role) for role, _ in render.database_roles(services)),
        render.POSTGRES_PASSWORD_VARIABLE,
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.passwords", description=__doc__.split("\n\n")[0])
    parser.add_argument("--missing", action="store_true", help="only the variables not set in the environment")
    args = parser.parse_args(argv)
    for variable in variables():
        if not (args.missing and os.environ.get(variable)):
            print(f"{variable}={broker.new_password()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
