"""The commands that look and look after: ``explain``, ``report``, ``serve``, ``runs``,
``errors``, ``forget``, ``connectors`` and ``config check``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from config.shown import effective_config
from connectors.base import installed_connectors, settings_models
from sync.cli.core import (
    Json,
    app,
    config_app,
    console,
    fail,
    load_config,
    open_configured_store,
    run_body,
)
from sync.cli.jsondoc import emit
from sync.cli.options import AsOf, parse_as_of


@app.command("explain")
def explain_cmd(
    query: Annotated[
        str,
        typer.Argument(
            help="An email address, a platform record id (Salesforce: 15 or 18 characters) "
            "or record_type:id as reengage prints it (hubspot_contact:100002)."
        ),
    ],
    as_of: AsOf = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    """Why a person is (or is not) dormant: segment, rule, score and its parts."""
    from sync.cli.explain import explain_command

    settings, rules = load_config()
    when = parse_as_of(as_of)
    engine = open_configured_store(settings)
    try:
        if not explain_command(engine, rules, query, when, as_json=as_json):
            message = f"no person with the email or record id {query!r} in the store"
            if as_json:
                error = {"message": message, "code": "not_found", "platform": None}
                typer.echo(json.dumps({"error": error, "exit_code": 1}))
                raise typer.Exit(1)
            raise fail(message, code=1)
    finally:
        engine.dispose()


@app.command()
def report(
    start: Annotated[
        str | None, typer.Option("--from", help="Period start (default: 12 weeks before --to).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Period end (default: now).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or html.")] = "table",
    out: Annotated[
        Path | None, typer.Option(help="Folder for csv / html (default: the data dir's reports).")
    ] = None,
    as_json: Json = False,
) -> None:
    """The reactivation KPIs: rates, funnel, weekly trend, outreach, lift."""
    from datetime import timedelta

    from sync.cli.report import report_command, report_json

    if fmt not in ("table", "csv", "html"):
        raise fail(f"--format must be table, csv or html, not {fmt!r}", kind="usage")
    if as_json and fmt != "table":
        raise fail("--json and --format exclude each other", kind="usage")
    settings, rules = load_config()
    until = parse_as_of(end)
    since = parse_as_of(start) if start else until - timedelta(weeks=12)
    if since >= until:
        raise fail(
            f"--from ({since:%Y-%m-%d}) must be before --to ({until:%Y-%m-%d})", kind="usage"
        )
    engine = open_configured_store(settings)
    try:
        if as_json:
            emit(report_json(engine, rules, since, until))
            return
        path = report_command(
            engine, rules, since, until, fmt, out or settings.data_dir / "reports"
        )
    finally:
        engine.dispose()
    if path is not None:
        console.print(f"written: {path}")


@app.command()
def serve(
    once: Annotated[
        bool, typer.Option("--once", help="One turn now, then exit (cron, Kubernetes CronJob).")
    ] = False,
    as_json: Json = False,
) -> None:
    """Periodic sync (interval or cron), one run at a time per store, graceful shutdown,
    health and Prometheus metrics on localhost."""
    from sync.cli.jsondoc import serve_once
    from sync.cli.serve import serve_command

    if as_json and not once:
        raise fail("--json needs --once (one document for one turn)", kind="usage")
    settings, rules = load_config(platforms=True)
    if as_json:
        turn = serve_once(settings, rules)
        if turn.exit_code:
            raise fail(turn.reason, turn.exit_code, extra=turn.document)
        emit(turn.document)
        return
    if code := serve_command(settings, rules, once=once):
        raise typer.Exit(code)


_Since = Annotated[
    str | None,
    typer.Option(help="From this instant (ISO date or datetime) or this long ago (24h, 7d)."),
]
_LogJson = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]
_LogCsv = Annotated[bool, typer.Option("--csv", help="CSV on stdout.")]


@app.command()
def runs(
    since: _Since = None,
    as_json: _LogJson = False,
    as_csv: _LogCsv = False,
    limit: Annotated[int, typer.Option(help="Runs to show, newest first (0: all).")] = 50,
) -> None:
    """The sync log: each run's start, end, trigger, records read per stream, operations
    applied and failed per platform, and exit (default: the last 7 days)."""
    from sync.cli.runs import log_format, parse_since, runs_command

    fmt = log_format(as_json=as_json, as_csv=as_csv)
    settings, _ = load_config()
    when = parse_since(since)
    engine = open_configured_store(settings)
    try:
        runs_command(engine, when, limit=limit, fmt=fmt)
    finally:
        engine.dispose()


@app.command()
def errors(
    since: _Since = None,
    as_json: _LogJson = False,
    as_csv: _LogCsv = False,
    limit: Annotated[int, typer.Option(help="Operations to show, latest first (0: all).")] = 100,
    hubspot_portal_id: Annotated[
        str | None, typer.Option(help="Your HubSpot portal (hub) id, to link HubSpot records.")
    ] = None,
) -> None:
    """Operations that did not get through (failed, or parked after too many attempts): record,
    link, error code and message, attempts (default: the last 7 days)."""
    from sync.alerts.links import RecordLinks
    from sync.cli.runs import errors_command, log_format, parse_since

    fmt = log_format(as_json=as_json, as_csv=as_csv)
    settings, _ = load_config()
    links = RecordLinks.from_settings(settings, hubspot_portal_id=hubspot_portal_id)
    engine = open_configured_store(settings)
    try:
        errors_command(engine, links, parse_since(since), limit=limit, fmt=fmt)
    finally:
        engine.dispose()


@app.command("forget")
def forget_cmd(
    email: Annotated[str, typer.Argument(help="The email of the person to forget.")],
    as_json: Json = False,
) -> None:
    """Forget a person (right to erasure): off reengage's lists, campaigns and fields, their
    reengage tasks closed, their rows deleted from the store; later syncs leave them out."""
    from sync.cli.forget import forget_command, outcome_document, outcome_line

    settings, rules = load_config(platforms=True)
    engine = open_configured_store(settings)
    try:
        outcome = run_body(lambda: forget_command(engine, settings, rules, email))
        if as_json:
            emit(outcome_document(outcome))
        else:
            console.print(outcome_line(outcome), highlight=False)
        if outcome.failed:
            raise typer.Exit(1)
    finally:
        engine.dispose()


@app.command()
def connectors(as_json: Json = False) -> None:
    """List the installed connectors (built-in and third-party plug-ins)."""
    installed = installed_connectors()
    if as_json:
        emit({"connectors": [
            {"name": c.name, "module": c.module, "platform": c.info.platform if c.info else None,
             "description": c.info.description if c.info else None, "error": c.error}
            for c in installed
        ]})  # fmt: skip
        return
    table = Table(title="Connectors (entry-point group reengage.connectors)")
    for col in ("name", "platform", "module", "status"):
        table.add_column(col)
    for found in installed:
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
    as_json: Json = False,
    connect: Annotated[
        bool,
        typer.Option(
            "--connect",
            help="Also ask each platform (read-only): reachable, credentials accepted, "
            "scopes/permissions, and what `reengage setup` would still create. "
            "Exit 2 refused or unreachable, 1 setup incomplete.",
        ),
    ] = False,
) -> None:
    """Load settings and rules, print the effective configuration (secrets masked) or the errors;
    with ``--connect``, also what each platform answers (sync/cli/connect.py)."""
    settings, rules = load_config(platforms=True)
    shown = effective_config(settings, settings_models())
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
    code, checks, lines = 0, None, list[str]()
    if connect:
        from sync.cli.connect import connect_report

        checks, lines, code = connect_report(settings, rules)
    if as_json:
        extra = {} if checks is None else {"connect": checks, "exit_code": code}
        console.print_json(json.dumps({**shown, **summary, **extra}))
        raise typer.Exit(code)
    _print_tree(shown)
    _print_tree(summary)
    console.print("[green]configuration OK[/]")
    for line in lines:
        console.print(line, highlight=False, markup=False)
    raise typer.Exit(code)
