"""What of the settings may be shown: the configuration with its secrets masked, and the
secrets' values (also URL-encoded) for the log filter that hides them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_args
from urllib.parse import quote, quote_plus, urlsplit

from pydantic import BaseModel, SecretStr
from sqlalchemy.engine import make_url

from config.settings import Settings

MASK = "**********"

PluginModels = Mapping[str, type[BaseModel]]
"""Each installed plug-in's settings model, by platform (``connectors.base.settings_models``)."""
_NO_MODELS: PluginModels = MappingProxyType({})


def _plugin_secrets(settings: Settings, models: PluginModels) -> dict[str, frozenset[str]]:
    """Per plug-in platform, the keys of its settings that are secrets: its model's
    ``SecretStr`` fields; every key of a platform whose model is unknown."""
    out: dict[str, frozenset[str]] = {}
    for platform, values in settings.plugins.items():
        model = models.get(platform)
        if model is None:
            out[platform] = frozenset(values)
            continue
        out[platform] = frozenset(
            name
            for name, field in model.model_fields.items()
            if SecretStr in (get_args(field.annotation) or (field.annotation,))
        )
    return out


def _mask(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else ""
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def effective_config(
    settings: Settings, plugin_models: PluginModels = _NO_MODELS
) -> dict[str, Any]:
    """The configuration as reengage will use it, with every secret masked.

    The database password is hidden too; Salesforce's auth mode is shown so
    an operator sees which login flow their variables select.
    """
    raw = {name: getattr(settings, name) for name in type(settings).model_fields}
    secret = _plugin_secrets(settings, plugin_models)
    raw["plugins"] = {
        p: {k: SecretStr(v) if k in secret[p] else v for k, v in values.items()}
        for p, values in settings.plugins.items()
    }
    shown: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, BaseModel):
            shown[name] = {k: _mask(getattr(value, k)) for k in type(value).model_fields}
        else:
            shown[name] = _mask(value)
    shown["database_url"] = make_url(settings.store_url).render_as_string(hide_password=True)
    if settings.broker_url and (broker := urlsplit(settings.broker_url)).password:
        shown["broker_url"] = settings.broker_url.replace(f":{broker.password}@", f":{MASK}@", 1)
    shown["salesforce"]["auth_mode"] = settings.salesforce.auth_mode or "(not configured)"
    shown["hubspot"]["auth_mode"] = (
        "private_app_token" if settings.hubspot.configured else ("(not configured)")
    )
    return shown


def secret_values(settings: Settings, plugin_models: PluginModels = _NO_MODELS) -> list[str]:
    """Every configured secret's value, for the log filter that masks them."""
    found: list[str] = [
        settings.plugins[platform][key]
        for platform, keys in _plugin_secrets(settings, plugin_models).items()
        for key in sorted(keys)
        if settings.plugins[platform][key]
    ]
    for section in (settings.hubspot, settings.salesforce, settings.alerts):
        for name in type(section).model_fields:
            value = getattr(section, name)
            if isinstance(value, SecretStr) and value.get_secret_value():
                found.append(value.get_secret_value())
    url = make_url(settings.store_url)
    if url.password:
        found.append(str(url.password))
    if settings.broker_url and (broker := urlsplit(settings.broker_url).password):
        found.append(broker)
    # a secret also travels URL-encoded (a password in a URL, a token in a query string)
    encoded = {quote(v, safe="") for v in found} | {quote_plus(v) for v in found}
    return [*found, *sorted(encoded - set(found))]
