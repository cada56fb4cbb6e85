"""stdout is data: logs, retries and warnings go to stderr, whole lines, at any level.

Run as an operator's script runs reengage: a subprocess whose stdout is a pipe.
HubSpot is pointed at a closed port on loopback, so the client logs its retries
(WARNING) before the command fails; none of that may reach stdout.
"""

from __future__ import annotations

from pathlib import Path

from tests.cli_process import run_cli

CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: nothing listens on loopback


def test_retry_warnings_go_to_stderr_not_stdout(tmp_path: Path) -> None:
    done = run_cli(
        ["plan", "--json"],
        tmp_path,
        REENGAGE_LOG_LEVEL="DEBUG",
        REENGAGE_PLATFORMS="hubspot",
        REENGAGE_HUBSPOT__ACCESS_TOKEN="pat-na1-00000000-0000-0000-0000-000000000000",
        REENGAGE_HUBSPOT__BASE_URL=CLOSED_PORT_URL,
    )
    assert done.returncode != 0
    assert "retrying" in done.stderr
    assert "retrying" not in done.stdout
    retry_lines = [line for line in done.stderr.splitlines() if "retrying" in line]
    assert all("waiting" in line for line in retry_lines), "a log line was wrapped"
