"""``reengage config check --connect`` asks each platform whether reengage can work there.

Run as an operator runs it (a subprocess, tests/cli_process.py) against a small
sandbox: good credentials with setup done exit 0 with every platform ok; a
refused token or a missing scope exit 2 naming the platform and the cause; setup
not run exits 1 naming what is missing; ``--json`` stays one document even when
DEBUG logging is on (logs go to stderr).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.sandbox import Sandbox, SandboxOptions
from tests.cli_process import run_cli


@pytest.fixture
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox(SandboxOptions(persons=30)).start()
    yield sandbox
    sandbox.stop()


def check(box: Sandbox, tmp_path: Path, *extra: str, **env: str) -> tuple[int, str, str]:
    done = run_cli(
        ["config", "check", "--connect", *extra], tmp_path, **{**box.environment(), **env}
    )
    return done.returncode, done.stdout, done.stderr


def set_up(box: Sandbox, tmp_path: Path) -> None:
    done = run_cli(["setup"], tmp_path, **box.environment())
    assert done.returncode == 0, done.stderr


def test_good_credentials_and_setup_done_report_every_platform_ok(
    box: Sandbox, tmp_path: Path
) -> None:
    set_up(box, tmp_path)
    code, out, err = check(box, tmp_path)
    assert code == 0, out + err
    text = " ".join(out.split()).lower()
    assert "hubspot: ok" in text and "salesforce: ok" in text, out
    assert box.environment()["REENGAGE_HUBSPOT__ACCESS_TOKEN"] not in out + err
    assert box.environment()["REENGAGE_SALESFORCE__CONSUMER_SECRET"] not in out + err


def test_a_refused_hubspot_token_exits_2_naming_hubspot_and_401(
    box: Sandbox, tmp_path: Path
) -> None:
    set_up(box, tmp_path)
    code, out, err = check(box, tmp_path, REENGAGE_HUBSPOT__ACCESS_TOKEN="pat-na1-not-a-token")
    assert code == 2, out + err
    assert "hubspot" in (out + err).lower() and "401" in out + err
    assert "pat-na1-not-a-token" not in out + err
    text = " ".join(out.split())
    assert "hubspot: credentials refused" in text, out
    assert "salesforce: ok" in text, out  # one platform's refusal does not hide the other


def test_a_host_that_cannot_be_found_exits_2_naming_it(box: Sandbox, tmp_path: Path) -> None:
    url = "http://reengage-check.invalid"  # RFC 6761: never resolves
    code, out, err = check(box, tmp_path, REENGAGE_HUBSPOT__BASE_URL=url)
    assert code == 2, out + err
    text = " ".join(out.split())
    assert "hubspot: unreachable" in text and "reengage-check.invalid" in text, out


def test_a_missing_scope_exits_2_naming_the_scope(box: Sandbox, tmp_path: Path) -> None:
    set_up(box, tmp_path)
    box.hubspot.missing_scopes.add("lists")
    code, out, err = check(box, tmp_path)
    assert code == 2, out + err
    assert "crm.lists" in out + err
    assert "hubspot: permission refused" in " ".join(out.split()), out


def test_setup_not_run_exits_1_naming_what_is_missing(box: Sandbox, tmp_path: Path) -> None:
    code, out, err = check(box, tmp_path)
    assert code == 1, out + err
    text = " ".join(out.split())
    assert "hubspot: setup incomplete" in text and "salesforce: setup incomplete" in text, out
    assert "Reengage_" in text and "missing" in text and "reengage setup" in text, out


def test_json_is_one_document_at_debug(box: Sandbox, tmp_path: Path) -> None:
    set_up(box, tmp_path)
    code, out, err = check(box, tmp_path, "--json", REENGAGE_LOG_LEVEL="DEBUG")
    assert code == 0, out + err
    document = json.loads(out)
    assert {p["platform"]: p["status"] for p in document["connect"]} == {
        "hubspot": "ok",
        "salesforce": "ok",
    }
    assert "rules" in document
