"""Which tenant a command works on: ``reengage --tenant ID <command>``.

Without a tenants file nothing changes (one portal–org pair, as before). With one,
a command that touches a store or a platform needs ``--tenant``: its settings
become that tenant's (:func:`config.tenants.tenant_settings`), its store that
tenant's schema. Settings are still built once, at the entry point.
"""

from __future__ import annotations

from pathlib import Path

from config.rules import RuleProblem
from config.settings import Settings
from config.tenants import Tenant, Tenants, TenantsError, load_tenants, tenant_settings


def _problem(settings: Settings, message: str) -> TenantsError:
    source = settings.tenants_file or Path("(no tenants file)")
    return TenantsError(source, [RuleProblem(path="--tenant", message=message)])


def load_file(settings: Settings) -> Tenants:
    """The tenants file the settings name.

    Raises:
        TenantsError: no tenants file is set, or it is invalid.
    """
    if settings.tenants_file is None:
        raise _problem(settings, "no tenants file: set REENGAGE_TENANTS_FILE")
    return load_tenants(settings.tenants_file)


def select(settings: Settings, tenant_id: str | None) -> tuple[Settings, Tenant | None]:
    """The settings a command runs with, and its tenant (None without a tenants file).

    Raises:
        TenantsError: ``--tenant`` without a tenants file, an unknown tenant, or a
            tenant whose secrets cannot be read.
    """
    if settings.tenants_file is None:
        if tenant_id is not None:
            raise _problem(settings, "--tenant needs a tenants file: set REENGAGE_TENANTS_FILE")
        return settings, None
    tenants = load_tenants(settings.tenants_file)  # every command validates the whole file
    if tenant_id is None:
        return settings, None
    tenant = tenants.get(tenant_id)
    return tenant_settings(settings, tenants, tenant), tenant


def require_tenant(settings: Settings, tenant: Tenant | None) -> None:
    """Refuses a store or platform command that names no tenant while a tenants file is set.

    Raises:
        TenantsError: naming ``--tenant`` and the known tenants.
    """
    if settings.tenants_file is not None and tenant is None:
        known = ", ".join(t.id for t in load_tenants(settings.tenants_file).tenants)
        raise _problem(settings, f"a tenants file is set: name one with `reengage --tenant ID "
                       f"<command>` (tenants: {known})")  # fmt: skip


def tenant_secrets(settings: Settings) -> list[str]:
    """Every tenant's secret values that can be read now (for the log filter that masks them:
    a worker runs any tenant, a command may name one); none without a tenants file."""
    from config.shown import secret_values

    if settings.tenants_file is None:
        return []
    tenants = load_tenants(settings.tenants_file)
    found: list[str] = []
    for tenant in tenants.tenants:
        try:
            found += secret_values(tenant_settings(settings, tenants, tenant))
        except TenantsError:  # an unreadable secret is never logged: nothing to mask
            continue
    return found
