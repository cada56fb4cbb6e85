"""Files the configuration names must exist and be readable, else the run is refused naming them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def config_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REENGAGE_")}
    clean.update({"REENGAGE_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run(
        [sys.executable, "-m", "sync.cli", "config", "check"],
        capture_output=True,
        text=True,
        env=clean,
        cwd=tmp_path,
        timeout=120,
    )


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
