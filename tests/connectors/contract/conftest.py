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


def discover() -> dict[str, Callable[[], Subject]]:
    """Every ``SUBJECT`` in ``subjects/``, by module name (sorted: stable test ids)."""
    folder = Path(__file__).with_name("subjects")
    found: dict[str, Callable[[], Subject]] = {}
    for module in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name):
        loaded = importlib.import_module(f"{SUBJECTS_PACKAGE}.{module.name}")
        factory = getattr(loaded, "SUBJECT", None)
        if factory is not None:
            found[module.name] = factory
    return found


SUBJECT_FACTORIES = discover()


@pytest.fixture(scope="module", params=sorted(SUBJECT_FACTORIES))
def subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    made = SUBJECT_FACTORIES[request.param]()
    made.start()
    try:
        yield made
    finally:
        made.stop()
