"""Where connectors and the sandbox are found: the ``reengage.connectors`` and
``reengage.sandbox`` entry-point groups.

A connector plug-in registers a :class:`ConnectorInfo` under ``reengage.connectors``;
its ``factory`` builds the connector from the settings and rules. ``sync`` reaches
these through ``connectors.base``, which re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

ENTRY_POINT_GROUP = "reengage.connectors"


@dataclass(frozen=True, slots=True)
class ConnectorInfo:
    """What a connector plug-in registers under the ``reengage.connectors`` group."""

    name: str
    platform: str
    description: str
    # factory(settings: config.settings.Settings, rules: config.rules.Rules, *, clock=None)
    # -> a connector implementing SourceConnector and SinkConnector (None for a connector that
    # only lists itself); ``clock`` (() -> aware datetime) replaces the real clock when given
    factory: Callable[..., Any] | None = None
    # id_forms(typed) -> every stored form of a record id an operator typed (copied from a
    # page, a report or an export), empty when it is not one of this platform's ids;
    # None: ids are stored exactly as typed
    id_forms: Callable[[str], frozenset[str]] | None = None


@dataclass(frozen=True, slots=True)
class InstalledConnector:
    name: str
    module: str
    info: ConnectorInfo | None
    error: str | None = None


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


def installed_connectors() -> list[InstalledConnector]:
    """Lists the connectors registered through entry points, built-in and third-party.

    A plug-in that fails to load is listed with its error rather than hiding the others.
    """
    found: list[InstalledConnector] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            info = ep.load()
        except Exception as exc:
            found.append(
                InstalledConnector(ep.name, ep.value, None, f"{type(exc).__name__}: {exc}")
            )
            continue
        if not isinstance(info, ConnectorInfo):
            found.append(InstalledConnector(ep.name, ep.value, None, "not a ConnectorInfo"))
            continue
        found.append(InstalledConnector(ep.name, ep.value, info))
    return found
