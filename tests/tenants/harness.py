"""Tenants on real parts: one sandbox per tenant (each its own generated world), a tenants
file pointing at them, ``reengage worker`` / ``scheduler`` as real subprocesses on the real
RabbitMQ, and a queue of the test's own, deleted afterwards."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kombu.connection import Connection
from sqlalchemy import create_engine, text

from connectors.base import load_sandbox
from sync.cli.demo import DEMO_BUDGET_SHARE, DEMO_TEN_SECOND_LIMIT, DEMO_TIER

BROKER = os.environ.get("REENGAGE_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")


def world(seed: int, persons: int, now: datetime) -> Any:
    """A started sandbox: ``persons`` persons generated from ``seed`` as of ``now``."""
    box = load_sandbox()(persons=persons, seed=seed, now=now,
                         ten_second_limit=DEMO_TEN_SECOND_LIMIT)  # fmt: skip
    box.start()
    return box


def single_tenant_env(box: Any) -> dict[str, str]:
    """The variables a single-tenant ``reengage`` needs for ``box`` (as ``reengage demo``)."""
    return {**box.environment(), "REENGAGE_HUBSPOT__RATE_LIMIT_TIER": DEMO_TIER,
            "REENGAGE_HUBSPOT__BUDGET_SHARE": str(DEMO_BUDGET_SHARE)}  # fmt: skip


def tenant_table(tenant: str, box: Any, **extra: str) -> tuple[str, dict[str, str]]:
    """The ``[tenants.<id>]`` table for ``box`` and the secret variables it names."""
    env = box.environment()
    upper = tenant.upper()
    lines = [f"[tenants.{tenant}]", *(f"{k} = {v}" for k, v in extra.items()),
             f"[tenants.{tenant}.hubspot]",
             f'base_url = "{env["REENGAGE_HUBSPOT__BASE_URL"]}"',
             f'rate_limit_tier = "{DEMO_TIER}"', f"budget_share = {DEMO_BUDGET_SHARE}",
             f'access_token = {{ env = "{upper}_HS_TOKEN" }}',
             f"[tenants.{tenant}.salesforce]",
             f'instance_url = "{env["REENGAGE_SALESFORCE__INSTANCE_URL"]}"',
             f'consumer_key = "{env["REENGAGE_SALESFORCE__CONSUMER_KEY"]}"',
             f'consumer_secret = {{ env = "{upper}_SF_SECRET" }}',
             f'ca_bundle = "{env["REENGAGE_SALESFORCE__CA_BUNDLE"]}"']  # fmt: skip
    secrets = {f"{upper}_HS_TOKEN": env["REENGAGE_HUBSPOT__ACCESS_TOKEN"],
               f"{upper}_SF_SECRET": env["REENGAGE_SALESFORCE__CONSUMER_SECRET"]}  # fmt: skip
    return "\n".join(lines) + "\n", secrets


@dataclass
class Fleet:
    """The environment of the test's workers and scheduler, and the processes started."""

    env: dict[str, str]
    folder: Path
    queue: str
    processes: list[subprocess.Popen[bytes]]

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """``reengage ARGS`` as a process group of its own, its output in a log file."""
        name = f"{args[0]}-{len(self.processes)}"
        log = (self.folder / f"{name}.log").open("wb")
        proc = subprocess.Popen([sys.executable, "-m", "sync.cli", *args], env=self.env,
                                cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
        self.processes.append(proc)
        return proc

    def stop_all(self) -> None:
        """SIGTERM, then SIGKILL after 30 s, to each process group started (pool children too)."""
        for proc in self.processes:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            _signal_group(proc, signal.SIGKILL)
            proc.wait()

    def delete_queue(self) -> None:
        with Connection(BROKER) as conn:  # type: ignore[no-untyped-call]
            channel = conn.channel()
            try:
                channel.queue_delete(self.queue)
            finally:
                channel.close()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in self.folder.glob("*.log"))


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def fleet_env(
    folder: Path, database_url: str, tenants_file: Path, secrets: dict[str, str]
) -> Fleet:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REENGAGE_")}
    queue = f"reengage-test-{uuid.uuid4().hex[:12]}"
    tenants_file.write_text(f'queue = "{queue}"\n' + tenants_file.read_text(encoding="utf-8"))
    env = {**clean, **secrets, "REENGAGE_DATA_DIR": str(folder / "data"),
           "REENGAGE_DATABASE_URL": database_url, "REENGAGE_TENANTS_FILE": str(tenants_file),
           "REENGAGE_BROKER_URL": BROKER,
           "REENGAGE_LOG_FORMAT": "json"}  # fmt: skip
    return Fleet(env, folder, queue, [])


def runs_of(database_url: str, schema: str) -> list[tuple[str, datetime, datetime | None, Any]]:
    """A tenant schema's runs: (status, started, finished, stats), oldest first."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                f'SELECT status, started_at, finished_at, stats FROM "{schema}".runs ORDER BY id'
            )).all()  # fmt: skip
    finally:
        engine.dispose()
    return [(r[0], _utc(r[1]), _utc(r[2]) if r[2] else None, r[3]) for r in rows]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def wait_for(condition: Callable[[], bool], timeout: float, what: str, fleet: Fleet) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; logs:\n{fleet.logs()}")


def overlaps(intervals: list[tuple[datetime, datetime | None]]) -> list[str]:
    """Pairs of runs of one tenant whose intervals overlap (each run's end before the next)."""
    ordered = sorted(intervals)
    return [f"{a} - {b} overlaps {c}" for (a, b), (c, _) in itertools.pairwise(ordered)
            if b is None or b > c]  # fmt: skip


def scalar(database_url: str, query: str) -> Any:
    """One value read from the shared store (the test's own look, not reengage's)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(query)).scalar()
    finally:
        engine.dispose()


def holder_pid(database_url: str, schema: str) -> int | None:
    """The pid (a pool child's) of whoever holds the tenant's sync lock, if anyone."""
    holder = scalar(database_url, f'SELECT holder FROM "{schema}".locks')
    return int(holder.split(":")[1]) if holder else None


def applied_ops(database_url: str, schema: str) -> int:
    query = f"SELECT count(*) FROM \"{schema}\".operations WHERE status = 'applied'"
    return int(scalar(database_url, query) or 0)


def parent_pid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def last_as_of(database_url: str, schema: str) -> str:
    """The instant the tenant's last finished run decided as of (ISO), for the reference run:
    the reference decides at the same instant, so no person crosses a dormancy boundary
    between the two (the worlds are generated around the real clock)."""
    value = scalar(database_url, f'SELECT as_of FROM "{schema}".runs WHERE status = \'ok\' '
                   "ORDER BY finished_at DESC LIMIT 1")  # fmt: skip
    return _utc(value).isoformat()
