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

from config.settings import SettingsError, load_settings
from config.shown import secret_values
from connectors.base import settings_models
from sync.console import console_for
from sync.logs import setup_logging

db_app = typer.Typer(help="The store's schema: migrate it, or print the SQL.", no_args_is_help=True)
console = console_for()
err_console = console_for(stderr=True)


def _fail(message: str, as_json: bool, code: str) -> typer.Exit:
    """One error: a line on stderr, and with ``--json`` the error document on stdout."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    if as_json:
        from sync.cli.jsondoc import emit, error_document

        emit(error_document(message, 2, code=code))
    return typer.Exit(2)


def _store_url(as_json: bool) -> str:
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise _fail(str(exc), as_json, "configuration") from None
    setup_logging(
        settings.log_format, secrets=secret_values(settings, settings_models()), level="WARNING"
    )
    return settings.store_url


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

    url = _store_url(as_json)
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
        raise _fail(str(exc), as_json, "store") from None
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
