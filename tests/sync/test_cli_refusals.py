"""Arguments that cannot mean anything are refused before any request, in one unwrapped line."""

from __future__ import annotations

from pathlib import Path

from tests.cli_process import run_cli

NOWHERE = {  # a configured platform that no request can reach
    "REENGAGE_PLATFORMS": "hubspot",
    "REENGAGE_HUBSPOT__ACCESS_TOKEN": "pat-na1-x",
    "REENGAGE_HUBSPOT__BASE_URL": "http://127.0.0.1:9",
}


def test_an_unknown_segment_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    done = run_cli(["plan", "--segment", "bogus"], tmp_path, **NOWHERE)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"not one line: {done.stderr!r}"
    assert "'bogus'" in lines[0] and "dormant_90_180d" in lines[0]
