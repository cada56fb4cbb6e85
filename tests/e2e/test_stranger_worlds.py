"""The write-back state tests on three stranger worlds, small enough for every CI run.

Each world (:mod:`connectors.sandbox.stranger`) has other ids, owners and users, other
key and row order and shorter pages than the world the suite was written on; reengage
must leave exactly what SPEC §4 calls for all the same, and plan nothing on an
unchanged second run. The tests are :mod:`tests.e2e.test_writeback_state`'s own, run
here on this module's worlds (its ``first`` and ``second`` fixtures use the ``world``
below). The full suite runs on stranger worlds with
``REENGAGE_TEST_STRANGER=seed1,seed2,...`` (see ``tests/e2e/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.test_writeback_state import (  # noqa: F401 (fixtures and tests run here)
    first,
    second,
    test_first_sync_creates_one_task_per_person_and_trigger,
    test_first_sync_puts_each_person_on_exactly_their_lists,
    test_first_sync_writes_the_decision_on_every_linked_record,
    test_unchanged_second_sync_plans_and_writes_nothing,
)
from tests.e2e.world import World, open_world, rules_with_holdout

SEEDS = (101, 202, 303)
PERSONS = 250
OWN_STRANGER_SEEDS = True  # REENGAGE_TEST_STRANGER does not multiply this module


@pytest.fixture(scope="module", params=SEEDS, ids=[f"stranger-{s}" for s in SEEDS])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("stranger")
    rules = rules_with_holdout(0.1)
    opened = open_world(folder, PERSONS, rules, owner_fallback=True, ten_second_limit=100_000,
                        stranger=int(request.param))  # fmt: skip
    yield opened
    opened.close()
