"""The ``reengage`` command line (Typer + Rich).

Settings and rules are loaded once here, at the entry point, and passed down.
Every command turns reengage's own errors into one clear line and a non-zero
exit code; a stack trace is a bug.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from config.rules import Rules, RulesError, load_rules
from config.settings import Settings, SettingsError, effective_config, load_settings
from connectors.base import installed_connectors
from sync.cli_explain import AsOf, explain_command, parse_as_of
from sync.cli_sandbox import sandbox_app
from sync.store.migrate import StoreError, open_store

app = typer.Typer(
    name="reengage",
    help="Finds dormant leads and customers across HubSpot and Salesforce and writes the "
    "follow-up back into both.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(sandbox_app, name="sandbox")

console = Console()
err_console = Console(stderr=True)


def _version_callback(value: bool) -> None:
    if value:
        console.print(f"reengage {version('reengage')}")
        raise typer.Exit()


@app.callback()
def main_callback(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """reengage: dormant-lead reactivation across HubSpot and Salesforce."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Prints one error line (or block) on stderr and returns the exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def load_config() -> tuple[Settings, Rules]:
    """Builds settings and rules once, turning their errors into a clean exit."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise fail(str(exc)) from None
    try:
        rules = load_rules(settings.rules_file)
    except RulesError as exc:
        raise fail(str(exc)) from None
    return settings, rules


def open_configured_store(settings: Settings) -> Engine:
    """Opens (and migrates) the configured store, or exits with the reason."""
    try:
        return open_store(settings.store_url)
    except StoreError as exc:
        raise fail(str(exc)) from None


@app.command("explain")
def explain_cmd(
    query: Annotated[str, typer.Argument(help="An email address or a platform record id.")],
    as_of: AsOf = None,
) -> None:
    """Why a person is (or is not) dormant: segment, rule, score and its parts."""
    settings, rules = load_config()
    when = parse_as_of(as_of)
    engine = open_configured_store(settings)
    try:
        if not explain_command(engine, rules, query, when):
            raise fail(f"no person with the email or record id {query!r} in the store", code=1)
    finally:
        engine.dispose()


@app.command()
def connectors() -> None:
    """List the installed connectors (built-in and third-party plug-ins)."""
    table = Table(title="Connectors (entry-point group reengage.connectors)")
    for col in ("name", "platform", "module", "status"):
        table.add_column(col)
    for found in installed_connectors():
        if found.info is None:
            table.add_row(found.name, "?", found.module, f"[red]broken: {found.error}[/]")
        else:
            table.add_row(found.name, found.info.platform, found.module, found.info.description)
    console.print(table)


def _print_tree(data: dict[str, Any], indent: int = 0) -> None:
    for key, value in data.items():
        if isinstance(value, dict):
            console.print(" " * indent + f"[bold]{key}[/]:")
            _print_tree(value, indent + 2)
        else:
            shown = "(unset)" if value is None else value
            console.print(" " * indent + f"{key}: {shown}", highlight=False)


@config_app.command("check")
def config_check(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Load settings and rules, print the effective configuration (secrets masked) or the errors."""
    settings, rules = load_config()
    shown = effective_config(settings)
    summary = {
        "rules": {
            "file": str(settings.rules_file),
            "lead_days": rules.dormancy.lead_days,
            "customer_days": rules.dormancy.customer_days,
            "segments": rules.segments.names(),
            "lists": rules.list_names(),
            "holdout_share": rules.holdout.share,
        }
    }
    if as_json:
        console.print_json(json.dumps({**shown, **summary}))
        return
    _print_tree(shown)
    _print_tree(summary)
    console.print("[green]configuration OK[/]")


def main() -> None:
    app()


if __name__ == "__main__":  # python -m sync.cli
    main()
