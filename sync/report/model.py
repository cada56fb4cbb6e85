"""The report as data: named tables of typed columns, and the one rule that displays a number.

Every renderer (terminal, CSV, HTML) reads the same :class:`Report`, so the
numbers cannot drift between formats: the CSV writes each value unrounded, and
the terminal and the HTML both pass it through :func:`display`. A test parses
the HTML and the CSV and checks that ``display(csv value) == html text`` cell by
cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Kind = Literal["text", "int", "rate", "days", "diff"]
"""How a column's values read: ``rate`` is a share in [0, 1] shown as a percentage,
``diff`` a difference of two rates shown in percentage points, ``days`` a
duration in (fractional) days."""

Cell = str | int | float | None

MISSING = "—"


@dataclass(frozen=True, slots=True)
class Col:
    """One column: its CSV header (``name``), its human label and its kind."""

    name: str
    label: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class ReportTable:
    """One table of the report.

    ``transpose`` marks a one-row table of headline figures that reads better as
    metric / value pairs; ``note`` is a sentence shown under the table (e.g.
    what was not measured and why).
    """

    name: str
    title: str
    columns: tuple[Col, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str | None = None
    transpose: bool = False

    def column(self, name: str) -> list[Cell]:
        """The values of column ``name``, top to bottom."""
        k = [c.name for c in self.columns].index(name)
        return [row[k] for row in self.rows]

    def value(self, name: str, row: int = 0) -> Cell:
        """One cell by column name and row index."""
        return self.column(name)[row]


@dataclass(frozen=True, slots=True)
class Report:
    """The KPIs of one period [start, end), as tables in reading order."""

    start: datetime
    end: datetime
    generated_at: datetime
    tables: tuple[ReportTable, ...] = field(default_factory=tuple)

    def table(self, name: str) -> ReportTable | None:
        """The table called ``name``, or None when the report has none (e.g. no holdout)."""
        return next((t for t in self.tables if t.name == name), None)

    @property
    def has_lift(self) -> bool:
        return self.table("lift") is not None


def display(value: Cell, kind: Kind) -> str:
    """The one display rule shared by the terminal and the HTML.

    Counts get thousands separators, rates one decimal of a percent, differences
    of rates one decimal of a percentage point with a sign, days one decimal.
    A missing value (nothing to divide by, no data) shows as a dash, never 0.
    """
    if value is None:
        return MISSING
    if kind == "text" or isinstance(value, str):
        return str(value)
    if kind == "int":
        return f"{int(value):,}"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "diff":
        return f"{value * 100:+.1f} pp"
    return f"{value:.1f}"
