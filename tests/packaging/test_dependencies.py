"""Every third-party package the product imports is declared in its distribution's metadata.

A package that is only present because another one pulls it in (``urllib3``
through ``requests``, ``jwt`` through ``simple-salesforce``) breaks the day
that other package stops needing it; so every import of the product's own
packages is checked against ``importlib.metadata.requires("reengage")``.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions, requires
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("connectors", "sync", "config")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_top_levels() -> dict[str, set[str]]:
    """Top-level module name -> the product files importing it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def declared() -> set[str]:
    """The distributions ``reengage`` requires, extras included (names canonicalised)."""
    out: set[str] = set()
    for requirement in requires("reengage") or []:
        out.add(_canonical(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]))
    return out


def test_every_imported_third_party_package_is_declared() -> None:
    owners = packages_distributions()
    wanted = declared()
    missing: dict[str, set[str]] = {}
    for module, files in imported_top_levels().items():
        if module in PRODUCT or module in sys.stdlib_module_names or module == "__future__":
            continue
        distributions = {_canonical(d) for d in owners.get(module, [])}
        assert distributions, f"{module} (imported by {sorted(files)}) is not installed"
        if not distributions & wanted:
            missing[module] = files
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"
