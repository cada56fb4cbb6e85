"""Each connector says what it cost (``Connector.usage()``): the requests the platform
served, counted on the sandbox's side, and it closes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from config.rules import load_rules
from connectors.base import Connector, Platform
from sandbox.sandbox import Sandbox, SandboxOptions
from sync.cli.demo import demo_settings
from sync.run import build_connectors


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox(SandboxOptions(persons=30, seed=5))
    sandbox.start()
    yield sandbox
    sandbox.stop()


def served(box: Sandbox, platform: Platform) -> int:
    counts = box.hubspot.state if platform is Platform.HUBSPOT else box.salesforce.state
    return sum(counts.request_counts.values())


@pytest.mark.parametrize("platform", [Platform.HUBSPOT, Platform.SALESFORCE])
def test_usage_counts_what_the_platform_served(
    box: Sandbox, platform: Platform, tmp_path: Path
) -> None:
    settings = demo_settings(box.environment(), tmp_path)
    connector: Connector = build_connectors(settings, load_rules())[platform]
    assert isinstance(connector, Connector)
    before, start = served(box, platform), connector.usage()
    owners = list(connector.read_owners())  # type: ignore[attr-defined]
    used = connector.usage()
    connector.close()
    assert owners
    assert used.requests - start.requests == served(box, platform) - before > 0
    assert used.rate_limited == 0
