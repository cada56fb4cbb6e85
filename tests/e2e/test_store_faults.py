"""The store failing mid-run: the command exits 1 naming the store, and the next run converges.

Two faults, each hitting ``reengage sync --apply`` run as an operator runs it (a
subprocess against a sandbox):

* **PostgreSQL, connection killed**: once the sandbox has served the apply's first
  writes, every connection of the run's store database is ended with
  ``pg_terminate_backend`` (the one holding the run's lock too);
* **SQLite, disk full**: ``PRAGMA max_page_count`` caps the store file, set on each of
  the run's connections by a test harness (:data:`FULL_DISK_HARNESS`, a ``python -c``
  wrapper around ``sync.cli.main``; the product carries no hook for it) at a size
  reached half-way through the apply; the same under ``reengage apply PLAN``.

Either way: exit 1, one error line naming the store (its URL without the password) and
the driver's reason, no traceback, the ``--json`` error document; what the journal
holds as applied is on the platforms; the next ``sync --apply`` exits 0 and the
platforms hold what one clean run gives (a reference world of the same seed): no task
twice, no membership lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from subprocess import PIPE

import psycopg
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from config.rules import load_rules
from sync.plan import OpKind
from sync.run import CycleOptions, apply_all, run_cycle
from sync.store.migrate import open_store, safe_url
from sync.store.runlog import RunEntry, recent_runs
from sync.store.schema import operations
from tests.e2e.readback import Readback, read_back
from tests.e2e.world import World, hubspot_writes, open_world, reset_counts, salesforce_writes

PERSONS = 300
TIMEOUT = 120
# numba's cache outlives the test's folder (it is keyed on the source files)
ENGINE_CACHE = Path(tempfile.gettempdir()) / "reengage-test-engine-cache"
FULL_DISK_HARNESS = """
import os, sqlite3, sys
from sqlalchemy import Engine, event

@event.listens_for(Engine, "connect")
def _cap(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute(f"PRAGMA max_page_count = {int(os.environ['E2E_MAX_PAGES'])}")

from sync.cli import main
main()
"""


@dataclass(frozen=True, repr=False)
class Reference:
    """What one clean apply leaves on the platforms, and the store pages a run takes after a
    dry run had pulled and planned: to save its plan, and to apply one."""

    seen: Readback
    plan_pages: int
    apply_pages: int


def _pages(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())


def _dry_run(world: World) -> str:
    """Pull, classify and plan in this process (the store as a dry run leaves it); answers
    the plan's id."""
    w = world
    done = run_cycle(
        w.engine,
        w.connectors,
        w.rules,
        CycleOptions(kind="sync", as_of=w.as_of, plan=True, apply=False),
    )
    assert done.plan_id is not None and done.plan
    return done.plan_id


def _fill_half_way(
    world: World, reference: Reference, command: list[str], *, plan: bool
) -> subprocess.CompletedProcess[str]:
    """Runs ``command`` with the store capped half-way through the apply (after the new plan
    the command saves, with ``plan``)."""
    pages = _pages(world.engine) + reference.apply_pages // 2
    cap = pages + reference.plan_pages if plan else pages
    world.engine.dispose()
    reset_counts(world.box)
    env = _environment(world, world.settings.store_url, E2E_MAX_PAGES=str(cap))
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=world.folder, timeout=TIMEOUT
    )


def _last_run(engine: Engine) -> RunEntry:
    """The newest run as ``reengage runs`` lists it."""
    with engine.connect() as conn:
        return recent_runs(conn, datetime(2000, 1, 1, tzinfo=UTC))[0]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    world = open_world(tmp_path_factory.mktemp("reference"), PERSONS, load_rules())
    try:
        _dry_run(world)
        before = _pages(world.engine)
        plan_id = _dry_run(world)  # the second run's plan: what `sync --apply` saves
        planned = _pages(world.engine)
        stats = apply_all(world.engine, plan_id, world.connectors, world.rules)
        assert stats.total("failed") == 0
        applied = _pages(world.engine)
        seen = read_back(world.box, world.rules)
        yield Reference(seen, plan_pages=planned - before, apply_pages=applied - planned)
    finally:
        world.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    opened = open_world(tmp_path, PERSONS, load_rules())
    yield opened
    opened.close()


def _command(world: World, *extra: str, harness: str | None = None) -> list[str]:
    """``reengage sync --apply`` as of the world's now (``harness``: run through it)."""
    return _reengage("sync", "--apply", "--quiet", "--as-of", world.as_of.isoformat(), *extra,
                     harness=harness)  # fmt: skip


def _reengage(*args: str, harness: str | None = None) -> list[str]:
    entry = ["-c", harness] if harness else ["-m", "sync.cli"]
    return [sys.executable, *entry, *args]


def _environment(world: World, url: str, **knobs: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("REENGAGE_", "E2E_"))}
    return {
        **clean,
        **world.child_environment(),
        "REENGAGE_DATABASE_URL": url,
        "NUMBA_CACHE_DIR": str(ENGINE_CACHE),
        "COLUMNS": "80",
        **knobs,
    }


def _sync(world: World, url: str) -> subprocess.CompletedProcess[str]:
    """``reengage sync --apply``, unhindered."""
    env = _environment(world, url)
    return subprocess.run(
        _command(world), capture_output=True, text=True, env=env, cwd=world.folder, timeout=TIMEOUT
    )


def _terminate(dsn: str, database: str | None) -> int:
    """Ends every connection to ``database`` (but the asking one); answers how many."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        ended = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return len(ended)


def _writes(world: World) -> int:
    return sum(hubspot_writes(world.box).values()) + sum(salesforce_writes(world.box).values())


def _assert_one_store_error(done: subprocess.CompletedProcess[str], url: str, *words: str) -> None:
    """Exit 1, one error line naming the store and the driver's words, no traceback."""
    assert done.returncode == 1, (done.returncode, done.stderr[-3000:])
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr[-3000:]
    said = "".join(done.stderr[done.stderr.index("error:") :].split())  # however it wrapped
    for word in (safe_url(url), *words):
        assert "".join(word.split()) in said, (word, done.stderr[-3000:])


def _assert_converged(world: World, reference: Reference) -> None:
    seen = read_back(world.box, world.rules)
    for platform in ("hubspot", "salesforce"):
        ref, got = getattr(reference.seen, platform), getattr(seen, platform)
        assert got.members == ref.members, platform
        assert got.fields == ref.fields, platform
        assert got.handoff == ref.handoff, platform
        keys = got.task_keys()
        assert [k for k, n in keys.items() if n > 1] == [], platform
        assert set(keys) == set(ref.task_keys()), platform


def _journal_matches_platforms(engine: Engine, world: World) -> tuple[int, int]:
    """Every membership and task the journal holds as applied is on its platform; answers
    (operations applied, operations planned) in the last plan."""
    seen = read_back(world.box, world.rules)
    with engine.connect() as conn:
        plan_id = conn.execute(
            select(operations.c.plan_id).order_by(operations.c.id.desc()).limit(1)
        ).scalar_one()
        o = operations.c
        rows = conn.execute(
            select(o.op, o.platform, o.target, o.record_id, o.idempotency_key).where(
                o.plan_id == plan_id, o.status == "applied"
            )
        ).all()
        planned = conn.execute(
            select(func.count()).where(operations.c.plan_id == plan_id)
        ).scalar_one()
    for op, platform, target, record_id, key in rows:
        state = getattr(seen, platform)
        if op == OpKind.ADD_MEMBER.value:
            assert record_id in state.members[target], (op, platform, target, record_id)
        elif op == OpKind.CREATE_TASK.value:
            assert key in state.task_keys(), (op, platform, key)
    return len(rows), int(planned)


def test_connections_killed_mid_apply_exit_1_and_the_next_run_converges(
    world: World, reference: Reference, postgres_url: str
) -> None:
    reset_counts(world.box)
    admin = make_url(postgres_url).set(drivername="postgresql")
    database = admin.database
    env = _environment(world, postgres_url)
    proc = subprocess.Popen(
        _command(world, "--json"), stdout=PIPE, stderr=PIPE, text=True, env=env, cwd=world.folder
    )
    killed = 0
    try:
        deadline = time.monotonic() + TIMEOUT
        while proc.poll() is None and not killed and time.monotonic() < deadline:
            if _writes(world):  # the apply is under way
                killed = _terminate(admin.render_as_string(hide_password=False), database)
            time.sleep(0.005)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert killed >= 2, "the run's connections (its lock's among them) were not found"
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    _assert_one_store_error(done, postgres_url)
    doc = json.loads(out)
    assert doc["exit_code"] == 1 and doc["error"]["code"] == "store", doc
    assert safe_url(postgres_url) in doc["error"]["message"], doc
    engine = open_store(postgres_url)
    try:
        applied, planned = _journal_matches_platforms(engine, world)
        assert applied < planned, "the run finished its plan despite the fault"
        failed = _last_run(engine)
        assert failed.status == "failed" and doc["error"]["message"] == failed.message
        again = _sync(world, postgres_url)
        assert again.returncode == 0, again.stderr[-3000:]
    finally:
        engine.dispose()
    _assert_converged(world, reference)


def test_a_store_full_mid_apply_exits_1_and_the_next_run_converges(
    world: World, reference: Reference
) -> None:
    _dry_run(world)
    command = _command(world, harness=FULL_DISK_HARNESS)
    url, full = world.settings.store_url, _fill_half_way(world, reference, command, plan=True)
    _assert_one_store_error(full, url, "database or disk is full")
    assert _writes(world) > 0, "the store filled before the apply began"
    applied, planned = _journal_matches_platforms(world.engine, world)
    assert 0 < applied < planned, (applied, planned)
    failed = _last_run(world.engine)
    said = failed.message or ""
    assert failed.status == "failed" and "is full (database or disk is full)" in said, said
    assert "[SQL:" not in said, said  # neither the statement nor its rows
    again = _sync(world, url)  # the cap was the harness's: the space is back
    assert again.returncode == 0, again.stderr[-3000:]
    _assert_converged(world, reference)


def test_a_store_full_under_apply_exits_1_and_the_next_run_converges(
    world: World, reference: Reference
) -> None:
    """``reengage apply PLAN`` (a saved plan, no lock, no run row) fails the same way."""
    plan_id = _dry_run(world)
    command = _reengage("apply", plan_id, "--json", harness=FULL_DISK_HARNESS)
    url, full = world.settings.store_url, _fill_half_way(world, reference, command, plan=False)
    _assert_one_store_error(full, url, "database or disk is full")
    doc = json.loads(full.stdout)
    assert doc["exit_code"] == 1 and doc["error"]["code"] == "store", doc
    assert _writes(world) > 0, "the store filled before the apply began"
    applied, planned = _journal_matches_platforms(world.engine, world)
    assert 0 < applied < planned, (applied, planned)
    again = _sync(world, url)
    assert again.returncode == 0, again.stderr[-3000:]
    _assert_converged(world, reference)
