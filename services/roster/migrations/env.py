from alembic import context

from services.common.migrations import run_migrations
from services.roster.models import metadata

run_migrations(context, metadata)
