"""Files the configuration names must exist and be readable, else the run is refused naming them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli_process import run_cli


def config_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(["config", "check"], tmp_path, **env)


HUBSPOT = {"REENGAGE_PLATFORMS": "hubspot", "REENGAGE_HUBSPOT__ACCESS_TOKEN": "pat-na1-x"}


def test_a_missing_ca_bundle_is_refused_naming_the_variable(tmp_path: Path) -> None:
    done = config_check(tmp_path, **HUBSPOT, REENGAGE_HUBSPOT__CA_BUNDLE=str(tmp_path / "no.pem"))
    assert done.returncode == 2
    assert "REENGAGE_HUBSPOT__CA_BUNDLE" in done.stderr and "no.pem" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_private_key_file_is_refused_naming_the_variable(tmp_path: Path) -> None:
    done = config_check(
        tmp_path,
        REENGAGE_PLATFORMS="salesforce",
        REENGAGE_SALESFORCE__INSTANCE_URL="https://acme.my.salesforce.com",
        REENGAGE_SALESFORCE__CONSUMER_KEY="3MVG9-key",
        REENGAGE_SALESFORCE__USERNAME="integration@acme.example",
        REENGAGE_SALESFORCE__PRIVATE_KEY_FILE=str(tmp_path / "missing.key"),
    )
    assert done.returncode == 2
    assert "REENGAGE_SALESFORCE__PRIVATE_KEY_FILE" in done.stderr


def test_a_ca_bundle_that_exists_is_taken(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    done = config_check(tmp_path, **HUBSPOT, REENGAGE_HUBSPOT__CA_BUNDLE=str(bundle))
    assert done.returncode == 0, done.stderr
