"""Each benchmark at its smoke size, run as an operator runs it: ``python -m benchmarks NAME
--json`` in a subprocess. The JSON must hold every figure the issue names, as sane numbers;
no figure is held against a time bound (the large sizes are measured, not tested)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from benchmarks.__main__ import parse
from sync.store.schema import persons, plans

ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "benchmarks", *args, "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def sane(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


def check_common(doc: dict[str, Any], name: str, persons: int) -> None:
    assert doc["benchmark"] == name
    assert doc["persons"] == persons
    assert "activities" in doc
    assert doc["seconds"]["total"] > 0
    assert all(sane(s) for s in doc["seconds"].values()), doc["seconds"]
    assert sane(doc["peak_rss_mb"]) and doc["peak_rss_mb"] > 10


CYCLE_STAGES = ("identity", "snapshot", "classify", "save_decisions", "plan_input", "plan",
                "save_plan")  # fmt: skip


def test_cycle_reports_first_and_steady_cycles_against_the_floor() -> None:
    doc = bench("cycle", "--persons", "1000")
    check_common(doc, "cycle", 1000)
    assert doc["activities"] == 20_000
    for stage in CYCLE_STAGES:
        assert stage in doc["seconds"] and f"first_{stage}" in doc["seconds"]
    assert doc["seconds"]["total"] == pytest.approx(
        sum(doc["seconds"][s] for s in CYCLE_STAGES), abs=0.01
    )
    assert doc["floor_seconds"] > 0 and len(doc["floor_reads"]) == 3
    assert doc["ratios"]["steady_over_floor"] > 0 and doc["ratios"]["first_over_floor"] > 0
    assert doc["operations"]["first"] > 0
    assert doc["journaled_as_applied"] == doc["operations"]["first"]
    assert doc["store"] == {"backend": "sqlite", "kept": False}


@pytest.mark.postgres
def test_cycle_keeps_the_store_it_built_on_postgresql(postgres_url: str) -> None:
    doc = bench("cycle", "--persons", "300", "--store", postgres_url)
    check_common(doc, "cycle", 300)
    assert doc["store"]["backend"] == "postgresql" and doc["store"]["kept"]
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            held = conn.execute(select(func.count()).select_from(persons)).scalar()
            made = conn.execute(select(func.count()).select_from(plans)).scalar()
    finally:
        engine.dispose()
    assert held == 300 and made == 2  # the first and the steady cycle's plans


def test_increment_changes_one_percent_of_persons() -> None:
    doc = bench("increment", "--persons", "1000")
    check_common(doc, "increment", 1000)
    assert doc["changed_persons"] == 10
    assert "identity" in doc["seconds"] and "first_identity" in doc["seconds"]
    assert set(doc["operations"]) == {"first", "increment"}


def test_writes_counts_the_first_apply_and_an_unchanged_rerun() -> None:
    doc = bench("writes", "--persons", "100")
    check_common(doc, "writes", 100)
    req = doc["requests"]
    assert req["minimum_writes"] > 0
    assert req["first_apply_writes"] >= req["minimum_writes"]
    assert req["rerun_writes"] == 0
    assert doc["ratios"]["first_apply_over_minimum"] >= 1


def test_backfill_reports_streams_budget_and_bulk() -> None:
    doc = bench("backfill", "--persons", "100")
    check_common(doc, "backfill", 100)
    assert doc["activities"] > 0
    streams = doc["streams"]
    assert "hubspot contacts" in streams and "salesforce leads" in streams
    assert all(sane(s["per_second"]) and s["records"] >= 0 for s in streams.values())
    budget = doc["hubspot_budget"]
    assert budget["budget_per_window"] > 0 and sane(budget["mean_requests_per_window"])
    assert doc["hubspot_429s"] >= 0
    assert doc["requests"]["hubspot"] > 0 and doc["requests"]["salesforce"] > 0
    assert set(doc["salesforce_bulk"]) >= {"objects_above_threshold", "read_through_bulk"}


def test_naive_counts_the_script_beside_reengage() -> None:
    doc = bench("naive", "--persons", "50")
    check_common(doc, "naive", 50)
    req = doc["requests"]
    assert req["naive"] > req["reengage"] > 0
    assert doc["ratios"]["naive_over_reengage_requests"] > 1
    assert req["naive_by_step"]["hubspot emails by contact"] > 0
    assert req["naive_by_step"]["salesforce Task by WhoId"] > 0


def test_reaction_times_clicks_to_salesforce_tasks() -> None:
    doc = bench("reaction", "--persons", "1000", "--clicks", "3", "--interval", "10")
    check_common(doc, "reaction", 1000)
    assert doc["clicks"] == 3 and doc["tasks_seen"] == 3
    times = doc["reaction_seconds"]
    assert all(sane(times[k]) and times[k] > 0 for k in ("p50", "p95", "max"))
    assert times["p50"] <= times["p95"] <= times["max"]


@pytest.mark.parametrize("flag", ["--persons", "--activities", "--clicks"])
def test_sizes_must_be_positive(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse(["cycle", flag, "0"])
    assert exited.value.code == 2
    assert f"{flag} must be positive" in capsys.readouterr().err
