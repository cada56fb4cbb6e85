"""Renderers: the HTML's numbers equal the CSV's, the page is self-contained, the terminal fits."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

from plotly.offline import get_plotlyjs
from rich.console import Console

from sync.cli.report import report_command
from sync.report import Report, display, render_csv, render_html, render_terminal
from sync.report.model import Cell, Kind
from tests.sync.report.builders import END, START
from tests.sync.report.conftest import RULES


class _Cells(HTMLParser):
    """Collects the text of every element carrying ``data-cell``."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, str] = {}
        self._open: str | None = None
        self.scripts_with_src: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "data-cell" in found:
            self._open = found["data-cell"]
            self.cells[self._open or ""] = ""
        if tag == "script" and found.get("src"):
            self.scripts_with_src.append(found["src"] or "")
        if tag == "link":
            self.links.append(found.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.cells[self._open] += data


def _parse(text: str, kind: Kind) -> Cell:
    if text == "":
        return None
    return int(text) if kind == "int" else float(text)


def _csv_cells(report: Report, out: Path) -> dict[str, str]:
    """``table:row:column`` -> the display of the CSV's (unrounded) value."""
    expected = {}
    for table in report.tables:
        with (out / f"{table.name}.csv").open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == len(table.rows)
        for r, row in enumerate(rows):
            for col in table.columns:
                if col.kind != "text":
                    value = _parse(row[col.name], col.kind)
                    expected[f"{table.name}:{r}:{col.name}"] = display(value, col.kind)
    return expected


def test_html_numbers_equal_the_csv(report: Report, tmp_path: Path) -> None:
    render_csv(report, tmp_path / "csv")
    page = render_html(report, tmp_path / "report.html").read_text(encoding="utf-8")
    parser = _Cells()
    parser.feed(page)
    expected = _csv_cells(report, tmp_path / "csv")
    assert len(expected) > 60
    assert parser.cells == expected


def test_csv_keeps_numbers_unrounded(report: Report, tmp_path: Path) -> None:
    render_csv(report, tmp_path)
    rows = list(csv.DictReader((tmp_path / "reactivation.csv").open(encoding="utf-8")))
    assert rows[0] == {"segment": "all", "dormant": "6", "reactivated": "2",
                       "rate": repr(2 / 6)}  # fmt: skip
    assert rows[-1]["segment"] == "(unrecorded)"
    overview = list(csv.DictReader((tmp_path / "overview.csv").open(encoding="utf-8")))
    assert float(overview[0]["lift"]) == -0.25


def test_html_is_self_contained(report: Report) -> None:
    from sync.report import html_text

    page = html_text(report)
    parser = _Cells()
    parser.feed(page)
    assert parser.scripts_with_src == [] and parser.links == []
    bundle = get_plotlyjs()
    assert page.count(bundle) == 1  # plotly.js embedded once, inline
    # outside the library's own source, the page names no address at all
    assert re.findall(r"https?://", page.replace(bundle, "")) == []
    assert page.count("<script") >= 5  # plotly.js once, then one call per chart
    for chart in ("weekly", "segments", "funnel", "lift"):
        assert f'id="chart-{chart}"' in page


def test_terminal_fits_100_columns(report: Report) -> None:
    buffer = io.StringIO()
    render_terminal(report, Console(file=buffer, width=100, color_system=None))
    text = buffer.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "Reactivation rate" in text and "33.3%" in text and "-25.0 pp" in text


def test_report_command_formats(world: object, tmp_path: Path) -> None:
    out = report_command(world, RULES, START, END, "html", tmp_path)  # type: ignore[arg-type]
    assert out == tmp_path / "reengage-report.html" and out.exists()
    assert report_command(world, RULES, START, END, "csv", tmp_path / "c") == tmp_path / "c"  # type: ignore[arg-type]
    assert (tmp_path / "c" / "funnel.csv").exists()
    buffer = io.StringIO()
    console = Console(file=buffer, width=100)
    assert report_command(world, RULES, START, END, "table", tmp_path, console) is None  # type: ignore[arg-type]
    assert "Funnel" in buffer.getvalue()
