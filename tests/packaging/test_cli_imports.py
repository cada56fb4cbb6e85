"""`reengage --help` (and every command that does not classify) leaves the compiled engine alone.

numba's import and the engine's compile cost seconds; a command that only
prints help, checks configuration or lists connectors must not pay them.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from sync.cli import app
try:
    app(["--help"])
except SystemExit:
    pass
print("numba" in sys.modules, "sync.engine" in sys.modules)
"""


def test_help_does_not_import_the_engine() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "False False"
