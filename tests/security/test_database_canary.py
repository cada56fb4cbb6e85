"""The store's password never shows: PostgreSQL accepts any password here (trust), so the
canary rides in the URL of a real store, then of one that cannot be reached."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import make_url

from tests.cli_process import run_cli
from tests.security.canaries import Canaries

DB_PASSWORD = "DBPASScanary+pg/w=d&x"
PLATFORMS = {  # configured, never reached: these commands read only the store
    "REENGAGE_HUBSPOT__ACCESS_TOKEN": "pat-na1-unused",
    "REENGAGE_SALESFORCE__INSTANCE_URL": "https://acme.my.salesforce.com",
    "REENGAGE_SALESFORCE__SESSION_ID": "00Dunused!unused",
}
COMMANDS: list[list[str]] = [
    ["config", "check"],
    ["config", "check", "--json"],
    ["runs", "--json"],
    ["errors", "--json"],
    ["report", "--json"],
]


def _leaks(url: str, tmp_path: Path, *, ok: bool) -> list[str]:
    canaries = Canaries({"database password": DB_PASSWORD})
    found: list[str] = []
    for fmt in ("text", "json"):
        for args in COMMANDS:
            env = {"REENGAGE_DATABASE_URL": url, "REENGAGE_LOG_FORMAT": fmt, **PLATFORMS}
            done = run_cli(args, tmp_path, REENGAGE_LOG_LEVEL="DEBUG", **env)
            where = " ".join(args) + f" [{fmt}]"
            if ok or args[0] != "config":
                assert (done.returncode == 0) == ok, f"{where}: {done.stderr[-2000:]}"
            found += canaries.leaks(f"stdout of {where}", done.stdout.encode())
            found += canaries.leaks(f"stderr of {where}", done.stderr.encode())
    return found


@pytest.mark.postgres
def test_the_database_password_is_never_shown(postgres_url: str, tmp_path: Path) -> None:
    url = make_url(postgres_url).set(password=DB_PASSWORD)
    reachable = url.render_as_string(hide_password=False)
    unreachable = url.set(port=1).render_as_string(hide_password=False)
    leaks = _leaks(reachable, tmp_path, ok=True) + _leaks(unreachable, tmp_path, ok=False)
    assert leaks == [], "\n".join(leaks)
