"""The ``reengage`` command line (Typer + Rich).

Settings and rules are loaded once here, at the entry point, and passed down.
Every command turns reengage's own errors into one clear line and a non-zero
exit code; a stack trace is a bug.
"""

from __future__ import annotations

import json
import os
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from config.rules import Rules, RulesError, load_rules
from config.settings import (
    Settings,
    SettingsError,
    effective_config,
    load_settings,
    require_files,
    require_platforms,
    secret_values,
)
from connectors.base import installed_connectors
from sync.cli_db import db_app
from sync.cli_json import cause_of, emit, error_document, json_requested
from sync.cli_options import AsOf, Quiet, console_for, known_labels, parse_as_of
from sync.cli_sandbox import sandbox_app
from sync.logs import flush_warnings, setup_logging

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from sync.run import RunResult

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
# document (sync/cli_json.py), for commands added later too.
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
) -> None:
    """reengage: dormant-lead reactivation across HubSpot and Salesforce."""


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
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
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
    setup_logging(settings.log_format, secrets=secret_values(settings), level=level)
    use_engine_cache(settings.data_dir)
    try:
        rules = load_rules(settings.rules_file)
        if platforms:
            require_platforms(settings)
    except (RulesError, SettingsError) as exc:
        raise fail(str(exc), kind="configuration") from None
    return settings, rules


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
    from sync.store.migrate import StoreError, open_store

    try:
        return open_store(settings.store_url)
    except StoreError as exc:
        raise fail(str(exc), kind="store") from None


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
    from sync.cli_explain import explain_command

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


def _run(fn: Any) -> Any:
    """Runs a platform command body, turning CommandError into its one-line exit."""
    from sync.cli_run import CommandError

    try:
        return fn()
    except CommandError as exc:
        kind, platform = cause_of(exc, exc.code)
        raise fail(str(exc), code=exc.code, kind=kind, platform=platform) from None


@app.command()
def setup(
    check_only: Annotated[
        bool, typer.Option("--check-only", help="Only check; create nothing.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Check credentials and permissions; create what reengage needs (or print what an admin must).

    Creates the properties, fields, lists and campaigns reengage owns; safe to run twice.
    """
    from sync.cli_json import setup_document
    from sync.cli_run import connected, setup_command
    from sync.run import setup_all

    settings, rules = load_config(platforms=True)
    if as_json:

        def items() -> Any:
            with connected(settings, rules) as found:
                return setup_all(found, rules, create=not check_only)

        doc = setup_document(_run(items))
        emit(doc)
        raise typer.Exit(doc["exit_code"])
    if not _run(lambda: setup_command(settings, rules, create=not check_only)):
        raise typer.Exit(1)


@app.command()
def backfill(quiet: Quiet = False, as_json: Json = False) -> None:
    """Full pull of both platforms into the store (resumable), then one classification."""
    from sync.cli_run import cycle

    settings, rules = load_config(platforms=True)
    engine = open_configured_store(settings)
    try:
        result = _run(
            lambda: cycle(engine, settings, rules, kind="backfill", as_of=parse_as_of(None),
                          plan=False, apply=False, quiet=quiet or as_json)
        )  # fmt: skip
        _cycle_outcome(result, as_json=as_json, applied_hint=False)
    finally:
        engine.dispose()


def _cycle_outcome(result: RunResult, *, as_json: bool, applied_hint: bool) -> None:
    """Prints what a cycle did (its summary, or under --json its run's stats); exits 1 when
    an operation failed."""
    from sync.cli_json import cycle_document
    from sync.cli_run import summary
    from sync.run import run_stats

    failed = result.applied.total("failed") if result.applied is not None else 0
    message = f"{failed} operations failed (retried next run)"
    if as_json:
        doc = cycle_document(run_stats(result), result, 1 if failed else 0)
        if failed:
            raise fail(message, 1, kind="platform", extra=doc)
        emit(doc)
        return
    summary(result, applied_hint=applied_hint)
    if failed:
        raise fail(message, 1)


@app.command("sync")
def sync_cmd(
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the plan to the platforms.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan only; write nothing.")] = False,
    as_of: AsOf = None,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """One incremental cycle: pull changes, classify, plan, apply. The first sync against
    platforms reengage never wrote to only plans, unless --apply is given."""
    from sync.cli_run import cycle

    if apply and dry_run:
        raise fail("--apply and --dry-run exclude each other", kind="usage")
    settings, rules = load_config(platforms=True)
    when = parse_as_of(as_of)
    engine = open_configured_store(settings)
    mode = True if apply else False if dry_run else None
    try:
        result = _run(
            lambda: cycle(engine, settings, rules, kind="sync", as_of=when, plan=True,
                          apply=mode, quiet=quiet or as_json)
        )  # fmt: skip
        _cycle_outcome(result, as_json=as_json, applied_hint=True)
    finally:
        engine.dispose()


@app.command("plan")
def plan_cmd(
    as_of: AsOf = None,
    as_json: Json = False,
    limit: Annotated[int, typer.Option(help="Operations to list (0: all).")] = 20,
    segment: Annotated[str | None, typer.Option(help="Only this segment's operations.")] = None,
    person: Annotated[
        str | None, typer.Option(help="Only this person's (email or record id).")
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Pull, classify and plan; print the plan. Writes nothing to any platform."""
    from sync.cli_explain import find_person
    from sync.cli_run import cycle, plan_rows, print_plan
    from sync.engine.codes import STATUS_NAMES

    settings, rules = load_config(platforms=True)
    labels = known_labels(rules.segments.names(), STATUS_NAMES)
    if segment is not None and segment not in labels:
        raise fail(f"unknown segment {segment!r}; known: {', '.join(labels)}", kind="usage")
    when = parse_as_of(as_of)
    engine = open_configured_store(settings)
    try:
        result = _run(
            lambda: cycle(engine, settings, rules, kind="plan", as_of=when, plan=True,
                          apply=False, quiet=quiet or as_json)
        )  # fmt: skip
        person_id = None
        if person is not None:
            found = find_person(engine, person)
            if found is None:
                raise fail(f"no person with the email or record id {person!r}", 1, kind="not_found")
            person_id = int(found["id"])
        rows = plan_rows(result.plan, segment=segment, person=person_id, limit=limit,
                         engine=engine)  # fmt: skip
        print_plan(result.plan, result.plan_id, rows, as_json=as_json)
        if not as_json:
            console.print(f"apply it with `reengage apply {result.plan_id}`")
    finally:
        engine.dispose()


@app.command("apply")
def apply_cmd(
    plan_id: Annotated[str, typer.Argument(help="The id `reengage plan` printed.")],
    as_json: Json = False,
) -> None:
    """Apply a saved plan exactly as shown (refused if the store moved on since)."""
    from sync.cli_json import apply_document
    from sync.journal import plan_row, store_version
    from sync.run import apply_all

    settings, rules = load_config(platforms=True)
    engine = open_configured_store(settings)
    try:
        with engine.connect() as conn:
            row = plan_row(conn, plan_id)
            current = store_version(conn)
        if row is None:
            raise fail(f"no plan {plan_id!r} in the store", 1, kind="not_found")
        if row.status == "applied":
            raise fail(f"plan {plan_id} is already applied", 1, kind="usage")
        if row.store_version != current:
            raise fail(
                f"plan {plan_id} was made from data that has changed since "
                f"({row.created_at:%Y-%m-%d %H:%M} UTC): make a new one with `reengage plan`",
                1,
                kind="usage",
            )

        def body() -> Any:
            from sync.cli_run import alert_sender, connected, require_setup, store_faults

            with connected(settings, rules) as connectors, alert_sender(settings) as alerts:
                require_setup(connectors, rules)
                with store_faults(engine):
                    return apply_all(engine, plan_id, connectors, rules, alerts=alerts)

        stats = _run(body)
        failed = stats.total("failed")
        if as_json:
            doc = apply_document(plan_id, stats, 1 if failed else 0)
            if failed:
                raise fail(f"{failed} operations failed (retried next run)", 1, extra=doc)
            emit(doc)
            return
        console.print(f"applied {stats.total('applied'):,} operations in {stats.calls} calls, "
                      f"{failed} failed")  # fmt: skip
        if failed:
            raise typer.Exit(1)
    finally:
        engine.dispose()


@app.command()
def demo(
    persons: Annotated[
        int, typer.Option(min=100, max=1_000_000, help="Persons in the world.")
    ] = 5000,
    seed: Annotated[int, typer.Option(help="The world's seed (same seed, same world).")] = 7,
    weeks: Annotated[
        int,
        typer.Option(min=0, max=52, help="Then move the world forward N weeks, syncing weekly."),
    ] = 0,
    uplift: Annotated[
        float, typer.Option(min=0.0, max=10.0, help="How much more treated persons react.")
    ] = 0.3,
    holdout: Annotated[
        float | None, typer.Option(min=0.0, max=0.5, help="Holdout share (default: the rules').")
    ] = None,
    stranger: Annotated[
        int | None,
        typer.Option(help="Stranger mode: ids, key and row order and page sizes from this seed."),
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Run everything against the built-in sandbox: no credentials, no network."""
    from sync.cli_demo import Weeks, print_demo_summary, run_demo
    from sync.store.migrate import StoreError

    settings, rules = load_config()
    if holdout is not None:
        held = rules.holdout.model_copy(update={"share": holdout})
        rules = rules.model_copy(update={"holdout": held})
    try:
        result = run_demo(
            settings, rules, persons=persons, seed=seed, weeks=Weeks(weeks, uplift), quiet=quiet,
            stranger=stranger,
        )  # fmt: skip
    except StoreError as exc:
        raise fail(str(exc), kind="store") from None
    print_demo_summary(result)


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

    from sync.cli_report import report_command, report_json

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
    from sync.cli_json import serve_once
    from sync.cli_serve import serve_command

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
    from sync.cli_runs import log_format, parse_since, runs_command

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
    from sync.cli_runs import errors_command, log_format, parse_since

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
    from sync.cli_forget import forget_command, outcome_document, outcome_line

    settings, rules = load_config(platforms=True)
    engine = open_configured_store(settings)
    try:
        outcome = _run(lambda: forget_command(engine, settings, rules, email))
        if as_json:
            emit(outcome_document(outcome))
        else:
            console.print(outcome_line(outcome), highlight=False)
        if outcome.failed:
            raise typer.Exit(1)
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
    with ``--connect``, also what each platform answers (sync/cli_connect.py)."""
    settings, rules = load_config(platforms=True)
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
    code, checks, lines = 0, None, list[str]()
    if connect:
        from sync.cli_connect import connect_report

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


def main() -> None:
    try:
        app()
    finally:
        flush_warnings()  # each warning kind's count, once the command has said the rest


if __name__ == "__main__":  # python -m sync.cli
    main()
