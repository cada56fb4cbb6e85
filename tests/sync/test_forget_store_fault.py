"""``reengage forget`` on a store that fails mid-way (disk full, connection gone) ends with
exit 1 and one line naming the store, as sync and apply do: never a traceback."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

import sync.cli.common
import sync.cli.forget
from sync.cli import app


@contextmanager
def no_platforms(*_: Any) -> Iterator[dict[str, Any]]:
    yield {}


def test_a_full_store_during_forget_is_one_line_naming_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.startswith("REENGAGE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("REENGAGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REENGAGE_PLATFORMS", "hubspot")
    monkeypatch.setenv("REENGAGE_HUBSPOT__ACCESS_TOKEN", "pat-test")

    def full(*_: Any) -> Any:
        raise OperationalError(
            "INSERT INTO forgotten ...", {}, Exception("database or disk is full")
        )

    monkeypatch.setattr(sync.cli.common, "connected", no_platforms)
    monkeypatch.setattr(sync.cli.forget, "forget_email", full)
    result = CliRunner().invoke(app, ["forget", "someone@example.com", "--json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["error"]["code"] == "store"
    assert "reengage.db" in doc["error"]["message"] and "full" in doc["error"]["message"]
    assert "Traceback" not in result.output and "INSERT INTO" not in result.output
