"""Alembic's entry point. ringcheck always hands over an open connection (see
``ringcheck.store.engine``); there is no alembic.ini and no offline mode."""

from __future__ import annotations

from alembic import context

from ringcheck.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
