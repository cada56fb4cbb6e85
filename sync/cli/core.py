"""The ``reengage`` command line's core: the Typer app, its consoles, loading settings and
rules once at the entry point, and :func:`fail`, which turns reengage's own errors into
one clear line (and the ``--json`` error document) with a non-zero exit code; a stack
trace is a bug. The commands are in :mod:`sync.cli.run_commands` and
:mod:`sync.cli.look_commands`.
"""

from __future__ import annotations

import os
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from config.rules import Rules, RulesError, load_rules
from config.settings import (
    Settings,
    SettingsError,
    load_settings,
    require_files,
    require_platforms,
)
from config.shown import secret_values
from connectors.base import settings_models
from sync.cli.db import db_app
from sync.cli.jsondoc import cause_of, emit, error_document, json_requested
from sync.cli.sandbox import sandbox_app
from sync.console import console_for
from sync.logs import setup_logging
from sync.tenants.select import require_tenant, tenant_secrets
from sync.tenants.select import select as select_tenant

if TYPE_CHECKING:
    from sqlalchemy import Engine


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
app.add_typer(db_app, name="db")

console = console_for()
err_console = console_for(stderr=True)

# Every command's --json is its ``as_json`` parameter: fail() then prints the error
# document (sync/cli/jsondoc.py), for commands added later too.
Json = Annotated[bool, typer.Option("--json", help="One JSON document on stdout (errors too).")]


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
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", help="The tenant (REENGAGE_TENANTS_FILE) the command works on."),
    ] = None,
) -> None:
    """reengage: dormant-lead reactivation across HubSpot and Salesforce."""
    _TENANT[0] = tenant


_TENANT: list[str | None] = [None]  # `reengage --tenant ID`: read once by load_config


def fail(
    message: str,
    code: int = 2,
    *,
    kind: str | None = None,
    platform: str | None = None,
    extra: dict[str, Any] | None = None,
) -> typer.Exit:
    """Prints one error line (or block) on stderr and returns the exit to raise.

    Under ``--json`` the error is also the command's one document on stdout:
    ``extra`` (what the command did before failing), ``error`` (``message``, ``kind``
    as its machine word, ``platform``) and ``exit_code``.
    """
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    if json_requested():
        emit({**(extra or {}), **error_document(message, code, code=kind, platform=platform)})
    return typer.Exit(code)


def load_config(*, platforms: bool = False) -> tuple[Settings, Rules]:
    """Builds settings and rules once, turning their errors into a clean exit.

    With ``platforms`` (every command that talks to HubSpot or Salesforce), each
    platform in ``REENGAGE_PLATFORMS`` must be configured, before any request.
    """
    try:
        settings = load_settings()
        require_files(settings)
    except SettingsError as exc:
        raise fail(str(exc), kind="configuration") from None
    level = settings.log_level or ("INFO" if settings.log_format == "json" else "WARNING")
    setup_logging(
        settings.log_format, secrets=secret_values(settings, settings_models()), level=level
    )
    use_engine_cache(settings.data_dir)
    try:
        settings, tenant = select_tenant(settings, _TENANT[0])
        secrets = secret_values(settings, settings_models()) + tenant_secrets(settings)
        setup_logging(settings.log_format, secrets=secrets, level=level)  # the tenants' too
        rules = load_rules(settings.rules_file)
        if platforms:
            require_tenant(settings, tenant)
            require_platforms(settings)
            _require_connectors(settings)
    except (RulesError, SettingsError) as exc:
        raise fail(str(exc), kind="configuration") from None
    return settings, rules


def _require_connectors(settings: Settings) -> None:
    """Refuses a platform no installed connector serves, and a plug-in's settings its model
    refuses, naming each variable (``sync.run.platform_problems``)."""
    from sync.run import platform_problems

    problems = platform_problems(settings)
    if problems:
        raise SettingsError(problems)


def use_engine_cache(data_dir: Path) -> None:
    """Keeps the compiled engine's cache under the data folder, which reengage may write to.

    Numba caches beside the package by default, which a container or a system install
    cannot write; every run would then compile again (11-15 s). numba reads
    ``NUMBA_CACHE_DIR`` when it is first imported, which no command does before this
    point; a value already in the environment wins.
    """
    os.environ.setdefault("NUMBA_CACHE_DIR", str((data_dir / "engine-cache").resolve()))


def open_configured_store(settings: Settings) -> Engine:
    """Opens the configured store (creating a new one at the current schema), or exits 2 with
    the reason: a store behind the code waits for `reengage db upgrade`."""
    from sync.store.migrate import StoreError
    from sync.tenants.store import open_settings_store

    try:
        return open_settings_store(settings)
    except StoreError as exc:
        raise fail(str(exc), kind="store") from None


def run_body(fn: Any) -> Any:
    """Runs a platform command body, turning CommandError into its one-line exit."""
    from sync.cli.common import CommandError

    try:
        return fn()
    except CommandError as exc:
        kind, platform = cause_of(exc, exc.code)
        raise fail(str(exc), code=exc.code, kind=kind, platform=platform) from None
