#!/bin/sh
# Creates one database per service, owned by $POSTGRES_USER. The postgres image runs
# this once, when it initialises an empty data directory (docker-entrypoint-initdb.d).
# LIUDONG_DATABASES lists the databases, separated by spaces: "roster education ...";
# docker-compose.yml and k8s/postgres.yaml set it (rendered by python -m deploy.render).
# A database added later to an existing volume is created by hand:
#   docker compose exec postgres createdb -U liudong education
set -e  # (no -u: the image sources this file instead of running it if the exec bit is lost)
for db in ${LIUDONG_DATABASES:?set LIUDONG_DATABASES to the databases to create}; do
    echo "liudong: creating database $db"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
        -c "CREATE DATABASE \"$db\" OWNER \"$POSTGRES_USER\""
done
