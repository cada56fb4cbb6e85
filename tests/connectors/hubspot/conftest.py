"""Fixtures of the HubSpot connector tests (helpers live in ``support.py``)."""

from __future__ import annotations

import pytest

from config.rules import Rules, load_rules


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()
