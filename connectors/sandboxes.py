"""Where the sandbox is found: the ``reengage.sandbox`` entry-point group (the built-in
emulators, the ``reengage[sandbox]`` extra). Not part of the connector contract: the product
never imports the sandbox's types, so its factory is handed over untyped.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

SANDBOX_ENTRY_POINT_GROUP = "reengage.sandbox"


def load_sandbox(name: str = "builtin") -> Callable[..., Any]:
    """The sandbox factory registered under ``reengage.sandbox`` (the built-in emulators).

    ``factory(persons=..., seed=..., ...)`` returns an unstarted sandbox with
    ``start()``, ``stop()``, ``environment()`` (the ``REENGAGE_*`` variables
    that point reengage at it), ``hubspot`` and ``salesforce``.

    Raises:
        LookupError: no sandbox of that name is installed, or its extra is not.
    """
    for ep in entry_points(group=SANDBOX_ENTRY_POINT_GROUP):
        if ep.name == name:
            try:
                factory: Callable[..., Any] = ep.load()
            except ImportError as exc:  # the server stack is an extra, not a dependency
                raise LookupError(
                    f"the sandbox needs its extra: pip install 'reengage[sandbox]' ({exc})"
                ) from None
            return factory
    raise LookupError(
        f"no sandbox named {name!r} is installed (entry-point group {SANDBOX_ENTRY_POINT_GROUP})"
    )
