"""Bootstrap access without HTTP, on the database of ``LIUDONG_GATEWAY_DATABASE_URL``:

    python -m gateway.access create-user --username U --role R [--organisation-id ID] [--member-id ID]
    python -m gateway.access activate --username U --code C   (the new password on standard input)
    python -m gateway.access create-key --name N --owner O --scopes a,b [--organisation-id ID] [--rate-limit L]
    python -m gateway.access revoke-key --key-id ID
    python -m gateway.access grant --username U --role R [--organisation-id ID]
    python -m gateway.access disable-user --username U
    python -m gateway.access verify-audit
    python -m gateway.access migrate

The first system administrator, security officers and auditor come from here;
everything after goes through the access API. A new user gets a one-time
activation code, printed once on its own line; its owner sets their own
password with it (``activate``, or ``POST /api/v1/activations``), so the
operator never learns it. A new key is printed once and never stored. The rules
of the API hold (roles fit the principal, 三员分立, the member role needs a
member, the last auditor stays), with two exceptions: the command line trusts
the operator about organisation ids (it cannot ask roster whether one exists),
and what it grants takes effect at once, without a second person's approval:
whoever runs it holds the database's credentials, and could write any grant
into it anyway. Every change is audited as ``cli:<operating-system user>``.

``verify-audit`` walks the audit record's hash chain (``gateway.access.audit_chain``)
and exits 0 with the count of records and the head hash when it is intact, 1
naming the first record that breaks it. With
``LIUDONG_GATEWAY_MIGRATION_DATABASE_URL`` set, migrations run with that (the
schema owner's) connection, as the gateway does at start. ``migrate`` does
only that: a deployment step that holds the owner's credentials can run it, so
that the gateway itself needs only the runtime URL (at head, its own start-up
migration changes nothing and needs no more than the runtime user's rights).
"""
import argparse
import getpass
import os
import sys
import uuid

from contracts.errors import ErrorCode, ServiceError
from gateway.access import management, policy, store
from gateway.access.authorisation import KEY, USER
from gateway.access.schemas import MIN_PASSWORD_LENGTH


def main(argv=None, out=sys.stdout):
    parser = argparse.ArgumentParser(prog="python -m gateway.access", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    user = commands.add_parser("create-user", help="create a user with one role; prints a one-time activation code once")
    user.add_argument("--username", required=True)
    user.add_argument("--display-name")
    user.add_argument("--role", required=True, choices=sorted(policy.USER_ROLES))
    user.add_argument("--organisation-id", type=uuid.UUID,
                      help="the subtree of the role; left out: the whole platform. For the member role: the "
                           "member's home branch, so that the branch's security officers manage the user")
    user.add_argument("--member-id", type=uuid.UUID, help="the member this person is (needed for the member role)")

    activate = commands.add_parser(
        "activate", help="the owner sets their own password with their activation code (read from standard input)",
    )
    activate.add_argument("--username", required=True)
    activate.add_argument("--code", required=True)

    key = commands.add_parser("create-key", help="create an API key for a county system; prints the key once")
    key.add_argument("--name", required=True)
    key.add_argument("--owner", required=True)
    key.add_argument("--scopes", required=True, help=f"comma-separated, from: {','.join(sorted(policy.ROLE_PERMISSIONS[policy.SYSTEM_INTEGRATION]))}")
    key.add_argument("--organisation-id", type=uuid.UUID, help="the subtree the key works on; left out: the whole platform")
    key.add_argument("--rate-limit", help="the key's own request limit, e.g. 1200/minute; left out: LIUDONG_RATE_LIMIT")

    revoke = commands.add_parser("revoke-key", help="revoke an API key (it stays listed)")
    revoke.add_argument("--key-id", required=True, help="the id in ld_<key id>_<secret>")

    grant = commands.add_parser("grant", help="grant another role to an existing user")
    grant.add_argument("--username", required=True)
    grant.add_argument("--role", required=True, choices=sorted(policy.USER_ROLES))
    grant.add_argument("--organisation-id", type=uuid.UUID)

    disable = commands.add_parser("disable-user", help="disable a user: their tokens stop working at once")
    disable.add_argument("--username", required=True)

    commands.add_parser("migrate", help="bring the access database to head and grant the runtime user (with the migration URL)")
    commands.add_parser("verify-audit", help="check the audit record's hash chain; exits 1 naming the first broken record")

    args = parser.parse_args(argv)
    access = store.AccessStore(
        os.environ.get("LIUDONG_GATEWAY_DATABASE_URL", store.DEFAULT_URL),
        migration_url=os.environ.get("LIUDONG_GATEWAY_MIGRATION_DATABASE_URL") or None,
    )
    try:
        access.migrate()
        if args.command == "migrate":
            print("the access database is at head", file=out)
            return 0
        if args.command == "verify-audit":
            with access.connect() as conn:
                verdict = store.verify_audit_chain(conn)
            if not verdict.intact:
                parser.exit(1, verdict.message() + "\n")
            print(verdict.message(), file=out)
            return 0
        with access.begin() as conn:
            message = COMMANDS[args.command](conn, args, _actor())
    except ServiceError as exc:
        parser.exit(2, f"refused: {exc.message} ({exc.code})\n")
    finally:
        access.dispose()
    print(message, file=out)
    return 0


def _actor():
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "cli"


def _audit(conn, actor, action, resource_type, resource_ids, details):
    store.insert_audit_record(conn, {
        "principal": actor, "action": action, "outcome": "succeeded", "resource_type": resource_type,
        "resource_ids": resource_ids, "endpoint": "cli", "details": details,
    })


def _org(value):
    return None if value is None else str(value)


def create_user(conn, args, actor):
    user, activation = management.create_user(
        conn, username=args.username, display_name=args.display_name or args.username,
        member_id=args.member_id, actor=actor,
    )
    _audit(conn, actor, "access.user_created", "user", [user["id"]],
           {"username": user["username"], "member_id": user["member_id"], "activation_issued": True})
    grant = _grant(conn, actor, user, args.role, _org(args.organisation_id))
    return (
        f"created user {user['username']} (user:{user['id']}) as {grant['role']} on "
        f"{grant['organisation_id'] or 'the whole platform'}\n"
        f"activation code for its owner (shown once; valid until {activation['activation_expires_at']:%Y-%m-%d %H:%M} UTC; "
        f"they set their own password with it: POST /api/v1/activations or python -m gateway.access activate):\n"
        f"{activation['activation_code']}"
    )


def read_new_password(stream=None):
    """The new password: asked twice on a terminal, else the first line of standard input."""
    stream = stream or sys.stdin
    if stream.isatty():
        password = getpass.getpass("new password: ")
        if getpass.getpass("again: ") != password:
            raise ServiceError(ErrorCode.VALIDATION_FAILED, "the two passwords differ")
    else:
        password = stream.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(ErrorCode.VALIDATION_FAILED, f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    return password


def activate(conn, args, actor):
    try:
        user = management.activate(conn, username=args.username, code=args.code, password=read_new_password())
    except management.ActivationRefused as refused:
        raise ServiceError(ErrorCode.UNAUTHENTICATED, "the username and activation code were not accepted") from refused
    _audit(conn, f"user:{user['id']}", "access.user_activated", "user", [user["id"]], {"via": actor})
    return f"activated {user['username']} (user:{user['id']}): sign in with your password at POST /api/v1/tokens"


def _grant(conn, actor, user, role, organisation_id):
    grant, created = management.create_grant(
        conn, kind=USER, principal_id=user["id"], role=role, organisation_id=organisation_id, actor=actor,
    )
    if created:
        _audit(conn, actor, "access.grant_created", "grant", [grant["id"], f"user:{user['id']}"],
               {"principal": f"user:{user['id']}", "role": role, "organisation_id": organisation_id})
    return grant


def _user(conn, username):
    user = store.get_user_by_username(conn, username)
    if user is None:
        raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, f"there is no user {username}")
    return user


def grant(conn, args, actor):
    user = _user(conn, args.username)
    granted = _grant(conn, actor, user, args.role, _org(args.organisation_id))
    return f"{user['username']} holds {granted['role']} on {granted['organisation_id'] or 'the whole platform'} (grant {granted['id']})"


def disable_user(conn, args, actor):
    user = _user(conn, args.username)
    management.refuse_removing_last_auditor(conn, user["id"])
    store.update_user(conn, user["id"], actor, active=False)
    _audit(conn, actor, "access.user_updated", "user", [user["id"]], {"changes": {"active": False}})
    return f"disabled {user['username']} (user:{user['id']})"


def create_key(conn, args, actor):
    scopes = [scope.strip() for scope in args.scopes.split(",") if scope.strip()]
    key, plaintext = management.create_api_key(conn, name=args.name, owner=args.owner, scopes=scopes, actor=actor,
                                               rate_limit=args.rate_limit)
    organisation_id = _org(args.organisation_id)
    granted, _ = management.create_grant(
        conn, kind=KEY, principal_id=key["id"], role=policy.SYSTEM_INTEGRATION, organisation_id=organisation_id, actor=actor,
    )
    _audit(conn, actor, "access.key_created", "api_key", [key["id"], granted["id"]],
           {"name": key["name"], "owner": key["owner"], "scopes": key["scopes"], "organisation_id": organisation_id,
            "rate_limit": key["rate_limit"]})
    return (
        f"created API key {key['name']} (key:{key['id']}) with scopes {','.join(key['scopes'])} on "
        f"{organisation_id or 'the whole platform'}, limited to {key['rate_limit'] or 'the platform default'}\n"
        f"the key (shown once; send it as X-API-Key):\n{plaintext}"
    )


def revoke_key(conn, args, actor):
    key = store.get_api_key(conn, args.key_id)
    if key is None:
        raise ServiceError(ErrorCode.UNKNOWN_REFERENCE, f"there is no API key {args.key_id}")
    if key["revoked_at"] is None:
        store.revoke_api_key(conn, key["id"], actor)
        _audit(conn, actor, "access.key_revoked", "api_key", [key["id"]], {})
    return f"revoked API key {key['name']} (key:{key['id']})"


COMMANDS = {
    "create-user": create_user,
    "activate": activate,
    "create-key": create_key,
    "revoke-key": revoke_key,
    "grant": grant,
    "disable-user": disable_user,
}


if __name__ == "__main__":
    sys.exit(main())
