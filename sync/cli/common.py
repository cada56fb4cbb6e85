"""The commands that talk to the platforms: setup, backfill, sync, plan, apply.

Each builds its connectors from the settings (so pointing reengage at the
sandbox or at real platforms differs only in the environment), runs through
:mod:`sync.run`, prints what it read, decided and wrote, and exits non-zero
with a one-line reason when it cannot finish: 2 for configuration, 3 for a
clean stop that the next run resumes, 1 for anything else.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine

from config.rules import Rules
from config.settings import Settings
from connectors.base import (
    ConfigurationError,
    Connector,
    ConnectorError,
    Platform,
    SetupItem,
    StopRun,
)
from sync.alerts import RecordLinks, make_alert_sender
from sync.apply import AlertSender
from sync.cli.explain import people
from sync.cli.progress import StreamProgress
from sync.console import console_for
from sync.plan.model import Plan
from sync.run import (
    CycleOptions,
    RunResult,
    build_connectors,
    close_all,
    explain_error,
    run_cycle,
    setup_all,
)
from sync.serve.lock import keep_alive, sync_lock
from sync.setup_check import describe_gaps, setup_gaps
from sync.store.faults import STORE_FAULTS, store_fault_message

log = logging.getLogger("reengage.cli")
console = console_for()
err = console_for(stderr=True)


class CommandError(Exception):
    """Ends a command with a one-line reason and an exit code (``kind``: the ``--json``
    error code, when the exception it replaced does not tell it)."""

    def __init__(self, message: str, code: int, kind: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.kind = kind


@contextmanager
def store_faults(engine: Engine) -> Iterator[None]:
    """A store failing mid-run (connection killed, disk full, the run's lock lost) becomes
    exit 1 with one line naming the store and the driver's reason (sync/store/faults.py)."""
    try:
        yield
    except STORE_FAULTS as exc:
        url = engine.url.render_as_string(hide_password=False)
        raise CommandError(store_fault_message(url, exc), 1, kind="store") from None


@contextmanager
def connected(settings: Settings, rules: Rules) -> Iterator[dict[Platform, Connector]]:
    """The configured connectors, closed afterwards; platform errors become CommandError."""
    try:
        connectors = build_connectors(settings, rules)
    except ConfigurationError as exc:
        raise CommandError(exc.user_message, 2) from None
    try:
        yield connectors
    except ConfigurationError as exc:
        raise CommandError(f"{exc.platform or 'configuration'}: {exc.user_message}", 2) from None
    except StopRun as exc:
        raise CommandError(
            f"stopped cleanly: {exc.user_message}; everything read so far is stored, "
            "the next run resumes from there",
            3,
        ) from None
    except KeyboardInterrupt:
        raise CommandError(
            "interrupted: everything read so far is stored; run the same command again to resume", 3
        ) from None
    except ConnectorError as exc:
        raise CommandError(f"{exc.platform or 'platform'}: {explain_error(exc)}", 1) from None
    finally:
        close_all(connectors)


@contextmanager
def alert_sender(settings: Settings) -> Iterator[AlertSender | None]:
    """The configured webhooks' sender (None when there is none), closed afterwards."""
    sender = make_alert_sender(settings.alerts, links=RecordLinks.from_settings(settings))
    try:
        yield sender
    finally:
        if sender is not None:
            sender.close()


def setup_command(settings: Settings, rules: Rules, *, create: bool) -> bool:
    """Checks and creates what reengage needs; True when nothing is left for an admin."""
    with connected(settings, rules) as connectors:
        items = setup_all(connectors, rules, create=create)
    return print_setup(items)


def print_setup(items: list[tuple[str, SetupItem]]) -> bool:
    """Prints what each platform has and lacks; True when nothing is left for an admin."""
    table = Table(title="What reengage needs on each platform")
    for col in ("platform", "kind", "name", "status", "detail"):
        table.add_column(col, overflow="fold")
    style = {
        "ok": "green",
        "created": "green",
        "missing": "yellow",
        "wrong": "red",
        "manual": "red",
    }
    for platform, item in items:
        detail = item.instructions or item.detail
        status = f"[{style.get(item.status, '')}]{item.status}[/]"
        table.add_row(platform, item.kind, item.name, status, detail)
    console.print(table)
    left = [i for _, i in items if i.status in ("missing", "wrong", "manual")]
    if left:
        console.print(f"[yellow]{len(left)} item(s) need attention[/] (see the detail column)")
    return not left


def cycle(
    engine: Engine, settings: Settings, rules: Rules, *, kind: str, as_of: datetime,
    plan: bool, apply: bool | None, quiet: bool = False,
) -> RunResult:  # fmt: skip
    """Runs one cycle with progress bars, holding the store's sync lock (one run at a time,
    shared with ``reengage serve``).

    ``apply=None`` applies only if reengage has written to these platforms before. A
    run that will apply first checks, reading only, that setup is done on every platform
    and refuses (exit 2, naming what is missing) when it is not: nothing is pulled or written.
    """
    lock = sync_lock(engine)
    with store_faults(engine):
        if not lock.acquire():
            held = lock.current()
            who = f" ({held.holder}, since {held.acquired_at:%H:%M} UTC)" if held else ""
            raise CommandError(f"another reengage run holds the store{who}; try again later", 3)
        try:
            with keep_alive(lock, every=lock.ttl.total_seconds() / 4, on_lost=_lock_lost):
                return _locked_cycle(
                    engine, settings, rules, kind, as_of, plan, apply, quiet, lock.check
                )
        finally:
            lock.release()


def require_setup(connectors: dict[Platform, Connector], rules: Rules) -> None:
    """Refuses (exit 2, naming what is missing) a run that would write to a platform where
    ``setup --check-only`` fails: it would half-apply and fail record by record."""
    if gaps := setup_gaps(connectors, rules):
        raise CommandError(describe_gaps(gaps), 2)


def _lock_lost() -> None:
    log.error("this run lost the store's lock (its connection closed, or it stalled past its "
              "lease): another run may start")  # fmt: skip


def _locked_cycle(
    engine: Engine, settings: Settings, rules: Rules, kind: str, as_of: datetime,
    plan: bool, apply: bool | None, quiet: bool, check: Callable[[], None],
) -> RunResult:  # fmt: skip
    from sync.run import ever_applied

    with connected(settings, rules) as connectors, alert_sender(settings) as alerts:
        do_apply = ever_applied(engine) if apply is None else apply
        if do_apply:
            require_setup(connectors, rules)
        bars = StreamProgress(enabled=not quiet)
        with bars:
            result = run_cycle(
                engine,
                connectors,
                rules,
                CycleOptions(
                    kind=kind,
                    as_of=as_of,
                    plan=plan,
                    apply=do_apply,
                    progress=bars,
                    alerts=alerts,
                    on_call=bars.applied,
                    check=check,
                ),
            )
    return result


def summary(result: RunResult, *, applied_hint: bool) -> None:
    """What a cycle read, decided and wrote, in a few lines."""
    for s in result.pulled:
        console.print(
            f"read {s.platform}: {s.records:,} records, {s.activities:,} activities, "
            f"{s.deals:,} deals"
        )
    if result.identity is not None:
        i = result.identity
        console.print(f"persons: {i.persons:,} ({i.ambiguities} identity ambiguities recorded)")
    if result.classification is not None:
        d = result.classification.decisions
        names = d.status_names
        counts = ", ".join(
            f"{names[c]}: {int((d.status == c).sum()):,}" for c in range(1, len(names))
        )
        console.print(f"decided as of {d.as_of:%Y-%m-%d %H:%M} UTC: {counts}")
    if result.plan is not None:
        console.print(f"plan {result.plan_id}: {len(result.plan):,} operations")
    if result.applied is not None:
        a = result.applied
        console.print(
            f"applied {a.total('applied'):,} operations in {a.calls} calls, "
            f"{a.total('failed')} failed"
        )
    elif result.plan is not None and applied_hint and len(result.plan):
        console.print(
            f"[yellow]dry run:[/] nothing was written. Review it with `reengage plan`, then run "
            f"`reengage apply {result.plan_id}` or `reengage sync --apply`."
        )


def plan_rows(
    plan: Plan, *, segment: str | None, person: int | None, limit: int, engine: Engine | None = None
) -> list[dict[str, Any]]:
    """The operations to list, each with the email and name of its person (from ``engine``'s
    persons) so that an operator sees who a write is for, not only a record id."""
    ops = [
        op
        for op in plan.operations
        if (segment is None or op.segment == segment) and (person is None or op.person_id == person)
    ]
    ops = ops[:limit] if limit > 0 else ops
    known = people(engine, (o.person_id for o in ops if o.person_id is not None)) if engine else {}
    rows = []
    for op in ops:
        email, name = (
            known.get(op.person_id, (None, None)) if op.person_id is not None else (None, None)
        )
        rows.append({**op.to_dict(), "email": email, "name": name})
    return rows


def print_plan(
    plan: Plan, plan_id: str | None, rows: list[dict[str, Any]], *, as_json: bool
) -> None:
    counts = plan.counts()
    if as_json:
        doc = {
            "plan_id": plan_id,
            "counts": {f"{op}/{platform}": n for (op, platform), n in counts.by_op.items()},
            "by_segment": dict(counts.by_segment),
            "deferred": counts.deferred,
            "operations": rows,
        }
        console.print_json(json.dumps(doc, default=str))
        return
    table = Table(
        title=f"plan {plan_id}: {len(plan):,} operations "
        f"({counts.deferred} tasks deferred by the cap)"
    )
    for col in ("operation", "platform", "count"):
        table.add_column(col)
    for (op, platform), n in counts.by_op.items():
        table.add_row(op, platform, f"{n:,}")
    console.print(table)
    seg = Table(title="by segment")
    seg.add_column("segment")
    seg.add_column("operations")
    for name, n in counts.by_segment.items():
        seg.add_row(name, f"{n:,}")
    console.print(seg)
    if rows:
        ops = Table(title=f"first {len(rows)} operations")
        for col in ("op", "platform", "record", "email", "name", "target", "segment", "payload"):
            ops.add_column(col, overflow="fold")
        for r in rows:
            ops.add_row(
                r["op"],
                r["platform"] or "-",
                f"{r['record_type'] or ''}:{r['record_id'] or ''}".strip(":"),
                Text(r.get("email") or "-"), Text(r.get("name") or "-"),  # platform data: no markup
                r["target"] or "", r["segment"] or "", json.dumps(r["payload"], default=str)[:160],
            )  # fmt: skip
        console.print(ops)
