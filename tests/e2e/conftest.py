"""The end-to-end suite on stranger worlds: ``REENGAGE_TEST_STRANGER=seed1,seed2,...``.

With the variable set, every end-to-end module runs once per seed, each time on a
world opened in stranger mode (:mod:`sandbox.stranger`: other ids, key and
row order, page sizes). Without it, the suite runs on today's world, unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.e2e.world import use_stranger

ENV = "REENGAGE_TEST_STRANGER"


def stranger_seeds() -> list[int]:
    """The seeds named in ``REENGAGE_TEST_STRANGER`` (none when unset or empty)."""
    return [int(part) for part in os.environ.get(ENV, "").split(",") if part.strip()]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    seeds = stranger_seeds()
    own = getattr(metafunc.module, "OWN_STRANGER_SEEDS", False)
    if seeds and not own and "stranger_seed" in metafunc.fixturenames:
        ids = [f"stranger-{s}" for s in seeds]
        metafunc.parametrize("stranger_seed", seeds, indirect=True, scope="module", ids=ids)


@pytest.fixture(scope="module", autouse=True)
def stranger_seed(request: pytest.FixtureRequest) -> Iterator[int | None]:
    """Sets the seed worlds open with in this module (before its world fixtures run)."""
    seed: int | None = getattr(request, "param", None)
    use_stranger(seed)
    yield seed
    use_stranger(None)
