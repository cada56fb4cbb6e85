"""serve_command's checks before the first turn, and the signal handling it installs."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.rules import load_rules
from config.settings import HubSpotSettings, ServeSettings, Settings
from sync.cli.serve import EXIT_CONFIG, serve_command, stop_on_signals


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("REENGAGE_"):
            monkeypatch.delenv(key)


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def settings(tmp_path: Path, **kwargs: object) -> Settings:
    return Settings(data_dir=tmp_path, **kwargs)  # type: ignore[arg-type]


def test_an_invalid_cron_is_a_configuration_error(tmp_path: Path) -> None:
    bad = settings(tmp_path, serve=ServeSettings(cron="every day"))
    assert serve_command(bad, load_rules()) == EXIT_CONFIG


def test_no_platform_configured_is_a_configuration_error(tmp_path: Path) -> None:
    assert serve_command(settings(tmp_path), load_rules()) == EXIT_CONFIG
    assert (tmp_path / "reengage.db").exists()  # the store was opened (and migrated) first


def test_a_busy_metrics_port_is_a_configuration_error(tmp_path: Path, busy_port: int) -> None:
    configured = settings(
        tmp_path,
        hubspot=HubSpotSettings(access_token=SecretStr("pat-test")),
        serve=ServeSettings(port=busy_port),
    )
    assert serve_command(configured, load_rules()) == EXIT_CONFIG


def test_first_signal_asks_to_stop_second_interrupts() -> None:
    asked: list[bool] = []
    before = signal.getsignal(signal.SIGTERM)
    with stop_on_signals(lambda: asked.append(True)):
        os.kill(os.getpid(), signal.SIGTERM)
        assert asked == [True]
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored
