"""`reengage sandbox serve` as an operator runs it: prints where to point, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import requests


def test_serve_prints_environment_and_stops_cleanly() -> None:
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync.cli", "sandbox", "serve", "--persons", "200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "serving" in line or not line:
            break
    exports = dict(
        ln.strip().removeprefix("export ").split("=", 1) for ln in lines if ln.startswith("export ")
    )
    try:
        hubspot = exports["REENGAGE_HUBSPOT__BASE_URL"]
        token = exports["REENGAGE_HUBSPOT__ACCESS_TOKEN"]
        answer = requests.get(
            f"{hubspot}/crm/v3/objects/contacts",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert answer.status_code == 200 and answer.json()["results"]
        assert exports["REENGAGE_SALESFORCE__INSTANCE_URL"].startswith("https://127.0.0.1:")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "sandbox stopped" in out
