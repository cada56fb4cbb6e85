"""Consoles for what reengage prints: the command line's and the report's terminal view."""

from __future__ import annotations

import sys

from rich.console import Console

WIDE = 240
"""Columns for output that is not a terminal: tables keep names whole, lines are not wrapped."""


def console_for(*, stderr: bool = False) -> Console:
    """A Rich console for stdout (or stderr) that never wraps when it is not a terminal.

    Rich draws for 80 columns when its stream is a pipe or a file, which cuts
    long lines and table cells mid-word (``contacts.reengag`` / ``e_status``);
    piped output is read by scripts and people with wide windows, so it gets
    :data:`WIDE` columns and soft wrapping (a line is never broken).
    """
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, soft_wrap=True, width=WIDE)
