"""A plug-in platform as an operator configures it, through ``reengage`` in a subprocess.

``reengage-tinycrm`` is found through its installed entry point; a broken plug-in is a
second, real distribution (a ``.dist-info`` with an entry point naming a module that does
not exist) put on the path of the child process. Nothing is patched.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from reengage_tinycrm.server import TinyCrmServer

from tests.cli_process import run_cli

API_KEY = "tinycrm-secret-8c2e4a"


@pytest.fixture
def server() -> Iterator[TinyCrmServer]:
    running = TinyCrmServer(API_KEY).start()
    now = datetime.now(UTC)
    running.state.add_person("t-1", "quiet@tinycrm.test", now - timedelta(days=800))
    running.state.add_activity("a-1", "t-1", "email_click", now - timedelta(days=400))
    yield running
    running.stop()


def _plugin_env(server: TinyCrmServer, **more: str) -> dict[str, str]:
    return {
        "REENGAGE_PLATFORMS": "tinycrm",
        "REENGAGE_PLUGINS__TINYCRM__BASE_URL": server.url,
        "REENGAGE_PLUGINS__TINYCRM__API_KEY": API_KEY,
        **more,
    }


def _broken_distribution(folder: Path) -> str:
    """A path entry holding an installed distribution whose connector cannot be imported."""
    info = folder / "reengage_broken_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: reengage-broken-plugin\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text(
        "[reengage.connectors]\nbroken = reengage_no_such_plugin_module:INFO\n"
    )
    return os.pathsep.join([*filter(None, [os.environ.get("PYTHONPATH")]), str(folder)])


def test_connectors_lists_the_plugin_and_a_broken_one_with_its_error(tmp_path: Path) -> None:
    path = _broken_distribution(tmp_path / "site")
    result = run_cli(["connectors"], tmp_path, PYTHONPATH=path, COLUMNS="300")
    assert result.returncode == 0, result.stderr
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    assert "reengage_tinycrm:TINYCRM" in rows["tinycrm"]
    assert "ModuleNotFoundError" in rows["broken"]
    assert "reengage_no_such_plugin_module" in rows["broken"]
    assert {"hubspot", "salesforce"} <= set(rows)


def test_connectors_json_is_one_document_naming_each_connector_and_its_error(
    tmp_path: Path,
) -> None:
    path = _broken_distribution(tmp_path / "site")
    result = run_cli(["connectors", "--json"], tmp_path, PYTHONPATH=path)
    assert result.returncode == 0, result.stderr
    listed = {c["name"]: c for c in json.loads(result.stdout)["connectors"]}
    assert listed["tinycrm"]["platform"] == "tinycrm" and listed["tinycrm"]["error"] is None
    assert listed["broken"]["platform"] is None
    assert "ModuleNotFoundError" in listed["broken"]["error"]
    assert {"hubspot", "salesforce"} <= set(listed)


def test_sync_apply_reads_and_writes_a_plugin_platform(
    tmp_path: Path, server: TinyCrmServer
) -> None:
    path = _broken_distribution(tmp_path / "site")  # a broken plug-in hides nothing
    result = run_cli(["sync", "--apply"], tmp_path, PYTHONPATH=path, **_plugin_env(server))
    assert result.returncode == 0, result.stderr
    assert server.state.fields_of("t-1")["status"] == "dormant"
    assert API_KEY not in result.stdout + result.stderr


def test_plugin_settings_are_refused_naming_the_key_before_any_request(
    tmp_path: Path, server: TinyCrmServer
) -> None:
    env = _plugin_env(server, REENGAGE_PLUGINS__TINYCRM__PAGE_SIZE="many")
    result = run_cli(["sync", "--apply"], tmp_path, **env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "REENGAGE_PLUGINS__TINYCRM__PAGE_SIZE" in result.stderr
    assert server.state.requests == []
    assert API_KEY not in result.stdout + result.stderr


def test_a_platform_no_connector_serves_is_refused(tmp_path: Path, server: TinyCrmServer) -> None:
    path = _broken_distribution(tmp_path / "site")
    env = _plugin_env(server, REENGAGE_PLATFORMS="tinycrm,nocrm")
    result = run_cli(["sync", "--apply"], tmp_path, PYTHONPATH=path, **env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "nocrm" in result.stderr and "REENGAGE_PLATFORMS" in result.stderr
    assert "broken" in result.stderr  # the plug-in that failed to load is named
    assert server.state.requests == []


def test_config_check_masks_the_plugins_secrets(tmp_path: Path, server: TinyCrmServer) -> None:
    env = _plugin_env(server, REENGAGE_PLUGINS__OTHERCRM__TOKEN="othercrm-secret-11")
    result = run_cli(["config", "check", "--json"], tmp_path, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = json.loads(result.stdout)
    assert shown["platforms"] == ["tinycrm"]
    assert shown["plugins"]["tinycrm"]["base_url"] == server.url  # not a secret: shown
    assert shown["plugins"]["tinycrm"]["api_key"] == "**********"
    assert shown["plugins"]["othercrm"]["token"] == "**********"  # no model: every value
    assert API_KEY not in result.stdout and "othercrm-secret-11" not in result.stdout


def test_the_log_filter_hides_the_plugins_secrets_only() -> None:
    from reengage_tinycrm import TinyCrmSettings

    from config.settings import Settings
    from config.shown import secret_values
    from connectors.base import settings_models

    settings = Settings(
        platforms=["tinycrm"],
        plugins={
            "tinycrm": {"base_url": "http://127.0.0.1:9", "api_key": API_KEY, "page_size": "5"},
            "othercrm": {"token": "othercrm-secret-11"},
        },
    )
    assert settings_models()["tinycrm"] is TinyCrmSettings  # through the entry point
    secrets = secret_values(settings, settings_models())
    assert API_KEY in secrets and "othercrm-secret-11" in secrets
    assert "5" not in secrets and "http://127.0.0.1:9" not in secrets  # not secrets: readable


def test_config_check_refuses_what_sync_would_refuse(tmp_path: Path, server: TinyCrmServer) -> None:
    path = _broken_distribution(tmp_path / "site")
    env = _plugin_env(
        server, REENGAGE_PLATFORMS="tinycrm,nocrm", REENGAGE_PLUGINS__TINYCRM__PAGE_SIZE="many"
    )
    result = run_cli(["config", "check"], tmp_path, PYTHONPATH=path, **env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "REENGAGE_PLATFORMS: nocrm: no installed connector serves it" in result.stderr
    assert "REENGAGE_PLUGINS__TINYCRM__PAGE_SIZE" in result.stderr
    assert API_KEY not in result.stdout + result.stderr


def test_build_connectors_refuses_a_platform_nothing_serves() -> None:
    from config.rules import load_rules
    from config.settings import Settings
    from connectors.base import ConfigurationError
    from sync.run import build_connectors

    settings = Settings(platforms=["nocrm"])
    with pytest.raises(ConfigurationError, match="nocrm: no installed connector serves it"):
        build_connectors(settings, load_rules())
