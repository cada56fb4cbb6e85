"""Alembic environment: runs migrations on the connection reengage hands over."""

from __future__ import annotations

from alembic import context

from sync.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - reengage always passes its connection
    raise RuntimeError("run migrations through sync.store.migrate, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
