from alembic import context

from gateway.access.models import metadata
from persistence.migrations import run_migrations

run_migrations(context, metadata)
