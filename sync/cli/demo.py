"""``reengage demo``: the whole pipeline against the built-in sandbox, with no configuration.

Starts the emulated HubSpot and Salesforce on loopback with a generated world,
points reengage at them through the same settings an operator would set (only
the values differ), and runs setup -> backfill -> classify -> plan -> apply ->
report as of the world's "now". The demo keeps its own store under the data
directory, made fresh on every run, so it never touches a real store.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.table import Table

from config.rules import Rules
from config.settings import HubSpotSettings, SalesforceSettings, Settings, load_settings
from connectors.base import load_sandbox
from sync.cli.common import print_setup
from sync.cli.progress import StreamProgress
from sync.console import console_for
from sync.report import build_report, render_csv, render_html
from sync.run import CycleOptions, RunResult, build_connectors, close_all, run_cycle, setup_all
from sync.store.migrate import open_store

console = console_for()  # never wrapped mid-word when piped to a file

# The sandbox portal has the API add-on (250 requests / 10 s) and serves reengage alone, so
# reengage may use nearly all of it; the emulator enforces exactly that limit.
DEMO_TIER = "api_addon"
DEMO_TEN_SECOND_LIMIT = 250
DEMO_BUDGET_SHARE = 0.95
REPORT_WEEKS = 12


@dataclass
class DemoResult:
    results: list[RunResult]  # the first run, then one per week
    store_url: str
    seconds: float
    report: Path
    expected_lift: float | None = None


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


@dataclass(frozen=True)
class Weeks:
    """``--weeks``: the world moves forward week by week after the first run; persons on
    reengage's lists or with its tasks react with ``uplift`` more than comparable ones."""

    count: int = 0
    uplift: float = 0.3


def run_demo(
    base: Settings,
    rules: Rules,
    *,
    persons: int,
    seed: int,
    weeks: Weeks = Weeks(),
    quiet: bool = False,
    stranger: int | None = None,
) -> DemoResult:
    started = time.monotonic()
    # The world's "now" is the real one (to the minute), so that what the demo writes
    # (tasks, alerts) falls inside the report's period; the seed fixes everything else.
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    # a sandbox plugin without stranger mode is only asked for it when one is wanted
    extra = {} if stranger is None else {"stranger": stranger}
    box = load_sandbox()(
        persons=persons, seed=seed, now=now, ten_second_limit=DEMO_TEN_SECOND_LIMIT, **extra
    )
    _start(box, persons, quiet)
    try:
        settings = demo_settings(box.environment(), base.data_dir)
        _fresh_store(settings)
        first: datetime = box.dataset.now
        engine = open_store(settings.store_url)
        # one budget per portal, setup included; "now" is the sandbox's, which runs ahead
        connectors = build_connectors(settings, rules, clock=box.clock())
        try:
            console.rule("setup")
            print_setup(setup_all(connectors, rules, create=True))
            console.rule(f"backfill, classify, plan and apply as of {first:%Y-%m-%d %H:%M} UTC")
            results = [_cycle(engine, connectors, rules, "demo", first, quiet)]
            expected = _weeks(box, engine, connectors, rules, weeks, quiet, results)
            end = report_end(box.dataset.now, box.clock()())
            start = first if weeks.count else end - timedelta(weeks=REPORT_WEEKS)
            report = _report(engine, rules, settings.data_dir / "demo", start, end)
        finally:
            close_all(connectors)
            engine.dispose()
    finally:
        box.stop()
    seconds = time.monotonic() - started
    return DemoResult(results, settings.store_url, seconds, report, expected)


def _start(box: Any, persons: int, quiet: bool) -> None:
    """Generates the world (minutes at 20,000 persons), saying so on stderr: a spinner on a
    terminal, one plain line otherwise (a spinner draws nothing into a pipe)."""
    message = f"generating {persons:,} persons and starting the sandbox..."
    err = console_for(stderr=True)
    if quiet:
        box.start()
    elif sys.stderr.isatty():
        with err.status(message):
            box.start()
    else:
        err.print(message, markup=False, highlight=False)
        box.start()


def report_end(world_now: datetime, platform_now: datetime) -> datetime:
    """The end of the demo's report period: after the last apply, on every clock involved.

    The world's "now" is fixed when the world is generated, but the runs' writes happen
    later: tasks are journaled at the instant the platform accepted them (the real clock)
    and the platforms date them by their own clock (the sandbox's, ahead once weeks have
    passed). A period ending at the world's "now" would leave out the very tasks the demo
    created whenever its runs take more than a moment; so it ends a minute after the
    latest of the three instants, read once every run has been applied.
    """
    return max(world_now, platform_now, datetime.now(UTC)) + timedelta(minutes=1)


def _cycle(
    engine: Any, connectors: Any, rules: Rules, kind: str, as_of: datetime, quiet: bool
) -> RunResult:
    bars = StreamProgress(enabled=not quiet)
    with bars:
        return run_cycle(
            engine,
            connectors,
            rules,
            CycleOptions(
                kind=kind, as_of=as_of, plan=True, apply=True, progress=bars, on_call=bars.applied
            ),
        )


def _weeks(
    box: Any,
    engine: Any,
    connectors: Any,
    rules: Rules,
    weeks: Weeks,
    quiet: bool,
    results: list[RunResult],
) -> float | None:
    """Moves the world ``weeks.count`` weeks forward, syncing after each; returns the
    sandbox model's expected lift (None without weeks)."""
    if not weeks.count:
        return None
    treated = box.treated()
    expected = float(box.expected_lift(treated, weeks.count, weeks.uplift, rules.holdout.share))
    for week in range(1, weeks.count + 1):
        summary = box.advance_week(uplift=weeks.uplift, treated=box.treated())
        console.rule(
            f"week {week}: {summary.treated_woke} treated and {summary.untreated_woke} untreated "
            f"quiet persons woke up; sync as of {box.dataset.now:%Y-%m-%d %H:%M} UTC"
        )
        results.append(_cycle(engine, connectors, rules, "sync", box.dataset.now, quiet))
    return expected


def _report(engine: Any, rules: Rules, folder: Path, start: datetime, end: datetime) -> Path:
    """The demo's HTML report (and its CSV tables beside it) over ``[start, end)``."""
    report = build_report(engine, rules, start, end)
    render_csv(report, folder / "csv")
    return render_html(report, folder / "reengage-report.html")


def print_demo_summary(demo: DemoResult) -> None:
    result = demo.results[-1]
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
    per_platform: Counter[str] = Counter()
    failed = calls = 0
    for run in demo.results:
        if run.applied is not None:
            for (platform, _op), n in run.applied.applied.items():
                per_platform[platform] += n
            failed += run.applied.total("failed")
            calls += run.applied.calls
    done = ", ".join(f"{p} {n:,}" for p, n in sorted(per_platform.items()))
    runs = f" over {len(demo.results)} runs" if len(demo.results) > 1 else ""
    console.print(f"operations applied{runs}: {done} ({failed} failed, {calls} calls)")
    console.print(f"store: {demo.store_url}")
    if demo.expected_lift is not None:
        console.print(
            f"the sandbox's model expects a lift of about {demo.expected_lift * 100:+.1f} points "
            "(treated minus holdout reactivation rate): compare the report's lift"
        )
    console.print(f"report: [bold]{demo.report}[/]")
    console.print(f"demo finished in {demo.seconds:.1f} s")
