"""A schema per tenant in one PostgreSQL store: created and migrated by `reengage db upgrade`,
and one tenant never sees (nor locks) another's rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from config.settings import Settings
from config.tenants import TenantsError, load_tenants, tenant_settings
from sync.run import start_run
from sync.serve.lock import sync_lock
from sync.store.columns import read_arrow
from sync.store.migrate import StoreError
from sync.store.schema import runs
from sync.tenants.store import open_settings_store, open_tenant_store, upgrade_tenants
from tests.cli_process import run_cli

TENANTS = """
[tenants.north]
hubspot.access_token = { env = "NORTH_HS" }
platforms = ["hubspot"]

[tenants.south]
paused = true
hubspot.access_token = { env = "SOUTH_HS" }
platforms = ["hubspot"]
"""
ENV = {"NORTH_HS": "north-token", "SOUTH_HS": "south-token"}


@pytest.fixture
def tenants_file(tmp_path: Path) -> Path:
    path = tmp_path / "tenants.toml"
    path.write_text(TENANTS, encoding="utf-8")
    return path


def test_a_tenant_never_sees_nor_locks_another_tenants_rows(
    postgres_url: str, tenants_file: Path
) -> None:
    base = Settings(database_url=postgres_url, tenants_file=tenants_file)
    tenants = load_tenants(tenants_file)
    assert [d.upgrade.from_revision for d in upgrade_tenants(base, tenants)] == [None, None]
    north = open_tenant_store(base, tenants, tenants.get("north"))
    south = open_tenant_store(base, tenants, tenants.get("south"))
    try:
        run_id = start_run(north, "sync", datetime.now(UTC))
        with north.connect() as conn:
            assert conn.execute(select(runs.c.id)).scalars().all() == [run_id]
        with south.connect() as conn:
            assert conn.execute(select(runs.c.id)).scalars().all() == []
        assert read_arrow(north, select(runs.c.id)).num_rows == 1  # the columnar reader too
        assert read_arrow(south, select(runs.c.id)).num_rows == 0
        held = sync_lock(north)
        assert held.acquire()
        try:
            assert not sync_lock(north).acquire()  # one run per tenant at a time
            other = sync_lock(south)
            assert other.acquire()  # ... but tenants never wait on each other
            other.release()
        finally:
            held.release()
    finally:
        north.dispose()
        south.dispose()


def test_the_shared_default_schema_is_never_opened_with_a_tenants_file(
    postgres_url: str, tenants_file: Path
) -> None:
    base = Settings(database_url=postgres_url, tenants_file=tenants_file)
    with pytest.raises(StoreError, match="name the tenant"):
        open_settings_store(base)
    tenants = load_tenants(tenants_file)
    north = tenant_settings(base, tenants, tenants.get("north"), ENV)
    with pytest.raises(StoreError, match="run `reengage db upgrade`"):
        open_settings_store(north)  # its schema does not exist yet
    upgrade_tenants(base, tenants)
    open_settings_store(north).dispose()


def test_db_upgrade_migrates_every_tenant_and_refuses_sqlite(
    postgres_url: str, tenants_file: Path, tmp_path: Path
) -> None:
    env = {"REENGAGE_TENANTS_FILE": str(tenants_file), **ENV}
    pg = {"REENGAGE_DATABASE_URL": postgres_url, **env}
    done = run_cli(["db", "upgrade", "--json"], tmp_path, **pg)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [(t["tenant"], t["schema"], t["migrated"]) for t in doc["tenants"]] == [
        ("north", "tenant_north", True),
        ("south", "tenant_south", True),
    ]
    again = run_cli(["db", "upgrade", "--json"], tmp_path, **pg)
    assert [t["migrated"] for t in json.loads(again.stdout)["tenants"]] == [False, False]
    sqlite = run_cli(["db", "upgrade"], tmp_path, **env)
    assert sqlite.returncode == 2
    assert "needs a PostgreSQL store" in sqlite.stderr


def test_tenant_commands_need_a_tenant_and_a_tenants_file(
    postgres_url: str, tenants_file: Path, tmp_path: Path
) -> None:
    env = {"REENGAGE_TENANTS_FILE": str(tenants_file), "REENGAGE_DATABASE_URL": postgres_url}
    assert run_cli(["db", "upgrade"], tmp_path, **env, **ENV).returncode == 0
    none = run_cli(["runs", "--json"], tmp_path, **env, **ENV)
    assert none.returncode == 2 and "name the tenant" in none.stderr
    north = run_cli(["--tenant", "north", "runs", "--json"], tmp_path, **env, **ENV)
    assert north.returncode == 0, north.stderr
    unknown = run_cli(["--tenant", "west", "runs"], tmp_path, **env, **ENV)
    assert unknown.returncode == 2 and "no tenant 'west' (known: north, south)" in unknown.stderr
    no_file = run_cli(["--tenant", "north", "runs"], tmp_path, REENGAGE_DATABASE_URL=postgres_url)
    assert no_file.returncode == 2 and "needs a tenants file" in no_file.stderr


def test_reengage_tenants_lists_last_and_next_runs(
    postgres_url: str, tenants_file: Path, tmp_path: Path
) -> None:
    env = {"REENGAGE_TENANTS_FILE": str(tenants_file), "REENGAGE_DATABASE_URL": postgres_url}
    assert run_cli(["db", "upgrade"], tmp_path, **env).returncode == 0
    base = Settings(database_url=postgres_url, tenants_file=tenants_file)
    tenants = load_tenants(tenants_file)
    north = open_tenant_store(base, tenants, tenants.get("north"))
    start_run(north, "sync", datetime.now(UTC))
    north.dispose()
    done = run_cli(["tenants", "--json"], tmp_path, **env)
    assert done.returncode == 0, done.stderr
    rows = {r["tenant"]: r for r in json.loads(done.stdout)["tenants"]}
    assert rows["north"]["last_run"]["status"] == "running"
    assert rows["north"]["next_run"] is not None and not rows["north"]["paused"]
    assert rows["south"]["last_run"] is None
    assert rows["south"]["paused"] and rows["south"]["next_run"] is None


def test_a_secret_variable_missing_is_a_configuration_error(tenants_file: Path) -> None:
    base = Settings(database_url="postgresql+psycopg://x@127.0.0.1/test")
    tenants = load_tenants(tenants_file)
    with pytest.raises(TenantsError, match="NORTH_HS is not set"):
        tenant_settings(base, tenants, tenants.get("north"), {})


def test_metrics_are_labelled_by_tenant_and_read_from_each_schema(
    postgres_url: str, tenants_file: Path
) -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from sync.run import RunResult, finish_run
    from sync.tenants.metrics import TenantCollector

    base = Settings(database_url=postgres_url, tenants_file=tenants_file)
    tenants = load_tenants(tenants_file)
    upgrade_tenants(base, tenants)
    north = open_tenant_store(base, tenants, tenants.get("north"))
    try:
        for status in ("ok", "ok", "failed"):
            result = RunResult(run_id=start_run(north, "sync", datetime.now(UTC)))
            result.status = status
            finish_run(north, result, {})
        start_run(north, "sync", datetime.now(UTC))  # a run cut short: still running
    finally:
        north.dispose()
    registry = CollectorRegistry(auto_describe=False)
    collector = TenantCollector(base)
    registry.register(collector)
    try:
        text = generate_latest(registry).decode()
    finally:
        collector.close()
    assert 'reengage_tenant_runs_total{status="ok",tenant="north"} 2.0' in text
    assert 'reengage_tenant_runs_total{status="failed",tenant="north"} 1.0' in text
    assert 'reengage_tenant_runs_total{status="running",tenant="north"} 1.0' in text
    assert 'tenant="south"' in text and 'reengage_tenant_paused{tenant="south"} 1.0' in text
    assert 'tenant="south"} ' not in "".join(
        line for line in text.splitlines() if line.startswith("reengage_tenant_runs_total")
    )  # south never ran: another tenant's runs are never counted as its own
    assert 'reengage_tenant_up{tenant="north"} 1.0' in text
    assert 'reengage_tenant_last_run_timestamp_seconds{tenant="north"}' in text


def test_config_check_names_each_problem_of_the_tenants_file_by_key_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[tenants.x]\nhubspot.access_token = "pat-secret-in-file"\nspeed = 3\n')
    done = run_cli(["config", "check"], tmp_path, REENGAGE_TENANTS_FILE=str(bad))
    assert done.returncode == 2
    assert "tenants.x.speed: unknown key" in done.stderr
    assert "pat-secret-in-file" not in done.stderr + done.stdout


def test_every_tenants_secrets_reach_the_log_filter(
    tenants_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.tenants.select import tenant_secrets

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    base = Settings(database_url="postgresql+psycopg://x@127.0.0.1/test", tenants_file=tenants_file)
    assert {"north-token", "south-token"} <= set(tenant_secrets(base))
    assert tenant_secrets(Settings()) == []
