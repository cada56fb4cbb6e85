"""Runs ``reengage`` as an operator's script does: a subprocess, a clean environment, pipes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``reengage ARGS`` in ``tmp_path`` with no inherited ``REENGAGE_*`` variable but ``env``.

    The data folder is under ``tmp_path``; stdout and stderr are captured apart,
    and the console width is 80 as under cron, so wrapping shows.
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REENGAGE_")}
    clean.update({"REENGAGE_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "80", **env})
    return subprocess.run(
        [sys.executable, "-m", "sync.cli", *args],
        capture_output=True,
        text=True,
        env=clean,
        cwd=tmp_path,
        timeout=120,
    )
