"""Arguments that cannot mean anything are refused before any request, in one unwrapped line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REENGAGE_")}
    env.update({"REENGAGE_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "80"})
    env.update({"REENGAGE_PLATFORMS": "hubspot", "REENGAGE_HUBSPOT__ACCESS_TOKEN": "pat-na1-x"})
    env["REENGAGE_HUBSPOT__BASE_URL"] = "http://127.0.0.1:9"  # nothing listens: no request may go
    return subprocess.run(
        [sys.executable, "-m", "sync.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_an_unknown_segment_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    done = run(["plan", "--segment", "bogus"], tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"not one line: {done.stderr!r}"
    assert "'bogus'" in lines[0] and "dormant_90_180d" in lines[0]
