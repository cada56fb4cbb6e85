"""``sync --apply`` against platforms where ``setup`` was never run refuses before any write.

Without reengage's properties, fields, lists and campaigns every field update fails
record by record while list and campaign memberships go through: half a plan
applied and thousands of warning lines. The run must instead stop before its first
write, say what is missing and that ``reengage setup`` creates it, in a few lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.sandbox import Sandbox, SandboxOptions
from sync.store.journal import save_plan, store_version
from sync.store.migrate import open_store
from tests.cli_process import run_cli
from tests.e2e.world import hubspot_writes, reset_counts, salesforce_writes
from tests.sync.test_apply import NOW, plan


@pytest.fixture(scope="module")
def fresh_box() -> Iterator[Sandbox]:
    """Both platforms as a new customer's: nothing of reengage's exists on them."""
    box = Sandbox(SandboxOptions(persons=200)).start()
    try:
        yield box
    finally:
        box.stop()


def test_sync_apply_before_setup_exits_2_naming_what_is_missing(
    fresh_box: Sandbox, tmp_path: Path
) -> None:
    reset_counts(fresh_box)
    done = run_cli(["sync", "--apply", "--quiet"], tmp_path, **fresh_box.environment())
    assert hubspot_writes(fresh_box) == {}, "a HubSpot write was sent"
    assert salesforce_writes(fresh_box) == {}, "a Salesforce write was sent"
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) <= 30, f"{len(lines)} lines on stderr"
    text = " ".join(done.stderr.split())
    for thing in ("reengage_status", "Reengage_Status__c", "Reengage: "):
        assert thing in text, f"{thing!r} not named as missing"
    for kind in ("propert", "field", "list", "campaign"):
        assert kind in text.lower(), f"no {kind!r} named"
    assert "reengage setup" in text


def test_apply_of_a_saved_plan_before_setup_exits_2_before_any_write(
    fresh_box: Sandbox, tmp_path: Path
) -> None:
    """``reengage plan`` then ``reengage apply ID`` is the other way to write."""
    url = f"sqlite:///{tmp_path / 'reengage.db'}"
    engine = open_store(url)
    with engine.begin() as conn:
        plan_id = save_plan(conn, plan(2), as_of=NOW, version=store_version(conn))
    engine.dispose()
    reset_counts(fresh_box)
    done = run_cli(["apply", plan_id], tmp_path, **fresh_box.environment(),
                   REENGAGE_DATABASE_URL=url)  # fmt: skip
    assert hubspot_writes(fresh_box) == {}, "a HubSpot write was sent"
    assert salesforce_writes(fresh_box) == {}, "a Salesforce write was sent"
    assert done.returncode == 2, done.stderr[-2000:]
    assert len(done.stderr.splitlines()) <= 30
    assert "Reengage_Status__c" in done.stderr and "reengage setup" in done.stderr
