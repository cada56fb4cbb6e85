"""``reengage db upgrade [--sql]``: the one command that migrates a store.

Other commands refuse a store behind the code (exit 2, naming this command), so
the operator migrates once per release, before starting ``serve`` and its
replicas, with an account that has schema rights; ``--sql`` prints the SQL
instead, for a DBA to review and run. The lead mounts :data:`db_app` on the
main app as ``db``.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from config.settings import Settings, SettingsError, load_settings
from config.shown import secret_values
from connectors.base import settings_models
from sync.console import console_for
from sync.logs import setup_logging

db_app = typer.Typer(help="The store's schema: migrate it, or print the SQL.", no_args_is_help=True)
console = console_for()
err_console = console_for(stderr=True)


def fail_db(message: str, as_json: bool, code: str) -> typer.Exit:
    """One error: a line on stderr, and with ``--json`` the error document on stdout."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    if as_json:
        from sync.cli.jsondoc import emit, error_document

        emit(error_document(message, 2, code=code))
    return typer.Exit(2)


def _settings(as_json: bool) -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise fail_db(str(exc), as_json, "configuration") from None
    setup_logging(
        settings.log_format, secrets=secret_values(settings, settings_models()), level="WARNING"
    )
    return settings


@db_app.command("upgrade")
def upgrade_cmd(
    sql: Annotated[
        bool,
        typer.Option("--sql", help="Print the SQL to head on stdout for a DBA; change nothing."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Migrate the store to this reengage's schema (run once per release, before serve)."""
    from sync.store.migrate import StoreError, safe_url, upgrade_sql, upgrade_store

    settings = _settings(as_json)
    if settings.tenants_file is not None:
        upgrade_every_tenant(settings, sql=sql, as_json=as_json)
        return
    url = settings.store_url
    where = safe_url(url)
    try:
        if sql:
            script = upgrade_sql(url)
            if as_json:
                _emit({"store": where, "sql": script})
                return
            typer.echo(script, nl=False)
            if not script:
                err_console.print(f"{where}: already at this reengage's schema")
            return
        done = upgrade_store(url)
    except StoreError as exc:
        raise fail_db(str(exc), as_json, "store") from None
    if as_json:
        _emit({"store": where, "from_revision": done.from_revision, "to_revision": done.to_revision,
               "migrated": done.from_revision != done.to_revision})  # fmt: skip
    elif done.from_revision == done.to_revision:
        console.print(f"{where}: already at schema revision {done.to_revision}", highlight=False)
    else:
        before = done.from_revision or "none (new store)"
        console.print(
            f"{where}: migrated from schema revision {before} to {done.to_revision}",
            highlight=False,
        )


def _emit(doc: dict[str, object]) -> None:
    from sync.cli.jsondoc import emit

    emit(dict(doc))


def upgrade_every_tenant(settings: Settings, *, sql: bool, as_json: bool) -> None:
    """``reengage db upgrade`` with a tenants file: each tenant's schema created and migrated
    (``--sql`` is refused: it would need each schema to exist first)."""
    from config.tenants import TenantsError
    from sync.cli.jsondoc import emit
    from sync.store.migrate import StoreError, safe_url
    from sync.tenants.select import load_file
    from sync.tenants.store import upgrade_tenants

    if sql:
        message = ("--sql is not available with a tenants file yet: run `reengage db upgrade` "
                   "with an account that may create schemas")  # fmt: skip
        raise fail_db(message, as_json, "configuration")
    try:
        done = upgrade_tenants(settings, load_file(settings))
    except TenantsError as exc:
        raise fail_db(str(exc), as_json, "configuration") from None
    except StoreError as exc:
        raise fail_db(str(exc), as_json, "store") from None
    where = safe_url(settings.store_url)
    if as_json:
        entries = [
            {"tenant": d.tenant, "schema": d.schema, "from_revision": d.upgrade.from_revision,
             "to_revision": d.upgrade.to_revision,
             "migrated": d.upgrade.from_revision != d.upgrade.to_revision}
            for d in done
        ]  # fmt: skip
        emit({"store": where, "tenants": entries})
        return
    for d in done:
        before = d.upgrade.from_revision or "none (new schema)"
        console.print(f"{where} tenant {d.tenant} (schema {d.schema}): schema revision "
                      f"{before} -> {d.upgrade.to_revision}", highlight=False)  # fmt: skip
