"""The demo's report against what the platforms and the store hold, figure by figure.

One ``reengage demo`` on a small world, whose clock is set some minutes behind
the real one (a slow demo, or an emulator whose world clock is not the wall
clock): the run's tasks are created after the world's "now", which is the case
where a report period ending at the world's "now" missed every one of them.
The sandbox and the report are captured as the demo makes them, and each
headline figure is recounted from the emulators' own state or the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

import sync.cli_demo as cli_demo
from config.rules import Rules, load_rules
from config.settings import Settings
from connectors.base import load_sandbox
from connectors.sandbox.sandbox import Sandbox
from sync.report import Report
from sync.store.migrate import open_store
from tests.e2e.readback import HUBSPOT_TASK_KEY

PERSONS = 300
LAG = timedelta(minutes=10)


class _LaggingClock(datetime):
    """``datetime`` whose ``now`` is :data:`LAG` behind the real clock."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return datetime.now(tz) - LAG


@dataclass
class Demo:
    box: Sandbox
    report: Report
    rules: Rules
    engine: Engine


def _capturing(into: dict[str, Any], name: str, wrapped: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        into[name] = got = wrapped(*args, **kwargs)
        return got

    return call


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("demo")
    seen: dict[str, Any] = {}
    rules = load_rules()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli_demo, "datetime", _LaggingClock)
        mp.setattr(cli_demo, "load_sandbox", lambda: _capturing(seen, "box", load_sandbox()))
        mp.setattr(cli_demo, "build_report", _capturing(seen, "report", cli_demo.build_report))
        result = cli_demo.run_demo(Settings(data_dir=folder), rules, persons=PERSONS, seed=11,
                                   quiet=True)  # fmt: skip
    engine = open_store(result.store_url)
    yield Demo(seen["box"], seen["report"], rules, engine)
    engine.dispose()


def _instant(value: Any) -> datetime:
    """A platform's creation instant (datetime or ISO-8601 text) as an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _platform_tasks(box: Sandbox, rules: Rules) -> list[datetime]:
    """When each reengage task the platforms hold was created, as the platforms date it."""
    key_field = rules.fields.salesforce.task_key
    hubspot, salesforce = box.hubspot.state, box.salesforce.state
    with hubspot.lock:
        found = [
            t.created_at
            for t in hubspot.objects("tasks", archived=False)
            if t.properties.get(HUBSPOT_TASK_KEY)
        ]
    with salesforce.lock:
        found += [
            _instant(t["CreatedDate"]) for t in salesforce.records("Task") if t.get(key_field)
        ]
    return [_instant(at) for at in found]


def _headline(report: Report, name: str) -> Any:
    overview = report.table("overview")
    assert overview is not None
    return overview.value(name)


def test_tasks_created_are_the_tasks_the_platforms_hold(demo: Demo) -> None:
    created = _platform_tasks(demo.box, demo.rules)
    assert created, "the demo created no task: nothing to reconcile"
    inside = [at for at in created if demo.report.start <= at < demo.report.end]
    # the period is the demo run's: every task it created falls in it, as the platforms date them
    assert len(inside) == len(created)
    assert _headline(demo.report, "tasks_created") == len(inside)
