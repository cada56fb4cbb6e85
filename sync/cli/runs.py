"""``reengage runs`` and ``reengage errors``: the sync log, for a terminal or a script.

``runs``: each run's start, end, trigger, records read per stream, operations
applied and failed per platform, and how it exited. ``errors``: each operation
that did not get through (failed, or parked after too many attempts) with its
record, a link to it, the platform's error code and message, and its attempts.
Both read the store only (:mod:`sync.store.runlog`) and print a table, or with
``--json`` one JSON document (the entries under ``runs`` / ``errors``, with
``since``), or with ``--csv`` a CSV file, on stdout; logs stay on stderr.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine

from sync.cli.options import parse_as_of
from sync.console import console_for
from sync.store.runlog import Failure, RunEntry, failures, recent_runs

if TYPE_CHECKING:  # sync.alerts loads the planner (numba): only `errors` needs it, at run time
    from sync.alerts.links import RecordLinks

DEFAULT_SINCE = timedelta(days=7)
_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def log_format(*, as_json: bool, as_csv: bool) -> str:
    """``table``, ``json`` or ``csv`` from the two flags, which exclude each other."""
    if as_json and as_csv:
        raise typer.BadParameter("--json and --csv exclude each other")
    return "json" if as_json else "csv" if as_csv else "table"


def parse_since(value: str | None, *, now: datetime | None = None) -> datetime:
    """``--since``: a duration back from now (``90m``, ``24h``, ``7d``, ``2w``) or an ISO date
    or datetime (UTC unless it says otherwise); the last 7 days when None."""
    current = parse_as_of(None, now=now)
    if value is None:
        return current - DEFAULT_SINCE
    match = _DURATION.match(value)
    if match:
        return current - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        return parse_as_of(value, now=current)
    except typer.BadParameter:
        raise typer.BadParameter(
            f"{value!r} is neither a duration (24h, 7d, 2w) nor a date or datetime "
            "(2026-11-20 or 2026-11-20T09:00:00Z)"
        ) from None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _json_value(value: Any) -> Any:
    return _iso(value) if isinstance(value, datetime) else value


def _write_json(key: str, since: datetime, rows: Iterable[dict[str, Any]]) -> None:
    doc = {"since": _iso(since), key: [{k: _json_value(v) for k, v in r.items()} for r in rows]}
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")


def _write_csv(columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else _json_value(row[k]) for k in columns})


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else "-"


def _row(table: Table, *cells: str) -> None:
    """Adds a row of plain text: platform messages may hold ``[...]``, never Rich markup."""
    table.add_row(*(Text(c) for c in cells))


# runs


def _run_csv_row(run: RunEntry) -> dict[str, Any]:
    """A run flattened: one column per platform/stream read and per platform written."""
    row = {k: v for k, v in run.to_dict().items() if k not in ("read", "applied", "failed")}
    for platform, streams in run.read.items():
        row.update({f"read {platform}/{s}": n for s, n in streams.items()})
    row.update({f"applied {p}": n for p, n in run.applied.items()})
    row.update({f"failed {p}": n for p, n in run.failed.items()})
    return row


RUN_COLUMNS = ["id", "kind", "trigger", "started_at", "finished_at", "seconds", "status",
               "exit_code", "message", "as_of"]  # fmt: skip


def _exit(run: RunEntry) -> str:
    code = "-" if run.exit_code is None else str(run.exit_code)
    return f"{code} {run.status}" + (f": {run.message}" if run.message else "")


def _counts(by_platform: dict[str, int]) -> str:
    named = {"alerts" if p == "-" else p: n for p, n in by_platform.items()}
    return "\n".join(f"{p} {n:,}" for p, n in sorted(named.items())) or "0"


def _reads(platform: str, streams: dict[str, int]) -> str:
    """``hubspot 1,204: contacts 255, emails 155`` (streams that read nothing left out)."""
    found = ", ".join(f"{s} {n:,}" for s, n in streams.items() if n)
    return f"{platform} {sum(streams.values()):,}" + (f": {found}" if found else "")


def _runs_table(entries: list[RunEntry], since: datetime) -> None:
    table = Table(title=f"runs since {since:%Y-%m-%d %H:%M} UTC (newest first)")
    for col in ("run", "kind", "trigger", "started (UTC)", "took", "read", "applied", "failed",
                "exit"):  # fmt: skip
        table.add_column(col, overflow="fold", max_width=72 if col == "read" else None)
    for run in entries:
        read = "\n".join(_reads(p, streams) for p, streams in run.read.items())
        took = "running" if run.seconds is None else f"{run.seconds:,.1f} s"
        _row(table, str(run.id), run.kind, run.trigger or "-", _when(run.started_at), took,
             read or "-", _counts(run.applied), _counts(run.failed), _exit(run))  # fmt: skip
    console_for().print(table)


def runs_command(engine: Engine, since: datetime, *, limit: int, fmt: str) -> None:
    """Prints the runs started since ``since`` as ``fmt`` (table, json or csv)."""
    with engine.connect() as conn:
        entries = recent_runs(conn, since, limit)
    if fmt == "json":
        _write_json("runs", since, (r.to_dict() for r in entries))
    elif fmt == "csv":
        rows = [_run_csv_row(r) for r in entries]
        extra = sorted({k for r in rows for k in r} - set(RUN_COLUMNS))
        _write_csv(RUN_COLUMNS + extra, rows)
    elif entries:
        _runs_table(entries, since)
    else:
        console_for().print(f"no runs since {since:%Y-%m-%d %H:%M} UTC")


# errors

ERROR_COLUMNS = ["kind", "at", "run_id", "plan_id", "platform", "object", "record_id", "record",
                 "link", "operation", "target", "error_code", "error_message", "attempts",
                 "parked"]  # fmt: skip


def error_row(failure: Failure, links: RecordLinks) -> dict[str, Any]:
    """One failure with its record's label and link (None when the base URL is unknown)."""
    from connectors.base import RecordRef, RecordType

    ref = None
    if failure.record_type in {t.value for t in RecordType.members()} and failure.record_id:
        ref = RecordRef(RecordType(failure.record_type), failure.record_id)
    return {
        "kind": failure.kind, "at": failure.at, "run_id": failure.run_id,
        "plan_id": failure.plan_id, "platform": failure.platform, "object": failure.object,
        "record_id": failure.record_id, "record": links.label(ref) if ref else None,
        "link": links.url(ref) if ref else None, "operation": failure.operation,
        "target": failure.target, "error_code": failure.error_code,
        "error_message": failure.error_message, "attempts": failure.attempts,
        "parked": failure.parked,
    }  # fmt: skip


def _errors_table(rows: list[dict[str, Any]], since: datetime) -> None:
    table = Table(title=f"operations that failed since {since:%Y-%m-%d %H:%M} UTC (latest first)")
    widths = {"operation": 24, "error": 48}  # a platform message may run long: folded
    for col in ("at (UTC)", "run", "kind", "record", "operation", "error", "attempts"):
        table.add_column(col, overflow="fold", max_width=widths.get(col))
    for r in rows:
        record = r["record"] or f"{r['platform']} {r['object'] or ''} {r['record_id'] or ''}"
        if r["link"]:
            record += f"\n{r['link']}"
        operation = r["operation"] + (f" {r['target']}" if r["target"] else "")
        error = f"{r['error_code'] or '-'}\n{r['error_message'] or ''}"
        _row(table, _when(r["at"]), str(r["run_id"] or "-"), r["kind"], record, operation,
             error, str(r["attempts"]))  # fmt: skip
    console_for().print(table)


def errors_command(
    engine: Engine, links: RecordLinks, since: datetime, *, limit: int, fmt: str
) -> None:
    """Prints the operations that failed since ``since`` as ``fmt`` (table, json or csv)."""
    with engine.connect() as conn:
        found = failures(conn, since, limit)
    rows = [error_row(f, links) for f in found]
    show: dict[str, Callable[[], None]] = {
        "json": lambda: _write_json("errors", since, rows),
        "csv": lambda: _write_csv(ERROR_COLUMNS, rows),
        "table": lambda: _errors_table(rows, since),
    }
    if rows or fmt != "table":
        show[fmt]()
    else:
        console_for().print(f"no failed or parked operations since {since:%Y-%m-%d %H:%M} UTC")
