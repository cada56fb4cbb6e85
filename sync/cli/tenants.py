"""``reengage tenants [--json]``: each tenant's last run, result, next run and whether it is
paused; and ``db upgrade`` with a tenants file (every tenant's schema created and migrated)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.table import Table

from config.settings import Settings
from sync.cli.core import Json, app, console, fail, load_config
from sync.cli.jsondoc import emit


def _rows(settings: Settings) -> list[dict[str, Any]]:
    from config.tenants import TenantsError
    from sync.store.migrate import StoreError
    from sync.tenants.select import load_file
    from sync.tenants.status import last_run, tenant_row
    from sync.tenants.store import open_tenant_store

    try:
        tenants = load_file(settings)
    except TenantsError as exc:
        raise fail(str(exc), kind="configuration") from None
    now = datetime.now(UTC)
    rows = []
    for tenant in tenants.tenants:
        try:
            engine = open_tenant_store(settings, tenants, tenant)
        except (StoreError, TenantsError) as exc:
            rows.append(tenant_row(tenant, None, now, problem=str(exc)))
            continue
        try:
            rows.append(tenant_row(tenant, last_run(engine), now))
        finally:
            engine.dispose()
    return rows


@app.command("tenants")
def tenants_cmd(as_json: Json = False) -> None:
    """List the tenants (REENGAGE_TENANTS_FILE): last run, its result, next run, paused."""
    settings, _rules = load_config()
    rows = _rows(settings)
    if as_json:
        emit({"tenants": rows})
        return
    table = Table(title="tenants")
    for col in ("tenant", "paused", "schedule", "last run", "result", "next run"):
        table.add_column(col, overflow="fold")
    for row in rows:
        last = row["last_run"]
        table.add_row(
            row["tenant"], "yes" if row["paused"] else "no", row["schedule"],
            last["started_at"] if last else "never", (last["status"] if last else "-"),
            row["next_run"] or ("-" if row["paused"] else row["problem"] or "-"),
        )  # fmt: skip
    console.print(table)
