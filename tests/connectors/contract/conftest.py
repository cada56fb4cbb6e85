"""Finds the subjects (every module of ``subjects/`` that defines ``SUBJECT``) and gives each
contract test module one started world per subject."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .subject import Subject

SUBJECTS_PACKAGE = "tests.connectors.contract.subjects"


def discover() -> tuple[dict[str, Callable[[], Subject]], dict[str, dict[str, str]]]:
    """Every ``SUBJECT`` in ``subjects/``, by module name (sorted: stable test ids), and
    each one's ``KNOWN_BUGS`` (test function name -> the bug, for a strict xfail)."""
    folder = Path(__file__).with_name("subjects")
    found: dict[str, Callable[[], Subject]] = {}
    bugs: dict[str, dict[str, str]] = {}
    for module in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name):
        loaded = importlib.import_module(f"{SUBJECTS_PACKAGE}.{module.name}")
        factory = getattr(loaded, "SUBJECT", None)
        if factory is not None:
            found[module.name] = factory
            bugs[module.name] = dict(getattr(loaded, "KNOWN_BUGS", {}))
    return found, bugs


SUBJECT_FACTORIES, KNOWN_BUGS = discover()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A known connector bug turns its test into a strict xfail for that subject only: it
    must keep failing until the bug is fixed, then the entry must go."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("subject") if callspec is not None else None
        function = getattr(item, "originalname", item.name)
        reason = KNOWN_BUGS.get(name, {}).get(function) if isinstance(name, str) else None
        if reason is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.fixture(scope="module", params=sorted(SUBJECT_FACTORIES))
def subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    made = SUBJECT_FACTORIES[request.param]()
    made.start()
    try:
        yield made
    finally:
        made.stop()
