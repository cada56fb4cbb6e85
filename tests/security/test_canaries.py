"""No secret in any output, whichever Salesforce login flow carries it.

Each login flow (client credentials, session id, JWT bearer, username-password) runs
the operator's commands as subprocesses at DEBUG, in text and again in JSON log
format, then once with a wrong secret (the exception path). Every canary secret, in
every obvious spelling (raw, URL-encoded, base64, ``user:secret`` base64, JSON-escaped),
is searched for in stdout, stderr and every file under the data folder (the SQLite
store's bytes, reports, plans). The store is SQLite here; the database password is
:mod:`tests.security.test_database_canary`'s.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from config.rules import load_rules
from config.settings import Settings
from sandbox.sandbox import Sandbox
from sync.serve.metrics import Metrics, count_persons
from sync.serve.service import sync_cycle
from sync.store.migrate import open_store
from tests.cli_process import run_cli
from tests.security.canaries import (
    Canaries,
    all_canaries,
    canary_sandbox,
    flow_environment,
    leaks_in_folder,
    private_key_pem,
    webhook,
    wrong_environment,
)

PERSONS = 30
TOKEN_ROUTE = ("POST", "/services/oauth2/token")
COMMANDS: list[list[str]] = [
    ["config", "check"],
    ["config", "check", "--json"],
    ["setup"],
    ["backfill"],
    ["sync", "--apply"],
    ["plan", "--json"],
    ["report", "--format", "html"],
    ["report", "--json"],
    ["runs", "--json"],
    ["errors", "--json"],
    ["serve", "--once"],
]
MUST_SUCCEED = {"setup", "backfill", "sync"}
FAILING: list[list[str]] = [["setup"], ["sync", "--apply"]]


def _run(args: list[str], tmp_path: Path, env: dict[str, str], canaries: Canaries) -> list[str]:
    done = run_cli(args, tmp_path, **env)
    where = " ".join(args) + " [" + env["REENGAGE_LOG_FORMAT"] + "]"
    found = canaries.leaks(f"stdout of {where}", done.stdout.encode())
    found += canaries.leaks(f"stderr of {where}", done.stderr.encode())
    if args[0] in MUST_SUCCEED:
        assert done.returncode == 0, f"{where}: {done.stderr[-3000:]}"
    return found


def _failing_runs(
    box: Sandbox, flow: str, env: dict[str, str], tmp_path: Path, canaries: Canaries
) -> list[str]:
    found: list[str] = []
    wrong = wrong_environment(env, flow)
    for fmt in ("text", "json"):
        for args in FAILING:
            done = run_cli(args, tmp_path, **wrong, REENGAGE_LOG_FORMAT=fmt)
            assert done.returncode != 0, f"{flow}: a wrong secret was accepted"
            where = " ".join(args) + f" [{fmt}, wrong secret]"
            found += canaries.leaks(f"stdout of {where}", done.stdout.encode())
            found += canaries.leaks(f"stderr of {where}", done.stderr.encode())
    return found


def _metrics_leaks(env: dict[str, str], canaries: Canaries, mp: pytest.MonkeyPatch) -> list[str]:
    """``serve --once`` does not serve /metrics: one serve cycle in-process, then the
    Prometheus exposition it would serve, searched."""
    for name, value in env.items():
        mp.setenv(name, value)
    settings = Settings()
    engine = open_store(settings.store_url)
    try:
        metrics = Metrics()
        sync_cycle(engine, settings, load_rules(), metrics)(threading.Event())
        metrics.record_persons(*count_persons(engine))
    finally:
        engine.dispose()
    exposition = metrics.exposition()
    assert b"reengage_api_requests" in exposition
    return canaries.leaks("the /metrics exposition", exposition)


def run_flow(flow: str, tmp_path: Path, mp: pytest.MonkeyPatch | None = None) -> list[str]:
    """Every command of one login flow, then its refused login; the leaks found
    (with ``mp``, the metrics exposition of an in-process serve cycle too)."""
    pem = private_key_pem()
    with webhook() as hook:
        box = canary_sandbox(PERSONS)
        try:
            canaries = all_canaries(box, pem)
            env = {**flow_environment(box, flow, pem, hook), "REENGAGE_LOG_LEVEL": "DEBUG"}
            found: list[str] = []
            for fmt in ("text", "json"):
                for args in COMMANDS:
                    found += _run(args, tmp_path, {**env, "REENGAGE_LOG_FORMAT": fmt}, canaries)
            logins = box.salesforce.state.request_counts[TOKEN_ROUTE]
            assert (logins == 0) == (flow == "session_id"), f"{flow}: {logins} token requests"
            if mp is not None:
                data = {"REENGAGE_DATA_DIR": str(tmp_path / "data")}
                found += _metrics_leaks({**env, **data}, canaries, mp)
            found += _failing_runs(box, flow, env, tmp_path, canaries)
            found += leaks_in_folder(canaries, tmp_path / "data")
        finally:
            box.stop()
    return found


def test_client_credentials_leaks_no_canary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaks = run_flow("client_credentials", tmp_path, monkeypatch)
    assert leaks == [], "\n".join(leaks)


@pytest.mark.slow
@pytest.mark.parametrize("flow", ["session_id", "jwt_bearer", "username_password"])
def test_other_login_flows_leak_no_canary(flow: str, tmp_path: Path) -> None:
    leaks = run_flow(flow, tmp_path)
    assert leaks == [], "\n".join(leaks)
