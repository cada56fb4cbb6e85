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

from config.settings import SettingsError, load_settings, secret_values
from sync.cli_options import console_for
from sync.logs import setup_logging

db_app = typer.Typer(help="The store's schema: migrate it, or print the SQL.", no_args_is_help=True)
console = console_for()
err_console = console_for(stderr=True)


def _store_url() -> str:
    try:
        settings = load_settings()
    except SettingsError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    setup_logging(settings.log_format, secrets=secret_values(settings), level="WARNING")
    return settings.store_url


@db_app.command("upgrade")
def upgrade_cmd(
    sql: Annotated[
        bool,
        typer.Option("--sql", help="Print the SQL to head on stdout for a DBA; change nothing."),
    ] = False,
) -> None:
    """Migrate the store to this reengage's schema (run once per release, before serve)."""
    from sync.store.migrate import StoreError, safe_url, upgrade_sql, upgrade_store

    url = _store_url()
    try:
        if sql:
            script = upgrade_sql(url)
            typer.echo(script, nl=False)
            if not script:
                err_console.print(f"{safe_url(url)}: already at this reengage's schema")
            return
        done = upgrade_store(url)
    except StoreError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    where = safe_url(url)
    if done.from_revision == done.to_revision:
        console.print(f"{where}: already at schema revision {done.to_revision}", highlight=False)
    else:
        before = done.from_revision or "none (new store)"
        console.print(
            f"{where}: migrated from schema revision {before} to {done.to_revision}",
            highlight=False,
        )
