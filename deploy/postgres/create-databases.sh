#!/bin/sh
# Creates one database per service (and the gateway's), each with login roles of its own.
# The postgres image runs this once, when it initialises an empty data directory
# (docker-entrypoint-initdb.d). docker-compose.yml and k8s/postgres.yaml set (rendered by
# python -m deploy.render):
#   LIUDONG_DATABASES       the databases, separated by spaces: "roster gateway"
#   LIUDONG_DATABASE_ROLES  role@database pairs: "roster@roster gateway_owner@gateway gateway@gateway".
#                           The first role of a database owns it and runs its migrations;
#                           a later one may only connect, and has what the owner's
#                           migrations grant it (the gateway's runtime role).
#   LIUDONG_<ROLE>_DATABASE_PASSWORD  each role's password (python -m deploy.passwords).
# Nobody else may connect to a database (CONNECT is revoked from PUBLIC). A database
# added later to an existing volume is created by hand, the same way:
#   docker compose exec postgres psql -U liudong -c "CREATE ROLE education LOGIN PASSWORD '...'"
#   docker compose exec postgres createdb -U liudong -O education education
set -e  # (no -u: the image sources this file instead of running it if the exec bit is lost)
admin() {
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" "$@"
}
for db in ${LIUDONG_DATABASES:?set LIUDONG_DATABASES to the databases to create}; do
    owner=""
    for pair in ${LIUDONG_DATABASE_ROLES:?set LIUDONG_DATABASE_ROLES to the role@database pairs}; do
        role=${pair%@*}
        [ "${pair#*@}" = "$db" ] || continue
        variable="LIUDONG_$(echo "$role" | tr '[:lower:]' '[:upper:]')_DATABASE_PASSWORD"
        password=$(printenv "$variable") || { echo "liudong: $variable is not set" >&2; exit 1; }
        echo "liudong: creating role $role"
        # psql variables (:"name", :'literal') quote the name and the password.
        printf '%s\n' "CREATE ROLE :\"role\" LOGIN PASSWORD :'password';" \
            | admin -v role="$role" -v password="$password"
        if [ -z "$owner" ]; then
            owner=$role
            echo "liudong: creating database $db owned by $owner"
            printf '%s\n' "CREATE DATABASE :\"db\" OWNER :\"owner\";" "REVOKE ALL ON DATABASE :\"db\" FROM PUBLIC;" \
                | admin -v db="$db" -v owner="$owner"
        else
            printf '%s\n' "GRANT CONNECT ON DATABASE :\"db\" TO :\"role\";" | admin -v db="$db" -v role="$role"
        fi
    done
    [ -n "$owner" ] || { echo "liudong: no role@$db in LIUDONG_DATABASE_ROLES" >&2; exit 1; }
done
