"""Pure batching helpers: chunks without repeated ids, and isolating refused inputs."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from connectors.base import WriteResult, WriteStatus
from connectors.errors import RecordError
from connectors.hubspot.writes import isolate, unique_chunks, wire_value


@pytest.mark.parametrize(
    ("keys", "size", "expected"),
    [
        ("abcde", 2, ["ab", "cd", "e"]),
        ("abac", 10, ["ab", "ac"]),
        ("aaa", 10, ["a", "a", "a"]),
        ("", 3, []),
    ],
    ids=["by-size", "repeat-starts-next", "all-same", "empty"],
)
def test_unique_chunks(keys: str, size: int, expected: list[str]) -> None:
    chunks = unique_chunks(list(keys), size, lambda k: k)
    assert ["".join(c) for c in chunks] == expected


def test_isolate_halves_a_refused_batch_until_the_bad_inputs_stand_alone() -> None:
    calls: list[str] = []

    def run(part: Sequence[str]) -> dict[str, WriteResult]:
        calls.append("".join(part))
        if "x" in part:
            raise RecordError("refused as a whole", status=400, code="VALIDATION_ERROR")
        return {k: WriteResult(k, WriteStatus.APPLIED) for k in part}

    out = isolate(list("abxdefgh"), run, lambda k: k)
    assert out["x"].status is WriteStatus.FAILED and out["x"].error_code == "VALIDATION_ERROR"
    assert {k for k, r in out.items() if r.status is WriteStatus.APPLIED} == set("abdefgh")
    assert calls[0] == "abxdefgh" and len(calls) <= 2 * 3 + 1  # log2(8) levels


@pytest.mark.parametrize(
    ("value", "wire"),
    [(None, ""), (True, "true"), (False, "false"), (12.5, "12.5"), (3, "3"), ("x", "x")],
    ids=["none-clears", "true", "false", "float", "int", "str"],
)
def test_wire_value(value: str | int | float | bool | None, wire: str) -> None:
    assert wire_value(value) == wire
