"""The one Alembic environment of every service: a service's migrations folder
holds only ``versions/``; its metadata arrives as ``target_metadata``."""
from alembic import context

from persistence.migrations import run_migrations

run_migrations(context, context.config.attributes.get("target_metadata"))
