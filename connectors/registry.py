"""Where connectors are found (the ``reengage.connectors`` entry-point group) and what a
registered connector is: a :class:`Connector` that a :class:`ConnectorFactory` builds.

A connector plug-in registers a :class:`ConnectorInfo` under ``reengage.connectors``;
its ``factory`` builds the connector from the settings and rules. ``sync`` reaches
these through ``connectors.base``, which re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from pydantic import BaseModel

from config.rules import Rules
from config.settings import Settings
from connectors.records import ApiUsage, Platform

ENTRY_POINT_GROUP = "reengage.connectors"


@runtime_checkable
class Connector(Protocol):
    """What every connector, source or sink, answers: its platform, what it has cost so
    far (serve's metrics), and ``close`` (its connections, once the run is done)."""

    platform: Platform

    def usage(self) -> ApiUsage: ...

    def close(self) -> None: ...


class ConnectorFactory(Protocol):
    """Builds a connector from the settings and the rules; ``clock`` (an aware ``now``)
    replaces the real clock when given (a sandbox whose world runs ahead of it).

    A plug-in reads its own settings with :func:`config.settings.plugin_settings`
    (``REENGAGE_PLUGINS__<PLATFORM>__<KEY>``), which refuses them naming the key.
    """

    def __call__(
        self, settings: Settings, rules: Rules, *, clock: Callable[[], datetime] | None = None
    ) -> Connector: ...


@dataclass(frozen=True, slots=True)
class ConnectorInfo:
    """What a connector plug-in registers under the ``reengage.connectors`` group."""

    name: str
    platform: str
    description: str
    # the connector: a SourceConnector, a SinkConnector or a FieldSink, or several (None for a
    # connector that only lists itself)
    factory: ConnectorFactory | None = None
    # id_forms(typed) -> every stored form of a record id an operator typed (copied from a
    # page, a report or an export), empty when it is not one of this platform's ids;
    # None: ids are stored exactly as typed
    id_forms: Callable[[str], frozenset[str]] | None = None
    # a plug-in's own settings, read from REENGAGE_PLUGINS__<PLATFORM>__<KEY> (None: it has
    # none); ``reengage config show`` masks its SecretStr fields, the log filter their values
    settings_model: type[BaseModel] | None = None


@dataclass(frozen=True, slots=True)
class InstalledConnector:
    name: str
    module: str
    info: ConnectorInfo | None
    error: str | None = None


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


def settings_models() -> dict[str, type[BaseModel]]:
    """Each installed plug-in's settings model by platform: what ``config show`` and the log
    filter mask (its ``SecretStr`` fields)."""
    return {
        found.info.platform: found.info.settings_model
        for found in installed_connectors()
        if found.info is not None and found.info.settings_model is not None
    }
