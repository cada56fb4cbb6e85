"""``docs/ARCHITECTURE.md``'s module table names every package and every module directly
inside ``sync/``, ``connectors/`` and ``config/`` (where a newcomer looks first), each once,
and nothing that is not there."""

from __future__ import annotations

import re

from tests.architecture.imports import PACKAGES, ROOT

DOC = ROOT / "docs" / "ARCHITECTURE.md"
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|")


def table_paths() -> list[str]:
    """The first cell of each row of the table under ``## Modules``."""
    section = DOC.read_text(encoding="utf-8").split("## Modules", 1)[1].split("\n## ", 1)[0]
    return [m.group(1).rstrip("/") for line in section.splitlines() if (m := ROW.match(line))]


def expected_paths() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for init in (ROOT / package).rglob("__init__.py"):
            folder = init.parent.relative_to(ROOT)
            if "migrations" not in folder.parts:
                found.add(str(folder))
    for package in ("sync", "connectors", "config"):
        found |= {
            str(p.relative_to(ROOT))
            for p in (ROOT / package).glob("*.py")
            if p.name != "__init__.py"
        }
    return found


def test_the_module_table_matches_the_packages() -> None:
    listed = table_paths()
    assert len(listed) == len(set(listed)), "a row is listed twice"
    assert set(listed) == expected_paths()
