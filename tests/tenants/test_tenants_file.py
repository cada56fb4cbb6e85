"""The tenants file: validated like the rules file (every problem, by key path), secrets only
as references, and each tenant's settings its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.rules import load_rules
from config.settings import Settings
from config.shown import effective_config, secret_values
from config.tenants import TenantsError, load_tenants, tenant_settings

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

GOOD = """
[tenants.acme]
rules_file = "acme-rules.toml"
schedule = { interval_seconds = 30 }
alerts.webhook_url = { env = "ACME_WEBHOOK" }

[tenants.acme.hubspot]
access_token = { env = "ACME_HS" }
base_url = "http://127.0.0.1:9999"

[tenants.acme.salesforce]
instance_url = "https://127.0.0.1:9998"
session_id = { file = "acme-sf-session" }

[tenants.globex]
paused = true
platforms = ["hubspot"]
schedule = { cron = "*/15 * * * *" }
hubspot.access_token = { env = "GLOBEX_HS" }
"""


def _write(tmp_path: Path, text: str, name: str = "tenants.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def good(tmp_path: Path) -> Path:
    _write(tmp_path, "[sunset]\nafter_emails = 3\n", "acme-rules.toml")
    _write(tmp_path, "sf-session-secret-value\n", "acme-sf-session")
    return _write(tmp_path, GOOD)


def test_a_good_file_loads_in_order_with_paths_from_its_folder(good: Path) -> None:
    tenants = load_tenants(good)
    assert [t.id for t in tenants.tenants] == ["acme", "globex"]
    acme, globex = tenants.tenants
    assert acme.rules_file == good.parent / "acme-rules.toml"
    assert acme.schedule.interval is not None and acme.schedule.interval.total_seconds() == 30
    assert (globex.paused, globex.schedule.cron, globex.schedule.interval) == (
        True,
        "*/15 * * * *",
        None,
    )
    assert acme.schema_name == "tenant_acme"


def test_every_problem_is_reported_with_its_key_path(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[tenants.Bad-Id]
hubspot.access_token = "pat-na1-in-the-file"

[tenants.ok]
schedule = { interval_seconds = 5, cron = "nope" }
colour = "blue"
rules_file = "missing.toml"
hubspot.base_url = "ftp://x"
hubspot.access_token = { env = "A", file = "b" }
salesforce.username = "u@example.com"
""",
    )
    with pytest.raises(TenantsError) as caught:
        load_tenants(path)
    paths = {p.path for p in caught.value.problems}
    assert {
        "tenants.ok.schedule.interval_seconds",
        "tenants.ok.schedule.cron",
        "tenants.ok.colour",
    } <= paths
    # the structure is checked first: the second pass needs a well-formed file
    fixed = _write(
        tmp_path,
        """
[tenants.Bad-Id]
hubspot.access_token = "pat-na1-in-the-file"

[tenants.ok]
rules_file = "missing.toml"
hubspot.base_url = "ftp://x"
hubspot.access_token = { env = "A", file = "b" }
salesforce.username = "u@example.com"
salesforce.password = { env = "SF_PW" }
""",
    )
    with pytest.raises(TenantsError) as caught:
        load_tenants(fixed)
    found = {p.path: p.message for p in caught.value.problems}
    assert "tenants.Bad-Id" in found  # the id names a schema
    assert "never sits in the tenants file" in found["tenants.Bad-Id.hubspot.access_token"]
    assert "tenants.ok.hubspot.access_token" in found  # env and file both given
    assert "tenants.ok.hubspot.base_url" in found
    assert "tenants.ok.salesforce" in found  # incomplete Salesforce credentials
    assert found["tenants.ok.rules_file"].startswith("(file)")
    assert "pat-na1-in-the-file" not in str(caught.value)


def test_an_empty_or_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TenantsError, match="no tenant"):
        load_tenants(_write(tmp_path, "# nothing yet\n"))
    with pytest.raises(TenantsError, match="file not found"):
        load_tenants(tmp_path / "absent.toml")
    with pytest.raises(TenantsError, match=r"\(syntax\)"):
        load_tenants(_write(tmp_path, "[tenants.a\n"))


def test_a_tenants_settings_are_its_own_and_read_secrets_when_it_runs(good: Path) -> None:
    tenants = load_tenants(good)
    base = Settings(database_url=PG, hubspot={"access_token": "base-token"})
    env = {"ACME_HS": "acme-token", "ACME_WEBHOOK": "http://127.0.0.1:1/hook", "GLOBEX_HS": "g"}
    acme = tenant_settings(base, tenants, tenants.get("acme"), env)
    globex = tenant_settings(base, tenants, tenants.get("globex"), env)
    assert acme.hubspot.access_token is not None
    assert acme.hubspot.access_token.get_secret_value() == "acme-token"
    assert acme.salesforce.session_id is not None
    assert acme.salesforce.session_id.get_secret_value() == "sf-session-secret-value"
    assert acme.alerts.webhook_url is not None and globex.alerts.webhook_url is None
    assert acme.rules_file == good.parent / "acme-rules.toml"
    assert globex.rules_file == base.rules_file
    # the overlay is acme's alone, laid over the shipped defaults
    assert load_rules(acme.rules_file).sunset.after_emails == 3
    assert load_rules(globex.rules_file).sunset.after_emails == 6
    assert load_rules(acme.rules_file).dormancy == load_rules(globex.rules_file).dormancy
    assert globex.platforms == ["hubspot"] and not globex.salesforce.configured
    assert "search_path%3Dtenant_acme" in acme.store_url.replace("=", "%3D")
    assert "tenant_globex" in globex.store_url
    assert "acme-token" in secret_values(acme)
    assert "acme-token" not in str(effective_config(acme))


def test_an_unset_secret_variable_is_named_never_its_value(good: Path) -> None:
    tenants = load_tenants(good)
    base = Settings(database_url=PG)
    with pytest.raises(TenantsError) as caught:
        tenant_settings(base, tenants, tenants.get("acme"), {"ACME_HS": "x"})
    found = {p.path: p.message for p in caught.value.problems}
    assert found == {
        "tenants.acme.alerts.webhook_url": "environment variable ACME_WEBHOOK is not set"
    }


def test_a_tenants_file_with_a_sqlite_store_is_refused(good: Path) -> None:
    tenants = load_tenants(good)
    with pytest.raises(TenantsError, match="needs a PostgreSQL store"):
        tenant_settings(Settings(), tenants, tenants.get("globex"), {"GLOBEX_HS": "g"})


def test_an_unknown_tenant_is_named_with_the_known_ones(good: Path) -> None:
    with pytest.raises(TenantsError, match="no tenant 'nope' \\(known: acme, globex\\)"):
        load_tenants(good).get("nope")
