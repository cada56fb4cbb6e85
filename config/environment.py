"""Checks of the environment that pydantic alone does not make.

* A ``REENGAGE_*`` variable that is no setting (``REENGAGE_HUBSPOT_ACCESS_TOKEN``
  with one underscore) is an error naming it: ignored, it would silently leave a
  platform unconfigured. Variables under ``REENGAGE_TEST_`` belong to the test
  suite and are left alone.
* Files the settings name (CA bundles, the JWT key) must exist and be readable,
  so that a typo is one line naming the variable, not a TLS library's traceback
  at the first request.
* Each platform in ``REENGAGE_PLATFORMS`` (both by default) must be configured
  before any command that talks to the platforms starts, so that a missing token
  never narrows a run to the other platform without a word.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import BaseModel
from pydantic_settings import BaseSettings

PREFIX = "REENGAGE_"
NESTED = "__"
IGNORED_PREFIXES = ("REENGAGE_TEST_",)
# a plug-in's own settings, REENGAGE_PLUGINS__<PLATFORM>__<KEY>: its connector validates them
PLUGIN_PREFIX = PREFIX + "PLUGINS" + NESTED
_PLUGIN_VARIABLE = re.compile(r"REENGAGE_PLUGINS__[A-Z][A-Z0-9]*__[A-Z][A-Z0-9_]*\Z")

_MISSING: dict[str, tuple[str, str]] = {
    "hubspot": (
        "REENGAGE_HUBSPOT__ACCESS_TOKEN",
        "HubSpot is in use (REENGAGE_PLATFORMS) but has no private-app token: set it, "
        "or leave hubspot out of REENGAGE_PLATFORMS",
    ),
    "salesforce": (
        "REENGAGE_SALESFORCE__INSTANCE_URL",
        "Salesforce is in use (REENGAGE_PLATFORMS) but has no credentials: set the instance "
        "URL and one login flow's REENGAGE_SALESFORCE__* variables, or leave salesforce out "
        "of REENGAGE_PLATFORMS",
    ),
}


def known_variables(settings_type: type[BaseSettings]) -> set[str]:
    """Every variable name the settings read: top-level fields and each nested model's fields."""
    names: set[str] = set()
    for name, field in settings_type.model_fields.items():
        top = PREFIX + name.upper()
        names.add(top)
        kind = field.annotation
        if name == "plugins":
            continue  # any plug-in's: checked by their form, unknown_variables
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names.update(top + NESTED + sub.upper() for sub in kind.model_fields)
    return names


def unknown_variables(names: Iterable[str], known: set[str]) -> list[str]:
    """The ``REENGAGE_*`` names (case-insensitive, as pydantic-settings reads them) not known."""
    return sorted(
        name
        for name in names
        if name.upper().startswith(PREFIX)
        and not name.upper().startswith(IGNORED_PREFIXES)
        and name.upper() not in known
        and not _PLUGIN_VARIABLE.match(name.upper())
    )


def dotenv_names(path: Path) -> list[str]:
    """Variable names a ``.env`` file sets (values are never read here)."""
    if not path.is_file():
        return []
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip().removeprefix("export ").strip()
        if text and not text.startswith("#") and "=" in text:
            names.append(text.split("=", 1)[0].strip())
    return names


def missing_platforms(
    platforms: Iterable[str], configured: Mapping[str, bool]
) -> list[tuple[str, str]]:
    """(variable, reason) for each platform in use that is not configured."""
    return [
        _MISSING[name]
        for name in platforms
        if name in _MISSING and not configured.get(name, False)  # a plug-in's: its factory
    ]


def unreadable_files(files: Mapping[str, Path | None]) -> list[tuple[str, str]]:
    """(variable, reason) for each named file that is missing, not a file, or not readable."""
    problems = []
    for variable, path in files.items():
        if path is None:
            continue
        if not path.exists():
            problems.append((variable, f"{path} does not exist"))
        elif not path.is_file():
            problems.append((variable, f"{path} is not a file"))
        elif not os.access(path, os.R_OK):
            problems.append((variable, f"{path} is not readable by this user"))
    return problems
