"""Figures that must agree with each other and with their definitions (stores from builders).

* a dormant customer who wins a new deal in the period is a re-purchase, whatever
  segment label (if any) the store recorded for them at the start;
* the funnel's won stage is a subset of the won-deals share's numerator: every
  person it counts has a won deal that the share counts as from a dormant person;
* both definitions are footnotes of every render (terminal, CSV, HTML).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import timedelta
from html import escape
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine

from sync.report import Report, build_report, render_csv, render_terminal
from sync.report.render_html import html_text
from sync.store.migrate import open_store
from tests.sync.report.builders import END, START, StoreBuilder
from tests.sync.report.conftest import RULES

LONG_END = START + timedelta(days=70)


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = open_store(sqlite_url)
    yield engine
    engine.dispose()


def test_a_dormant_customer_who_wins_a_deal_is_a_repurchase(engine: Engine) -> None:
    b = StoreBuilder(engine)
    bought, idle = b.person(), b.person()
    for pid in (bought, idle):
        b.deal((pid,), "won", -900, -500)  # a customer: an earlier won deal
    b.episode(idle, -135)
    b.episode(bought, -135, end=3)  # ended by the new deal, opened on day 3
    # a store whose history starts after the period start recorded no segment at the start
    b.deal((bought,), "won", 3, 20)
    table = build_report(engine, RULES, START, END).table("repurchase")
    assert table is not None
    assert table.rows == ((2, 1, 0.5),)


def _funnel_and_share(engine: Engine) -> Report:
    b = StoreBuilder(engine)
    late, soon = b.person(), b.person()
    # late: reactivated and handed off on day 1; a deal opened 39 days later, won on day 50
    b.episode(late, -100, end=1, react=1, handoff=1)
    b.member(late, "dormant_90_180d", -100, 1)
    b.deal((late,), "won", 40, 50)
    # soon: reactivated day 2, handed off day 3, deal opened day 10, won on day 30
    b.episode(soon, -100, end=2, react=2, handoff=3)
    b.member(soon, "dormant_90_180d", -100, 2)
    b.deal((soon,), "won", 10, 30)
    return build_report(engine, RULES, START, LONG_END)


def test_funnel_won_is_a_subset_of_won_deals_from_dormant(engine: Engine) -> None:
    report = _funnel_and_share(engine)
    funnel, wins = report.table("funnel"), report.table("won_deals")
    assert funnel is not None and wins is not None
    won = dict(zip(funnel.column("stage"), funnel.column("persons"), strict=True))["won"]
    # the late deal came 39 days after the reactivation: not from a dormant person (30 days)
    assert wins.value("from_dormant") == 1
    assert won == 1


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_both_definitions_are_footnotes_of_every_render(engine: Engine, tmp_path: Path) -> None:
    report = _funnel_and_share(engine)
    funnel, wins = report.table("funnel"), report.table("won_deals")
    assert funnel is not None and wins is not None and funnel.note and wins.note
    # each definition names the other figure, so a reader sees why they differ
    assert "Won deals from dormant persons" in funnel.note
    assert "funnel" in wins.note.lower()
    console = Console(record=True, width=100)
    render_terminal(report, console)
    terminal = _flat(console.export_text())
    with (render_csv(report, tmp_path)[0].parent / "notes.csv").open(encoding="utf-8") as fh:
        in_csv = {row["table"]: row["note"] for row in csv.DictReader(fh)}
    html = _flat(html_text(report))
    for table in (funnel, wins):
        assert table.note is not None
        assert _flat(table.note) in terminal
        assert in_csv[table.name] == table.note
        assert escape(_flat(table.note)) in html
    overview = report.table("overview")
    assert overview is not None and overview.note is not None
    assert _flat(overview.note) in terminal and in_csv["overview"] == overview.note
