"""``python -m benchmarks tenants`` at a smoke size (two tenants of 100 persons): every figure
the issue names, as sane numbers; none is held against a time bound. Marked slow (about two
minutes): CI runs the tenants' worker, redelivery and scheduler tests, not this benchmark."""

from __future__ import annotations

import pytest

from tests.benchmarks.test_smoke import bench, sane


@pytest.mark.slow  # two worker fleets and four sandbox worlds: about two minutes
def test_the_tenants_benchmark_times_a_round_on_one_worker_and_on_two() -> None:
    doc = bench("tenants", "--tenants", "2", "--persons", "100")
    assert (doc["benchmark"], doc["tenants"], doc["persons"]) == ("tenants", 2, 100)
    for config in ("one_worker", "two_workers"):
        figures = doc[config]
        assert sane(figures["round_s"]) and figures["round_s"] > 0
        assert sane(figures["emulators_cpu_s"]) and figures["emulators_cpu_s"] > 0
        assert figures["runs"] == {"ok": 2}  # every tenant's cycle finished, and well
    assert sane(doc["ratio_two_over_one"])
