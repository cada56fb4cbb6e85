"""A schema per tenant in one PostgreSQL store.

Each tenant's connections carry its schema as their only ``search_path``
(:func:`config.tenants.tenant_store_url`), so every table reengage reads or writes,
the Alembic version table and the store lock's row are that tenant's own, and no
query can name another tenant's rows. ``reengage db upgrade`` creates each schema
and migrates it (:func:`upgrade_tenants`); every other command opens a tenant's
store with :func:`open_tenant_store`, which refuses a schema not created yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from config.settings import Settings
from config.tenants import Tenant, Tenants, refuse_sqlite, tenant_store_url
from sync.store.migrate import StoreError, Upgrade, make_engine, open_store, safe_url, upgrade_store


@dataclass(frozen=True)
class TenantUpgrade:
    """What ``db upgrade`` did for one tenant's schema."""

    tenant: str
    schema: str
    upgrade: Upgrade


def _base_url(settings: Settings, tenants: Tenants) -> str:
    refuse_sqlite(settings, tenants.source)
    assert settings.database_url is not None
    return settings.database_url


def _schema_exists(engine: Engine, schema: str) -> bool:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}
        ).scalar()
    return found is not None


def create_schema(base_url: str, tenant: Tenant) -> None:
    """Creates the tenant's schema if it does not exist (the id is checked by the tenants
    file: lower-case letters, digits and _ only, so it is safe to quote)."""
    engine = make_engine(base_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{tenant.schema_name}"'))
    except Exception as exc:
        raise StoreError(
            f"cannot create schema {tenant.schema_name} in the store at {safe_url(base_url)}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    finally:
        engine.dispose()


def upgrade_tenants(settings: Settings, tenants: Tenants) -> list[TenantUpgrade]:
    """Creates (if needed) and migrates every tenant's schema, paused ones included."""
    base = _base_url(settings, tenants)
    done = []
    for tenant in tenants.tenants:
        create_schema(base, tenant)
        upgraded = upgrade_store(tenant_store_url(base, tenant))
        done.append(TenantUpgrade(tenant.id, tenant.schema_name, upgraded))
    return done


def open_tenant_store(settings: Settings, tenants: Tenants, tenant: Tenant) -> Engine:
    """Opens one tenant's store (its schema in the shared database).

    Raises:
        StoreError: the store is unreachable, the tenant's schema does not exist yet (run
            ``reengage db upgrade``), or it is behind or ahead of this code.
    """
    base = _base_url(settings, tenants)
    probe = make_engine(base)
    try:
        exists = _schema_exists(probe, tenant.schema_name)
    except Exception as exc:
        raise StoreError(
            f"cannot open the store at {safe_url(base)}: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        probe.dispose()
    if not exists:
        raise StoreError(
            f"tenant {tenant.id}: its schema {tenant.schema_name} does not exist in the store at "
            f"{safe_url(base)}: run `reengage db upgrade` once to create every tenant's schema"
        )
    return open_store(tenant_store_url(base, tenant))


def open_settings_store(settings: Settings) -> Engine:
    """The store a command opens: as before without a tenants file; with one, the tenant's
    schema (which must exist), never the shared database's default schema.

    Raises:
        StoreError: as :func:`open_store`; or a tenants file is set and no tenant chosen; or
            the tenant's schema does not exist yet.
    """
    if settings.tenants_file is None:
        return open_store(settings.store_url)
    schema = schema_of(settings.store_url)
    if schema is None:
        raise StoreError("a tenants file is set: name the tenant, `reengage --tenant ID <command>`")
    base = make_url(settings.store_url).difference_update_query(["options"])
    probe = make_engine(base.render_as_string(hide_password=False))
    try:
        exists = _schema_exists(probe, schema)
    finally:
        probe.dispose()
    if not exists:
        raise StoreError(
            f"schema {schema} does not exist in the store at {safe_url(settings.store_url)}: run "
            "`reengage db upgrade` once to create every tenant's schema"
        )
    return open_store(settings.store_url)


def schema_of(url: str) -> str | None:
    """The tenant schema a store URL's connections are confined to (None: no tenant)."""
    options = make_url(url).query.get("options")
    text_options = options if isinstance(options, str) else " ".join(options or ())
    marker = "-csearch_path="
    return text_options.split(marker, 1)[1].split()[0] if marker in text_options else None
