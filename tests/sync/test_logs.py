"""Logs never carry a secret, in either format."""

from __future__ import annotations

import json
import logging

import pytest

from sync.logs import JsonFormatter, RedactSecrets, setup_logging


def test_secrets_are_masked_in_message_args_and_extras() -> None:
    record = logging.LogRecord(
        "reengage.x", logging.WARNING, __file__, 1, "token %s rejected", ("pat-secret-1",), None
    )
    record.url = "https://h/?token=pat-secret-1"
    RedactSecrets(["pat-secret-1", ""]).filter(record)
    assert record.getMessage() == "token ********** rejected"
    assert record.url == "https://h/?token=**********"


def test_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("json", secrets=["00D!session"])
    logging.getLogger("reengage.sync").info("read %d records with 00D!session", 5, extra={"n": 5})
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["message"] == "read 5 records with **********"
    assert entry["n"] == 5 and entry["level"] == "info" and entry["logger"] == "reengage.sync"


def test_formatter_includes_errors() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "reengage", logging.ERROR, __file__, 1, "x", None, sys.exc_info()
        )
    assert "RuntimeError: boom" in json.loads(JsonFormatter().format(record))["error"]


def test_a_url_encoded_secret_is_masked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A password with reserved characters travels encoded in a URL (``p%40ss%2F1``)."""
    from config.settings import load_settings
    from config.shown import secret_values

    for key in [k for k in __import__("os").environ if k.startswith("REENGAGE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("REENGAGE_DATABASE_URL", "postgresql://u:p%40ss%2F1@127.0.0.1/test")
    secrets = secret_values(load_settings())
    record = logging.LogRecord(
        "reengage.x", logging.ERROR, __file__, 1, "cannot reach %s (password %s)",
        ("postgresql://u:p%40ss%2F1@127.0.0.1/test", "p@ss/1"), None,
    )  # fmt: skip
    RedactSecrets(secrets).filter(record)
    assert "p%40ss%2F1" not in record.getMessage() and "p@ss/1" not in record.getMessage()
