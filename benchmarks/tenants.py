"""``tenants``: a round of many tenants' cycles on one Celery worker, then on two.

12 tenants (``--tenants``) of 2,000 persons each (``--persons``), each its own
generated world, the sandbox's rate limits on (HubSpot's Free/Starter window, the
tenants' default tier), the emulators in a process of their own
(:mod:`benchmarks.tenants_emulators`). For each configuration (one ``reengage
worker --concurrency 1``, then two), on fresh worlds and a fresh PostgreSQL
database: ``db upgrade``, ``--tenant ID setup`` for each, then a *round*: every
tenant's task sent at once to the real RabbitMQ, timed until every tenant's run
finished (read from its schema). The figures: each round's wall time, the ratio
(two workers over one), and the CPU time the emulators' process spent in each round.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.measure import progress, ratio
from config.settings import Settings
from sync.tenants.app import TASK_NAME, make_app

DEFAULT_PERSONS = 2_000
DEFAULT_TENANTS = 12
PG = os.environ.get(
    "REENGAGE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BROKER = os.environ.get("REENGAGE_BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _emulators(count: int, persons: int, folder: Path) -> tuple[subprocess.Popen[str], list[Any]]:
    import json

    out = folder / f"emulators-{uuid.uuid4().hex[:8]}.json"  # each round's own
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.tenants_emulators", str(count),
                             str(persons), str(out)], stdin=subprocess.PIPE, text=True)  # fmt: skip
    while not out.exists():
        if proc.poll() is not None:
            raise RuntimeError("the emulators' process ended before serving")
        time.sleep(0.5)
    return proc, json.loads(out.read_text())


def _tenants_file(
    envs: list[dict[str, str]], folder: Path, queue: str
) -> tuple[Path, dict[str, str]]:
    lines, secrets = [], {}
    for i, env in enumerate(envs):
        t = f"t{i:02d}"
        lines += [f"[tenants.{t}]", "first_apply = true", f"[tenants.{t}.hubspot]",
                  f'base_url = "{env["REENGAGE_HUBSPOT__BASE_URL"]}"',
                  f'access_token = {{ env = "{t.upper()}_HS" }}', f"[tenants.{t}.salesforce]",
                  f'instance_url = "{env["REENGAGE_SALESFORCE__INSTANCE_URL"]}"',
                  f'consumer_key = "{env["REENGAGE_SALESFORCE__CONSUMER_KEY"]}"',
                  f'consumer_secret = {{ env = "{t.upper()}_SF" }}',
                  f'ca_bundle = "{env["REENGAGE_SALESFORCE__CA_BUNDLE"]}"']  # fmt: skip
        secrets[f"{t.upper()}_HS"] = env["REENGAGE_HUBSPOT__ACCESS_TOKEN"]
        secrets[f"{t.upper()}_SF"] = env["REENGAGE_SALESFORCE__CONSUMER_SECRET"]
    path = folder / "tenants.toml"
    path.write_text(f'queue = "{queue}"\n' + "\n".join(lines) + "\n", encoding="utf-8")
    return path, secrets


def _database() -> str:
    name = f"bench_tenants_{uuid.uuid4().hex[:10]}"
    admin = make_url(PG).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(PG).set(database=name).render_as_string(hide_password=False)


def _drop(url: str) -> None:
    admin = make_url(PG).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _finished(url: str, count: int) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = [conn.execute(text(f'SELECT status FROM "tenant_t{i:02d}".runs WHERE '
                                       "finished_at IS NOT NULL ORDER BY id LIMIT 1")).scalar()
                     for i in range(count)]  # fmt: skip
    finally:
        engine.dispose()
    return [s for s in found if s is not None]


def _cli(env: dict[str, str], folder: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "sync.cli", *args], env=env, cwd=folder,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"reengage {' '.join(args)}: {done.stderr[-2000:]}")


def _round(workers: int, count: int, persons: int, folder: Path) -> dict[str, Any]:
    emulators, envs = _emulators(count, persons, folder)
    url, queue = _database(), f"bench-tenants-{uuid.uuid4().hex[:10]}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        tenants_file, secrets = _tenants_file(envs, folder, queue)
        clean = {k: v for k, v in os.environ.items() if not k.startswith("REENGAGE_")}
        env = {**clean, **secrets, "REENGAGE_DATABASE_URL": url, "REENGAGE_BROKER_URL": BROKER,
               "REENGAGE_TENANTS_FILE": str(tenants_file),
               "REENGAGE_DATA_DIR": str(folder / "data")}  # fmt: skip
        _cli(env, folder, "db", "upgrade")
        for i in range(count):
            _cli(env, folder, "--tenant", f"t{i:02d}", "setup")
        log = (folder / f"workers-{workers}.log").open("wb")
        procs = [subprocess.Popen([sys.executable, "-m", "sync.cli", "worker", "--concurrency",
                                   "1"], env=env, cwd=folder, stdout=log, stderr=log,
                                  start_new_session=True) for _ in range(workers)]  # fmt: skip
        time.sleep(8)  # the workers consuming before the round starts
        app = make_app(Settings(broker_url=BROKER), queue)
        cpu0, started = _cpu_seconds(emulators.pid), time.perf_counter()
        for i in range(count):
            app.send_task(TASK_NAME, args=[f"t{i:02d}"])
        while len(statuses := _finished(url, count)) < count:
            time.sleep(1.0)
        wall, cpu = time.perf_counter() - started, _cpu_seconds(emulators.pid) - cpu0
        progress(f"{workers} worker(s): round {wall:.1f} s, emulators' CPU {cpu:.1f} s")
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
        app.close()
        return {"round_s": round(wall, 1), "emulators_cpu_s": round(cpu, 1),
                "runs": {s: statuses.count(s) for s in sorted(set(statuses))}}  # fmt: skip
    finally:
        for proc in procs:
            os.killpg(proc.pid, 15)
            proc.wait()
        emulators.stdin.close()  # type: ignore[union-attr]
        emulators.wait()
        _drop(url)


def run(args: argparse.Namespace) -> dict[str, Any]:
    persons = args.persons or DEFAULT_PERSONS
    count = args.tenants or DEFAULT_TENANTS
    with tempfile.TemporaryDirectory(prefix="bench-tenants-") as tmp:
        one = _round(1, count, persons, Path(tmp))
        two = _round(2, count, persons, Path(tmp))
    return {
        "benchmark": "tenants",
        "tenants": count,
        "persons": persons,
        "one_worker": one,
        "two_workers": two,
        "ratio_two_over_one": ratio(two["round_s"], one["round_s"]),
        "cpus": os.cpu_count(),
    }
