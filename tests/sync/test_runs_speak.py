"""Runs speak when nobody watches a terminal: progress lines on stderr, a result line for serve.

Run as cron or a CI job runs reengage: a subprocess whose stdout and stderr are
pipes, against the sandbox. A backfill writes plain progress lines on stderr
(one when each stream completes, whole lines, a rate only over a second of
wall time), and ``serve --once`` writes exactly one result line on stdout.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.sandbox import Sandbox, SandboxOptions
from tests.cli_process import run_cli

# a small world on the API add-on tier: the test waits for no rate window
SANDBOX = SandboxOptions(persons=30, seed=5, ten_second_limit=250)
PROGRESS = re.compile(
    r"^(?P<platform>hubspot|salesforce) (?P<stream>[a-z_]+): (?P<records>[\d,]+) records"
    r"(?P<running> so far)? in (?P<seconds>[\d.,]+) s(?: \((?P<rate>[\d.,]+)/s\))?$"
)
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
RESULT = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ sync ok: read [\d,]+ records, [\d,]+ activities, "
    r"[\d,]+ deals, planned [\d,]+, (applied [\d,]+, failed [\d,]+|not applied) \([\d.,]+ s\)$"
)


@pytest.fixture(scope="module")
def sandbox_env() -> Iterator[dict[str, str]]:
    box = Sandbox(SANDBOX).start()
    env = box.environment()
    env["REENGAGE_HUBSPOT__RATE_LIMIT_TIER"] = "api_addon"
    yield env
    box.stop()


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_a_backfill_to_a_pipe_prints_whole_progress_lines_on_stderr(
    sandbox_env: dict[str, str], tmp_path: Path
) -> None:
    done = run_cli(
        ["backfill"],
        tmp_path,
        REENGAGE_DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}",
        REENGAGE_TEST_PROGRESS_SECONDS="1",
        **sandbox_env,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    progress = [m for line in lines if (m := PROGRESS.match(line))]
    assert progress, f"no progress line on stderr: {done.stderr!r}"
    for line in lines:  # nothing else on stderr, and nothing cut mid-word or padded
        assert PROGRESS.match(line) or LOG_LINE.match(line), f"not a whole line: {line!r}"
        assert line == line.rstrip(), f"padded: {line!r}"
    completed = {(m["platform"], m["stream"]) for m in progress if not m["running"]}
    assert {("hubspot", "contacts"), ("salesforce", "contacts")} <= completed
    for m in progress:
        seconds, records = _number(m["seconds"]), _number(m["records"])
        if seconds < 1:
            assert m["rate"] is None, f"a rate under a second: {m.group(0)}"
        elif m["rate"] is not None:  # over the stream's wall time: never above its records
            assert _number(m["rate"]) <= records, m.group(0)
    assert not any(PROGRESS.match(line) for line in done.stdout.splitlines())
    assert "━" not in done.stdout + done.stderr  # no bars drawn into a pipe


def test_serve_once_prints_one_result_line_on_stdout(
    sandbox_env: dict[str, str], tmp_path: Path
) -> None:
    done = run_cli(
        ["serve", "--once"],
        tmp_path,
        REENGAGE_DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}",
        **sandbox_env,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one result line, got {done.stdout!r}"
    assert RESULT.match(lines[0]), lines[0]
