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
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

import sync.cli.demo as cli_demo
from config.rules import Rules, load_rules
from config.settings import Settings
from connectors.base import load_sandbox
from sandbox.sandbox import Sandbox
from sync.report import Report, build_report
from sync.store.migrate import open_store
from sync.store.schema import (
    applied_memberships,
    deal_records,
    deals,
    episodes,
    person_states,
    platform_records,
)
from tests.e2e.readback import HUBSPOT_TASK_KEY, read_back

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


def _store_rows(engine: Engine, *columns: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(*columns)).all())


def test_dormant_and_reactivated_are_the_store_episodes(demo: Demo) -> None:
    start, end = demo.report.start, demo.report.end
    e = episodes.c
    latest: dict[int, Any] = {}  # person -> their episode open at the start (latest started)
    for row in _store_rows(demo.engine, e.person_id, e.started_at, e.ended_at, e.reactivated_at):
        is_open = row.started_at <= start and (row.ended_at is None or row.ended_at > start)
        seen = latest.get(row.person_id)
        if is_open and (seen is None or row.started_at > seen.started_at):
            latest[row.person_id] = row
    reactivated = sum(
        1 for r in latest.values() if r.reactivated_at and start <= r.reactivated_at < end
    )
    assert latest, "nobody dormant at the start: nothing to reconcile"
    assert _headline(demo.report, "dormant_at_start") == len(latest)
    assert _headline(demo.report, "reactivated") == reactivated
    assert _headline(demo.report, "reactivation_rate") == pytest.approx(reactivated / len(latest))
    _repurchase_recounted(demo, set(latest))
    table = demo.report.table("reactivation")
    assert table is not None
    # every person dormant at the start is in exactly one segment row
    assert sum(map(int, table.column("dormant")[1:])) == len(latest)  # type: ignore[arg-type]
    assert sum(map(int, table.column("reactivated")[1:])) == reactivated  # type: ignore[arg-type]


def _won_closes(engine: Engine) -> list[tuple[int, int]]:
    """(person, close in ms) of every won deal linked to a person, from the store."""
    d, link, r = deals.c, deal_records.c, platform_records.c
    query = (
        select(r.person_id, d.closed_ms)
        .join_from(deals, deal_records, link.deal_pk == d.id)
        .join(
            platform_records, (r.record_type == link.record_type) & (r.record_id == link.record_id)
        )
        .where(d.status == "won", d.deleted.is_(False), r.person_id.is_not(None))
    )
    with engine.connect() as conn:
        return [(int(p), int(c)) for p, c in conn.execute(query).all() if c is not None]


def _repurchase_recounted(demo: Demo, dormant: set[int]) -> None:
    """Customers dormant at the start (a won deal closed before it) and those who won again."""
    lo, hi = (int(at.timestamp() * 1000) for at in (demo.report.start, demo.report.end))
    closes = _won_closes(demo.engine)
    customers = {p for p, c in closes if c < lo} & dormant
    again = {p for p, c in closes if lo <= c < hi} & customers
    table = demo.report.table("repurchase")
    assert table is not None
    assert table.rows[0][:2] == (len(customers), len(again))


def test_lists_on_the_platforms_are_the_store_segments(demo: Demo) -> None:
    back = read_back(demo.box, demo.rules)
    a, r, s = applied_memberships.c, platform_records.c, person_states.c
    applied = {tuple(row) for row in _store_rows(demo.engine, a.platform, a.list_name, a.record_id)}
    person_of = {
        row.record_id: row.person_id for row in _store_rows(demo.engine, r.record_id, r.person_id)
    }
    states = {
        row.person_id: row
        for row in _store_rows(demo.engine, s.person_id, s.status, s.segment, s.holdout)
    }
    on_lists: dict[str, set[int]] = {}
    for platform, state in (("hubspot", back.hubspot), ("salesforce", back.salesforce)):
        for name, members in state.members.items():
            # what the store says it applied is what the platform holds, member for member
            assert members == {rid for p, n, rid in applied if (p, n) == (platform, name)}, name
            on_lists.setdefault(name, set()).update(person_of[m] for m in members)
    prefix = demo.rules.lists.prefix
    counted = 0
    for segment in demo.rules.segments.names():
        persons = on_lists.get(prefix + segment, set())
        dormant = {
            p for p, st in states.items() if st.status == "dormant" and st.segment == segment
        }
        # on a segment's list: dormant in that segment as of the run, never held out
        assert persons <= {p for p in dormant if not states[p].holdout}, segment
        counted += len(persons)
    assert counted > 0
    held = {p for p, st in states.items() if st.holdout}
    assert not held & set().union(*on_lists.values())


def _day(value: Any) -> datetime | None:
    """A platform's close date (date, ISO text or epoch ms) as its midnight UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value)
    if text.isdigit():
        return _day(datetime.fromtimestamp(int(text) / 1000, UTC))
    return _day(datetime.fromisoformat(text[:10]))


def _won_on_platforms(box: Sandbox, rules: Rules, start: datetime, end: datetime) -> int:
    """Won deals closed in ``[start, end)`` with a person linked, counted on the platforms."""
    hubspot, salesforce = box.hubspot.state, box.salesforce.state
    won_stages = set(rules.sources.hubspot.won_stages)
    with hubspot.lock:
        found = sum(
            1
            for d in hubspot.objects("deals", archived=False)
            if d.properties.get("dealstage") in won_stages
            and (at := _day(d.properties.get("closedate"))) is not None
            and start <= at < end
            and hubspot.associated("deals", d.id, "contacts")
        )
    with salesforce.lock:
        linked = {str(c["OpportunityId"]) for c in salesforce.records("OpportunityContactRole")}
        found += sum(
            1
            for o in salesforce.records("Opportunity")
            if o.get("IsWon")
            and (at := _day(o.get("CloseDate"))) is not None
            and start <= at < end
            and str(o["Id"]) in linked
        )
    return found


def test_won_deals_are_the_platforms_won_deals(demo: Demo) -> None:
    report = demo.report
    # the demo's twelve weeks hold few wins in a small world: a year of the same store too
    longer = build_report(demo.engine, demo.rules, report.end - timedelta(days=365), report.end)
    for got in (report, longer):
        wins, funnel = got.table("won_deals"), got.table("funnel")
        assert wins is not None and funnel is not None
        assert wins.value("won_deals") == _won_on_platforms(
            demo.box, demo.rules, got.start, got.end
        )
        won = dict(zip(funnel.column("stage"), funnel.column("persons"), strict=True))["won"]
        assert int(won or 0) <= int(wins.value("from_dormant") or 0)
        assert funnel.note and "Won deals from dormant persons" in funnel.note
        assert wins.note and "funnel" in wins.note
    assert int(longer.table("won_deals").value("won_deals") or 0) > 0  # type: ignore[union-attr]
