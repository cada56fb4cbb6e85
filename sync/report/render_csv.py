"""The report as CSV: one file per table, ``<table name>.csv``, numbers unrounded.

One file per table (not one long-format file) because the tables have different
columns — a spreadsheet opens each as it is shown — and the text tables
(identity issues, parked operations) have no numeric "value" to put in a long
format. Rates are shares in [0, 1], lifts differences of shares, days
fractional days; an empty cell is a value that does not exist (nothing to
divide by), never a zero.

The tables' footnotes (the definitions that tell figures that read alike apart,
e.g. the funnel's won stage and the share of won deals from dormant persons)
go to ``notes.csv``, one row per table that has one: a CSV reader gets the same
definitions as the terminal and the HTML.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sync.report.model import Cell, Report


def _raw(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


NOTES_NAME = "notes.csv"


def render_csv(report: Report, out_dir: Path) -> list[Path]:
    """Writes each table to ``out_dir/<name>.csv``, then the footnotes to ``notes.csv``;
    returns the paths in that order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in report.tables:
        path = out_dir / f"{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow([c.name for c in table.columns])
            writer.writerows([_raw(v) for v in row] for row in table.rows)
        paths.append(path)
    notes = out_dir / NOTES_NAME
    with notes.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["table", "note"])
        writer.writerows([t.name, t.note] for t in report.tables if t.note)
    paths.append(notes)
    return paths
