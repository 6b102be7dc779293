"""Alembic environment: migrations run on the connection the profile hands in."""

from alembic import context

from storage.migrations import is_modelled
from storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    include_name=is_modelled,
)
with context.begin_transaction():
    context.run_migrations()
