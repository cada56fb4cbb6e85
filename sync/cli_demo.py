"""``reengage demo``: the whole pipeline against the built-in sandbox, with no configuration.

Starts the emulated HubSpot and Salesforce on loopback with a generated world,
points reengage at them through the same settings an operator would set (only
the values differ), and runs setup -> backfill -> classify -> plan -> apply ->
report as of the world's "now". The demo keeps its own store under the data
directory, made fresh on every run, so it never touches a real store.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from config.rules import Rules
from config.settings import HubSpotSettings, SalesforceSettings, Settings, load_settings
from connectors.base import load_sandbox
from sync.cli_run import StreamProgress, print_setup
from sync.report import build_report, render_csv, render_html
from sync.run import RunResult, build_connectors, close_all, run_cycle, setup_all
from sync.store.migrate import open_store

console = Console()

# The sandbox portal has the API add-on (250 requests / 10 s) and serves reengage alone, so
# reengage may use nearly all of it; the emulator enforces exactly that limit.
DEMO_TIER = "api_addon"
DEMO_TEN_SECOND_LIMIT = 250
DEMO_BUDGET_SHARE = 0.95
REPORT_WEEKS = 12


@dataclass
class DemoResult:
    result: RunResult
    store_url: str
    seconds: float
    report: Path


def demo_settings(env: dict[str, str], data_dir: Path) -> Settings:
    """Settings for the sandbox: the same fields an operator sets for real platforms."""
    hubspot = HubSpotSettings(
        access_token=env["REENGAGE_HUBSPOT__ACCESS_TOKEN"],
        base_url=env["REENGAGE_HUBSPOT__BASE_URL"],
        rate_limit_tier=DEMO_TIER,
        budget_share=DEMO_BUDGET_SHARE,
    )
    salesforce = SalesforceSettings(
        instance_url=env["REENGAGE_SALESFORCE__INSTANCE_URL"],
        consumer_key=env["REENGAGE_SALESFORCE__CONSUMER_KEY"],
        consumer_secret=env["REENGAGE_SALESFORCE__CONSUMER_SECRET"],
        ca_bundle=Path(env["REENGAGE_SALESFORCE__CA_BUNDLE"]),
    )
    store = data_dir / "demo" / "reengage-demo.db"
    return load_settings(
        data_dir=data_dir, database_url=f"sqlite:///{store}", hubspot=hubspot, salesforce=salesforce
    )


def _fresh_store(settings: Settings) -> None:
    folder = settings.data_dir / "demo"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)


def run_demo(
    base: Settings, rules: Rules, *, persons: int, seed: int, quiet: bool = False
) -> DemoResult:
    started = time.monotonic()
    # The world's "now" is the real one (to the minute), so that what the demo writes
    # (tasks, alerts) falls inside the report's period; the seed fixes everything else.
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    box = load_sandbox()(
        persons=persons, seed=seed, now=now, ten_second_limit=DEMO_TEN_SECOND_LIMIT
    )
    with console.status(f"generating {persons:,} persons and starting the sandbox..."):
        box.start()
    try:
        settings = demo_settings(box.environment(), base.data_dir)
        _fresh_store(settings)
        as_of: datetime = box.dataset.now
        engine = open_store(settings.store_url)
        connectors = build_connectors(settings, rules)  # one budget per portal, setup included
        try:
            console.rule("setup")
            print_setup(setup_all(connectors, rules, create=True))
            console.rule(f"backfill, classify, plan and apply as of {as_of:%Y-%m-%d %H:%M} UTC")
            bars = StreamProgress(enabled=not quiet)
            with bars.progress:
                result = run_cycle(
                    engine, connectors, rules, kind="demo", as_of=as_of, plan=True, apply=True,
                    progress=bars,
                )  # fmt: skip
            report = _report(engine, rules, settings.data_dir / "demo")
        finally:
            close_all(connectors)
            engine.dispose()
    finally:
        box.stop()
    return DemoResult(result, settings.store_url, time.monotonic() - started, report)


def _report(engine: Any, rules: Rules, folder: Path) -> Path:
    """The demo's HTML report (and its CSV tables beside it) over the last weeks, up to now."""
    end = datetime.now(UTC)
    report = build_report(engine, rules, end - timedelta(weeks=REPORT_WEEKS), end)
    render_csv(report, folder / "csv")
    return render_html(report, folder / "reengage-report.html")


def print_demo_summary(demo: DemoResult) -> None:
    result = demo.result
    c = result.classification
    if c is not None:
        d = c.decisions
        segments = Counter(
            d.segment_names[s]
            for s, st in zip(d.segment, d.status, strict=True)
            if s >= 0 and st in (1, 2)
        )
        table = Table(title="Persons per segment (dormant or sunset)")
        table.add_column("segment")
        table.add_column("persons", justify="right")
        for name in d.segment_names:
            table.add_row(name, f"{segments.get(name, 0):,}")
        console.print(table)
        names = d.status_names
        status = ", ".join(
            f"{names[k]} {int((d.status == k).sum()):,}" for k in range(1, len(names))
        )
        console.print(f"{len(c.snapshot.person_keys):,} persons: {status}")
    if result.applied is not None:
        per_platform: Counter[str] = Counter()
        for (platform, _op), n in result.applied.applied.items():
            per_platform[platform] += n
        done = ", ".join(f"{p} {n:,}" for p, n in sorted(per_platform.items()))
        console.print(
            f"operations applied: {done} ({result.applied.total('failed')} failed, "
            f"{result.applied.calls} calls)"
        )
    console.print(f"store: {demo.store_url}")
    console.print(f"report: [bold]{demo.report}[/]")
    console.print(f"demo finished in {demo.seconds:.1f} s")
