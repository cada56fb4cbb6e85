"""An operator reads why a platform cannot be reached: the URL and the reason, in one line,
and what waiting cannot heal is not retried (operator issue, point 3).

The CLI runs as a subprocess with sleeping switched off (a ``sitecustomize`` that makes
``time.sleep`` return at once), so a retried failure costs no wall time and the server
counts the attempts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from config.settings import SalesforceSettings
from connectors.base import ConnectorError
from sync.run import explain_error
from tests.cli_process import run_cli
from tests.connectors.local_servers import UntrustedTls


def no_sleep(tmp_path: Path) -> dict[str, str]:
    """``PYTHONPATH`` for a child whose ``time.sleep`` returns at once (retries cost nothing)."""
    import os

    folder = tmp_path / "nosleep"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(
        "import time\ntime.sleep = lambda seconds: None\n", encoding="utf-8"
    )
    inherited = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": os.pathsep.join(p for p in (str(folder), inherited) if p)}


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_an_untrusted_salesforce_certificate_fails_at_once_naming_the_url(
    tmp_path: Path,
) -> None:
    with UntrustedTls() as server:
        done = run_cli(
            ["setup", "--check-only"],
            tmp_path,
            REENGAGE_PLATFORMS="salesforce",
            REENGAGE_SALESFORCE__INSTANCE_URL=server.url,
            REENGAGE_SALESFORCE__CONSUMER_KEY="key",
            REENGAGE_SALESFORCE__CONSUMER_SECRET="secret",
            **no_sleep(tmp_path),
        )
    said = one_line(done.stderr)
    assert done.returncode != 0
    assert f"127.0.0.1:{server.port}" in said, said
    assert "certificate verification failed" in said.lower(), said
    assert "secret" not in said
    assert server.connections == 1, f"{server.connections} connection attempts: {said}"


def test_a_closed_hubspot_port_names_host_port_and_refused(tmp_path: Path) -> None:
    done = run_cli(
        ["setup", "--check-only"],
        tmp_path,
        REENGAGE_PLATFORMS="hubspot",
        REENGAGE_HUBSPOT__ACCESS_TOKEN="pat-na1-token",
        REENGAGE_HUBSPOT__BASE_URL="http://127.0.0.1:9",
        **no_sleep(tmp_path),
    )
    said = one_line(done.stderr)
    assert done.returncode != 0
    assert "127.0.0.1:9" in said, said
    assert "refused" in said, said
    assert "pat-na1-token" not in said


def credential_sets(message: str) -> list[list[str]]:
    """The complete sets of Salesforce variables a refusal lists ("set A; or B + C (flow)...")."""
    listed = message.split(": set ", 1)[1]
    choices = [re.sub(r"\([^)]*\)", "", choice) for choice in listed.split("; or ")]
    return [re.findall(r"\b[A-Z][A-Z_]+\b", choice) for choice in choices]


VALUES = {"PRIVATE_KEY_FILE": "key.pem", "SECURITY_TOKEN": "tok"}


def test_every_credential_set_the_refusal_lists_is_accepted_and_the_readme_agrees() -> None:
    with pytest.raises(ValidationError) as refused:
        SalesforceSettings(instance_url="https://x.my.salesforce.com", username="u")
    sets = credential_sets(str(refused.value))
    assert len(sets) == 4, sets
    for names in sets:
        given = {name.lower(): VALUES.get(name, "v") for name in names}
        settings = SalesforceSettings(instance_url="https://x.my.salesforce.com", **given)  # type: ignore[arg-type]
        assert settings.auth_mode is not None, names
    password_set = next(s for s in sets if "PASSWORD" in s)
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if "username-password flow" in line)
    assert set(re.findall(r"__([A-Z_]+)", row)) >= set(password_set), row


def test_the_one_line_carries_status_and_code_the_message_lacks() -> None:
    error = ConnectorError(
        "the platform refused the job:\nsee its log", platform="salesforce", status=400, code="X_Y"
    )
    said = explain_error(error)
    assert "\n" not in said
    assert said.startswith("the platform refused the job: see its log")
    assert "HTTP 400" in said and "X_Y" in said
    named = ConnectorError("Salesforce answered 400 X_Y: no", status=400, code="X_Y")
    assert explain_error(named).count("X_Y") == 1
