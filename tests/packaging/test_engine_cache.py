"""The compiled engine's cache lives under the data folder, not beside the installed package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = """
from sync.cli import load_config
load_config()
from sync.engine.episodes import _decayed
print(_decayed(8.0, 1, 1.0))
"""


def test_the_engine_caches_its_compiled_code_under_the_data_dir(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REENGAGE_", "NUMBA_"))}
    env["REENGAGE_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "4.0"
    cached = list((tmp_path / "data" / "engine-cache").rglob("*.nbi"))
    assert cached, "no compiled-engine index under the data folder"
