"""Alembic environment: runs migrations on the connection reengage hands over.

Offline (``reengage db upgrade --sql``) there is no connection: the SQL is rendered
for the dialect ``sync.store.migrate`` names, with literal values, for a DBA to run.
"""

from __future__ import annotations

from alembic import context

from sync.store.schema import metadata

if context.is_offline_mode():
    dialect = context.config.attributes["dialect_name"]
    context.configure(
        dialect_name=dialect,
        target_metadata=metadata,
        render_as_batch=dialect == "sqlite",
        literal_binds=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
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
