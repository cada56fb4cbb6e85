"""The ``reengage`` command line (Typer + Rich).

Settings and rules are loaded once, at the entry point (:mod:`sync.cli.core`), and
passed down; the commands live in :mod:`sync.cli.run_commands` (those that read and
write the platforms) and :mod:`sync.cli.look_commands` (those that look and look after).
"""

from __future__ import annotations

from sync.cli.core import app, fail, load_config
from sync.logs import flush_warnings

# isort: split
# the order --help lists the commands in: reading and writing first, then looking after
from sync.cli import run_commands

# isort: split
from sync.cli import look_commands

# isort: split
from sync.cli import tenants, worker

__all__ = [
    "app", "fail", "load_config", "look_commands", "main", "run_commands", "tenants", "worker",
]  # fmt: skip


def main() -> None:
    try:
        app()
    finally:
        flush_warnings()  # each warning kind's count, once the command has said the rest
