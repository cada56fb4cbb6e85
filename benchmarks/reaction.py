"""``reaction``: from an email click in HubSpot to the call task in Salesforce, with ``serve``.

A sandbox world is synced and applied once in this process (as of the real clock,
the one ``serve`` uses), then ``reengage serve`` runs as a child process with
``REENGAGE_SERVE__INTERVAL_SECONDS`` against the same store and emulators. After
its first turn, clicks are injected one by one, spread over the intervals, into the
HubSpot emulator's marketing email events (as the world's own events are loaded),
each for a dormant person who may get a call task (outside the holdout, not
do-not-call) and whose task goes to Salesforce (a Salesforce record that is not a
converted lead). The reaction time of a click is from its injection to the
first reengage task (one with a task key) on that person's Salesforce record, seen
by polling the Salesforce emulator; percentiles are over the clicks.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from benchmarks.measure import peak_rss_mb, progress
from benchmarks.world import World, open_world
from sandbox.seed import HubSpotEmailEvent
from sync.cli.demo import DEMO_BUDGET_SHARE, DEMO_TIER
from sync.run import CycleOptions, close_all, run_cycle
from sync.store.schema import person_states, persons, platform_records

DEFAULT_PERSONS = 1_000
POLL_S = 0.25


def targets(world: World, count: int) -> list[tuple[str, set[str]]]:
    """(HubSpot contact email, the person's Salesforce record ids) of dormant persons
    who have both and may get a call task (outside the holdout, not do-not-call)."""
    r, s = platform_records, person_states
    query = (
        select(r.c.person_id, r.c.record_type, r.c.record_id, r.c.email)
        .join(s, s.c.person_id == r.c.person_id)
        .join(persons, persons.c.id == r.c.person_id)
        .where(
            s.c.status == "dormant",
            s.c.holdout.is_(False),
            persons.c.do_not_call.is_(False),
            r.c.deleted.is_(False),
            r.c.converted_contact_id.is_(None),  # a converted lead takes no task
        )
        .order_by(r.c.person_id)
    )
    by_person: dict[int, dict[str, Any]] = {}
    with world.engine.connect() as conn:
        for pid, rtype, rid, email in conn.execute(query):
            entry = by_person.setdefault(pid, {"email": None, "sf": set()})
            if rtype == "hubspot_contact" and email:
                entry["email"] = email
            elif rtype.startswith("salesforce"):
                entry["sf"].add(rid)
    chosen = [(e["email"], e["sf"]) for e in by_person.values() if e["email"] and e["sf"]]
    if len(chosen) < count:
        raise RuntimeError(f"only {len(chosen)} dormant persons on both platforms for {count}")
    picks = np.random.default_rng(5).choice(len(chosen), count, replace=False)
    return [chosen[int(i)] for i in picks]


def click(world: World, email: str) -> None:
    """One marketing email click for ``email``, dated now, as the emulator serves events."""
    state = world.box.hubspot.state
    with state.lock:
        campaign = next(iter(state.email_events.campaign_names.items()), (1, "Newsletter"))
        event = HubSpotEmailEvent(
            id=str(uuid.uuid4()), type="CLICK", recipient=email, created=datetime.now(UTC),
            email_campaign_id=campaign[0], email_name=campaign[1], url="https://example.com/o",
        )  # fmt: skip
        state.email_events.load([event])


def tasks_on(world: World, record_ids: set[str]) -> set[str]:
    """Ids of reengage's tasks (those with a task key) on these Salesforce records."""
    state = world.box.salesforce.state
    key = world.rules.fields.salesforce.task_key
    with state.lock:
        rows = list(state.tables["Task"].records.values())
    return {str(t["Id"]) for t in rows if t.get("WhoId") in record_ids and t.get(key)}


def serve_env(world: World, interval: float) -> dict[str, str]:
    return {**os.environ, **world.env,
            "REENGAGE_HUBSPOT__RATE_LIMIT_TIER": DEMO_TIER,
            "REENGAGE_HUBSPOT__BUDGET_SHARE": str(DEMO_BUDGET_SHARE),
            "REENGAGE_DATABASE_URL": str(world.engine.url.render_as_string(hide_password=False)),
            "REENGAGE_DATA_DIR": str(world.folder),
            "REENGAGE_SERVE__INTERVAL_SECONDS": str(int(interval)),
            "REENGAGE_SERVE__PORT": "0"}  # fmt: skip


class Turns:
    """Counts the result lines ``serve`` prints, one per turn, from its stdout."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.count, self.lines = 0, list[str]()
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line.rstrip())
            self.count += 1
            progress(f"serve: {line.rstrip()}")

    def wait(self, turns: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.count < turns:
            if time.monotonic() > deadline:
                raise RuntimeError(f"serve did not finish {turns} turn(s) in {timeout:.0f} s")
            time.sleep(POLL_S)


def measure(world: World, picks: list[tuple[str, set[str]]], interval: float) -> list[float | None]:
    """Injects one click every third of an interval (plus jitter, so that clicks land at
    every phase of the schedule) and polls Salesforce; each click's reaction seconds
    (None: no task within four intervals plus a minute)."""
    rng = np.random.default_rng(11)
    timeout = 4 * interval + 60
    out: list[float | None] = [None] * len(picks)
    pending: dict[int, tuple[float, set[str]]] = {}
    next_at, k = time.monotonic(), 0
    while k < len(picks) or pending:
        now = time.monotonic()
        if k < len(picks) and now >= next_at:
            email, sf_ids = picks[k]
            pending[k] = (now, tasks_on(world, sf_ids))
            click(world, email)
            progress(f"click {k + 1}/{len(picks)}")
            k += 1
            next_at = now + interval / 3 * float(rng.uniform(0.5, 1.5))
        for i, (at, before) in list(pending.items()):
            if tasks_on(world, picks[i][1]) - before:
                out[i] = round(time.monotonic() - at, 2)
                progress(f"click {i + 1}: task in Salesforce after {out[i]} s")
                del pending[i]
            elif time.monotonic() - at > timeout:
                progress(f"click {i + 1}: no task after {timeout:.0f} s")
                del pending[i]
        time.sleep(POLL_S)
    return out


def _percentiles(seen: list[float]) -> dict[str, float | None]:
    if not seen:
        return {"p50": None, "p95": None, "max": None}
    return {"p50": round(float(np.percentile(seen, 50)), 2),
            "p95": round(float(np.percentile(seen, 95)), 2), "max": max(seen)}  # fmt: skip


def _serve(world: World, interval: float) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "sync.cli", "serve"]
    return subprocess.Popen(command, env=serve_env(world, interval), stdout=subprocess.PIPE,
                            text=True)  # fmt: skip


def run(opts: argparse.Namespace) -> dict[str, Any]:
    persons, clicks, interval = opts.persons or DEFAULT_PERSONS, opts.clicks, opts.interval
    progress(f"opening a sandbox world of {persons:,} persons")
    world = open_world(persons)
    seconds: dict[str, float] = {}
    try:
        started = time.perf_counter()
        result = run_cycle(
            world.engine,
            world.connectors,
            world.rules,
            CycleOptions(kind="sync", as_of=datetime.now(UTC), plan=True, apply=True),
        )
        seconds["first_sync"] = round(time.perf_counter() - started, 3)
        if result.status != "ok":
            raise RuntimeError(f"the first sync did not finish: {result.message}")
        close_all(world.connectors)
        picks = targets(world, clicks)
        proc = _serve(world, interval)
        try:
            started = time.perf_counter()
            Turns(proc).wait(1, timeout=600)
            seconds["serve_first_turn"] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()
            reactions = measure(world, picks, interval)
            seconds["clicks"] = round(time.perf_counter() - started, 3)
        finally:
            proc.terminate()
            proc.wait(timeout=120)
    finally:
        world.close()
    seen = [r for r in reactions if r is not None]
    return {
        "benchmark": "reaction",
        "persons": persons,
        "activities": None,
        "interval_seconds": interval,
        "seconds": {**seconds, "total": round(sum(seconds.values()), 3)},
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_of": "this process (the sandbox emulators; serve is a child process)",
        "clicks": clicks,
        "tasks_seen": len(seen),
        "reaction_seconds": {**_percentiles(seen), "each": reactions},
    }
