"""Kill trials through the real command: ``reengage sync --apply`` / ``backfill`` SIGKILLed by the
sandbox right after a write was answered, or at a random moment, then rerun until done, end where
an uninterrupted run ends (:mod:`tests.e2e.kill_harness`).

By default three seeded trials run (one killed right after a HubSpot task create, one right
after a Salesforce campaign-member insert, one at a random moment); ``REENGAGE_TEST_KILL_TRIALS=50``
runs 50, spread over every write kind of both platforms (task closes through ``reengage
forget``), random moments and backfill kills. The
summary (trials, kill points hit, duplicates, lost memberships, stale fields, the longest wait
caused by a dead run's lock) goes to stderr, and to the file ``REENGAGE_TEST_KILL_SUMMARY``
names when set. Trials run three at a time (``REENGAGE_TEST_KILL_WORKERS``), each with its own
sandbox, store and ``reengage`` processes.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from config.rules import load_rules
from tests.e2e.kill_compare import Summary
from tests.e2e.kill_harness import make_reference, phases_of, plan_trials, run_trial

FLAG = "REENGAGE_TEST_KILL_TRIALS"
SUMMARY = "REENGAGE_TEST_KILL_SUMMARY"
WORKERS = "REENGAGE_TEST_KILL_WORKERS"
DEFAULT_TRIALS = 3
DEFAULT_WORKERS = 3
PERSONS = 150
SEED = 20261202
LOCK_WAIT_LIMIT = 10.0  # seconds: a dead run's lock is taken over at once on SQLite


def trial_count() -> int:
    return int(os.environ.get(FLAG) or DEFAULT_TRIALS)


def workers() -> int:
    """Trials run side by side: most of a trial is the client pacing itself to HubSpot's limits."""
    return int(os.environ.get(WORKERS) or DEFAULT_WORKERS)


def test_killed_runs_rerun_until_done_end_where_an_uninterrupted_run_ends(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = load_rules()
    trials = plan_trials(trial_count(), SEED)
    reference = make_reference(
        tmp_path_factory.mktemp("reference"), PERSONS, rules, phases_of(trials)
    )
    folders = [tmp_path_factory.mktemp(f"trial-{t.seed}") for t in trials]
    with ThreadPoolExecutor(max_workers=workers()) as pool:
        outcomes = list(
            pool.map(lambda f, t: run_trial(f, PERSONS, rules, t, reference), folders, trials)
        )
    summary = Summary(outcomes)
    with capsys.disabled():
        print("\n" + summary.text(), file=sys.stderr)
    if path := os.environ.get(SUMMARY):
        Path(path).write_text(summary.text() + "\n")
    details = "\n".join(d for o in outcomes for d in o.detail[:20])
    assert summary.failures == 0, summary.text() + "\n" + details
    missed = [o.line() for o in outcomes if o.trial.point is not None and not o.killed]
    assert missed == [], "sandbox kill points that did not kill"
    assert summary.longest_lock_wait < LOCK_WAIT_LIMIT, summary.text()
