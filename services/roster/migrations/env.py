from alembic import context

from persistence.migrations import run_migrations
from services.roster.models import metadata

run_migrations(context, metadata)
