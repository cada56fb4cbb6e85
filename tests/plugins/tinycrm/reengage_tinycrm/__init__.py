"""reengage-tinycrm: a connector plug-in for a third platform, ``tinycrm``.

Registered under the ``reengage.connectors`` entry point as :data:`TINYCRM`. A source
(persons and their activities) and a :class:`~connectors.base.FieldSink` (reengage's
fields on its persons): no lists, no tasks. Its settings come from
``REENGAGE_PLUGINS__TINYCRM__*`` (:class:`TinyCrmSettings`), refused naming the key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

from config.rules import Rules
from config.settings import Settings, plugin_settings
from connectors.base import Connector, ConnectorInfo, Platform, RecordType

PLATFORM = Platform("tinycrm")
PERSON = RecordType("tinycrm_person")


class TinyCrmSettings(BaseModel):
    """``REENGAGE_PLUGINS__TINYCRM__BASE_URL`` and ``...__API_KEY`` (a secret)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str
    api_key: SecretStr
    page_size: int = 100
    timeout_seconds: float = 10.0

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("an http:// or https:// URL")
        return value.rstrip("/")


def factory(
    settings: Settings, rules: Rules, *, clock: Callable[[], datetime] | None = None
) -> Connector:
    """The connector for ``REENGAGE_PLUGINS__TINYCRM__*`` (no request is made here)."""
    from reengage_tinycrm.connector import TinyCrmConnector

    return TinyCrmConnector(plugin_settings(settings, PLATFORM.value, TinyCrmSettings))


TINYCRM = ConnectorInfo(
    name="tinycrm",
    platform=PLATFORM.value,
    description="tinycrm (a plug-in): persons and activities read, reengage's fields written",
    factory=factory,
    settings_model=TinyCrmSettings,
)
