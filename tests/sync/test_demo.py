"""`reengage demo` end to end: a small world by default, the weeks and the lift behind -m slow."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from config.rules import Rules, load_rules
from config.settings import Settings
from sync.cli.demo import Weeks, run_demo


def _rules(holdout: float) -> Rules:
    rules = load_rules()
    return rules.model_copy(update={"holdout": rules.holdout.model_copy(update={"share": holdout})})


def test_demo_runs_the_whole_pipeline(tmp_path: Path) -> None:
    demo = run_demo(Settings(data_dir=tmp_path), load_rules(), persons=400, seed=3, quiet=True)
    (first,) = demo.results
    assert first.status == "ok" and first.applied is not None
    assert first.applied.total("applied") > 0 and first.applied.total("failed") == 0
    assert demo.report.exists() and demo.report.stat().st_size > 100_000  # plotly inline
    assert (demo.report.parent / "csv" / "overview.csv").exists()


@pytest.mark.slow
def test_weeks_show_a_lift_whose_interval_holds_the_model(tmp_path: Path) -> None:
    demo = run_demo(
        Settings(data_dir=tmp_path),
        _rules(0.2),
        persons=6000,
        seed=5,
        weeks=Weeks(count=4, uplift=1.0),
        quiet=True,
    )
    assert len(demo.results) == 5 and demo.expected_lift is not None
    with (demo.report.parent / "csv" / "lift.csv").open() as fh:
        overall = next(row for row in csv.DictReader(fh) if row["segment"] == "all")
    low, high = float(overall["ci_low"]), float(overall["ci_high"])
    lift = float(overall["lift"])
    print(f"lift {lift:+.4f} [{low:+.4f}, {high:+.4f}], expected {demo.expected_lift:+.4f}")
    assert low <= demo.expected_lift <= high
