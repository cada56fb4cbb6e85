"""Without the ``sandbox`` extra, the commands that need the emulators say how to get them."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
from typer.testing import CliRunner

import connectors.sandboxes
from connectors.sandboxes import SANDBOX_ENTRY_POINT_GROUP, load_sandbox
from sync.cli import app


@pytest.fixture
def no_server_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in sandbox's entry point, as found when its modules cannot be imported."""
    missing = EntryPoint(
        "builtin", "reengage_no_such_module.sandbox:open", SANDBOX_ENTRY_POINT_GROUP
    )
    monkeypatch.setattr(connectors.sandboxes, "entry_points", lambda group: [missing])


@pytest.mark.usefixtures("no_server_stack")
def test_load_sandbox_names_the_extra() -> None:
    with pytest.raises(LookupError, match=r"pip install 'reengage\[sandbox\]'"):
        load_sandbox()


@pytest.mark.usefixtures("no_server_stack")
def test_sandbox_serve_refuses_in_one_line() -> None:
    result = CliRunner().invoke(app, ["sandbox", "serve", "--persons", "100"])
    assert result.exit_code == 2
    assert "reengage[sandbox]" in result.output
    assert "Traceback" not in result.output
