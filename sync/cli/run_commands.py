"""The commands that read the platforms and write to them: ``setup``, ``backfill``, ``sync``,
``plan``, ``apply`` and ``demo``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from sync.cli.core import (
    Json,
    app,
    console,
    fail,
    load_config,
    open_configured_store,
    run_body,
)
from sync.cli.jsondoc import emit
from sync.cli.options import AsOf, Quiet, known_labels, parse_as_of

if TYPE_CHECKING:
    from sync.run import RunResult


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
    from sync.cli.common import connected, setup_command
    from sync.cli.jsondoc import setup_document
    from sync.run import setup_all

    settings, rules = load_config(platforms=True)
    if as_json:

        def items() -> Any:
            with connected(settings, rules) as found:
                return setup_all(found, rules, create=not check_only)

        doc = setup_document(run_body(items))
        emit(doc)
        raise typer.Exit(doc["exit_code"])
    if not run_body(lambda: setup_command(settings, rules, create=not check_only)):
        raise typer.Exit(1)


@app.command()
def backfill(quiet: Quiet = False, as_json: Json = False) -> None:
    """Full pull of both platforms into the store (resumable), then one classification."""
    from sync.cli.common import cycle

    settings, rules = load_config(platforms=True)
    engine = open_configured_store(settings)
    try:
        result = run_body(
            lambda: cycle(engine, settings, rules, kind="backfill", as_of=parse_as_of(None),
                          plan=False, apply=False, quiet=quiet or as_json)
        )  # fmt: skip
        _cycle_outcome(result, as_json=as_json, applied_hint=False)
    finally:
        engine.dispose()


def _cycle_outcome(result: RunResult, *, as_json: bool, applied_hint: bool) -> None:
    """Prints what a cycle did (its summary, or under --json its run's stats); exits 1 when
    an operation failed."""
    from sync.cli.common import summary
    from sync.cli.jsondoc import cycle_document
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
    from sync.cli.common import cycle

    if apply and dry_run:
        raise fail("--apply and --dry-run exclude each other", kind="usage")
    settings, rules = load_config(platforms=True)
    when = parse_as_of(as_of)
    engine = open_configured_store(settings)
    mode = True if apply else False if dry_run else None
    try:
        result = run_body(
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
    from sync.cli.common import cycle, plan_rows, print_plan
    from sync.cli.explain import find_person
    from sync.engine.codes import STATUS_NAMES

    settings, rules = load_config(platforms=True)
    labels = known_labels(rules.segments.names(), STATUS_NAMES)
    if segment is not None and segment not in labels:
        raise fail(f"unknown segment {segment!r}; known: {', '.join(labels)}", kind="usage")
    when = parse_as_of(as_of)
    engine = open_configured_store(settings)
    try:
        result = run_body(
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
    from sync.cli.jsondoc import apply_document
    from sync.run import apply_all
    from sync.store.journal import plan_row, store_version

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
            from sync.cli.common import alert_sender, connected, require_setup, store_faults

            with connected(settings, rules) as connectors, alert_sender(settings) as alerts:
                require_setup(connectors, rules)
                with store_faults(engine):
                    return apply_all(engine, plan_id, connectors, rules, alerts=alerts)

        stats = run_body(body)
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
    from sync.cli.demo import Weeks, print_demo_summary, run_demo
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
    except LookupError as exc:  # no sandbox installed
        raise fail(str(exc), kind="configuration") from None
    print_demo_summary(result)
