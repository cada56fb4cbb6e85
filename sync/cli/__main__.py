"""``python -m sync.cli``: the ``reengage`` command."""

from sync.cli import main

main()
