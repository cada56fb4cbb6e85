"""/metrics parses as Prometheus text and counts what the runs did; /healthz answers JSON."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from connectors.base import ApiUsage
from sync.apply import ApplyStats
from sync.pull import PullStats
from sync.run import RunResult
from sync.serve.lock import StoreLock
from sync.serve.metrics import Metrics, count_persons
from sync.serve.metrics_http import Health, MetricsServer
from sync.serve.schedule import Schedule
from sync.serve.service import ServeLoop
from sync.store.migrate import open_store
from sync.store.schema import person_states, persons

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def fake_run(records: int, applied: dict[tuple[str, str], int], failed: int = 0) -> RunResult:
    stats = ApplyStats(
        applied=Counter(applied), failed=Counter({("hubspot", "add_member"): failed})
    )
    pulled = [
        PullStats("hubspot", records=records, activities=2 * records),
        PullStats("salesforce"),
    ]
    return RunResult(run_id=1, pulled=pulled, applied=stats, status="ok")


RUNS: list[RunResult | Exception] = [
    fake_run(10, {("hubspot", "add_member"): 4, ("salesforce", "create_task"): 1}, failed=2),
    RuntimeError("HubSpot answered 502 three times"),
    fake_run(5, {("hubspot", "add_member"): 3}),
]


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = open_store(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def served(engine: Engine) -> Iterator[tuple[ServeLoop, str]]:
    """A loop that has made the three RUNS, and the base URL of its endpoint."""
    todo = list(RUNS)

    def cycle(_stop: threading.Event) -> RunResult:
        outcome = todo.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    lock = StoreLock(engine, ttl=timedelta(minutes=5))
    loop = ServeLoop(cycle, Schedule(interval=timedelta(hours=1)), lock)
    for _ in RUNS:
        loop.turn()
    loop.health.scheduled(NOW)
    server = MetricsServer(loop.metrics, loop.health, "127.0.0.1", 0).start()
    try:
        yield loop, f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found[(name, frozenset(labels.items()))]


def test_metrics_count_what_the_runs_did(served: tuple[ServeLoop, str]) -> None:
    _, base = served
    status, content_type, body = get(base + "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    found = samples(body)
    assert value(found, "reengage_runs_total", status="ok") == 2
    assert value(found, "reengage_runs_total", status="failed") == 1
    assert value(found, "reengage_run_duration_seconds_count") == 3
    assert value(found, "reengage_records_read_total", platform="hubspot", object="records") == 15
    assert (
        value(found, "reengage_records_read_total", platform="hubspot", object="activities") == 30
    )
    assert (
        value(found, "reengage_operations_applied_total", platform="hubspot", op="add_member") == 7
    )
    assert (
        value(found, "reengage_operations_applied_total", platform="salesforce", op="create_task")
        == 1
    )
    assert (
        value(found, "reengage_operations_failed_total", platform="hubspot", op="add_member") == 2
    )
    assert value(found, "reengage_lock_busy_total") == 0


def test_healthz(served: tuple[ServeLoop, str]) -> None:
    loop, base = served
    status, content_type, body = get(base + "/healthz")
    doc = json.loads(body)
    assert (status, content_type) == (200, "application/json")
    assert doc["status"] == "ok" and doc["last_status"] == "ok"
    assert doc["next_run"] == NOW.isoformat()
    assert datetime.fromisoformat(doc["last_run"]).tzinfo is not None
    loop.request_stop()
    status, _, body = get(base + "/healthz")
    assert status == 503 and json.loads(body)["status"] == "stopping"
    assert get(base + "/nope")[0] == 404


def test_api_counters_add_the_run_delta() -> None:
    metrics = Metrics()
    metrics.record_api("salesforce", ApiUsage(10, 1, 0.1), ApiUsage(25, 3, 0.2))
    metrics.record_api("hubspot", ApiUsage(), ApiUsage())  # counts nothing: adds nothing
    found = samples(metrics.exposition().decode())
    assert value(found, "reengage_api_requests_total", platform="salesforce") == 15
    assert value(found, "reengage_api_rate_limited_total", platform="salesforce") == 2
    assert value(found, "reengage_daily_budget_used_ratio", platform="salesforce") == 0.2
    assert ("reengage_api_requests_total", frozenset({("platform", "hubspot")})) not in found


def test_person_gauges_follow_the_latest_classification(engine: Engine) -> None:
    states: list[tuple[str | None, str | None]] = [
        ("dormant", "Dormant 1y+"),
        ("dormant", "Dormant 1y+"),
        ("dormant", "Dormant 90d"),
        ("active", None),
        (None, None),
    ]
    with engine.begin() as conn:
        for i, (status, segment) in enumerate(states, start=1):
            conn.execute(persons.insert().values(id=i, person_key=f"p{i}", updated_at=NOW))
            conn.execute(
                person_states.insert().values(
                    person_id=i, as_of=NOW, is_customer=False, status=status, segment=segment
                )
            )
    metrics = Metrics()
    metrics.record_persons({"gone": 4}, {})
    metrics.record_persons(*count_persons(engine))
    found = samples(metrics.exposition().decode())
    assert value(found, "reengage_persons_by_segment", segment="Dormant 1y+") == 2
    assert value(found, "reengage_persons_by_segment", segment="Dormant 90d") == 1
    assert value(found, "reengage_persons_by_status", status="dormant") == 3
    assert value(found, "reengage_persons_by_status", status="none") == 1
    assert ("reengage_persons_by_segment", frozenset({("segment", "gone")})) not in found


def test_health_before_any_run() -> None:
    assert Health().snapshot() == {
        "status": "ok",
        "last_run": None,
        "last_status": None,
        "next_run": None,
    }
