"""Formula mode's ``setup`` against the emulator: the dormant days formula field (issue 16).

``fields.dormant_days_mode = "formula"`` makes ``Reengage_Dormant_Days__c`` a Number
formula over ``Reengage_Quiet_Since__c``: created by setup (after the field it reads),
shown by describe as calculated, computed on read, refused on write. A plain field
of that name is reported ``wrong`` with what to do, never changed; so is a formula
field in written mode.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from config.rules import Rules
from connectors.base import FieldUpdate, RecordRef, RecordType, WriteStatus
from connectors.errors import ConnectorError
from connectors.salesforce.connector import SalesforceConnector
from sandbox.salesforce import SalesforceEmulator

from .conftest import Clock, MakeConnector

FORMULA = "FLOOR(NOW() - Reengage_Quiet_Since__c)"
DAYS = "Reengage_Dormant_Days__c"


def in_mode(rules: Rules, mode: str) -> Rules:
    fields = rules.fields.model_copy(update={"dormant_days_mode": mode})
    return rules.model_copy(update={"fields": fields})


@pytest.fixture
def formula(make_connector: MakeConnector, rules: Rules) -> SalesforceConnector:
    return make_connector(rules_=in_mode(rules, "formula"))


def described(connector: SalesforceConnector, sobject: str, name: str) -> dict[str, Any]:
    body: dict[str, Any] = connector.client.sf.restful(f"sobjects/{sobject}/describe/") or {}
    return next(f for f in body["fields"] if f["name"] == name)


def test_setup_creates_the_formula_field_and_a_second_run_changes_nothing(
    formula: SalesforceConnector,
) -> None:
    before = {i.name: i for i in formula.check_setup(None)}
    assert before[f"Lead.{DAYS}"].status == "missing"
    assert before[f"Lead.{DAYS}"].detail == "Number formula field"
    first = formula.apply_setup(list(before.values()))
    assert Counter(i.status for i in first if i.kind == "field") == {"created": 21}
    for sobject in ("Lead", "Contact"):
        field = described(formula, sobject, DAYS)
        assert (field["calculated"], field["calculatedFormula"]) == (True, FORMULA)
        assert (field["type"], field["createable"], field["updateable"]) == ("double", False, False)
        assert described(formula, sobject, "Reengage_Score__c")["calculated"] is False
    again = formula.check_setup(None)
    assert {i.status for i in again} == {"ok"}
    assert {i.status for i in formula.apply_setup(again)} == {"ok"}


def test_the_formula_field_counts_whole_days_on_read_and_refuses_writes(
    org: SalesforceEmulator, formula: SalesforceConnector, clock: Clock
) -> None:
    formula.apply_setup(formula.check_setup(None))
    lead = next(r["Id"] for r in org.state.records("Lead") if not r["IsConverted"])
    ref = RecordRef(RecordType.SALESFORCE_LEAD, lead)
    quiet = clock.now - timedelta(days=40, hours=1)
    stamp = quiet.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    [written] = formula.update_fields([FieldUpdate("q", ref, {"Reengage_Quiet_Since__c": stamp})])
    assert written.status is WriteStatus.APPLIED
    soql = f"SELECT {DAYS} FROM Lead WHERE Id = '{lead}'"
    assert formula.client.sf.query(soql)["records"][0][DAYS] == 40
    clock.now += timedelta(days=3)
    assert formula.client.sf.query(soql)["records"][0][DAYS] == 43
    record: dict[str, Any] = formula.client.sf.restful(f"sobjects/Lead/{lead}") or {}
    assert record[DAYS] == 43
    refused = formula.update_fields([FieldUpdate("d", ref, {DAYS: 7})])[0]
    assert (refused.status, refused.error_code) == (
        WriteStatus.FAILED,
        "INVALID_FIELD_FOR_INSERT_UPDATE",
    )
    assert DAYS in (refused.message or "")


def test_a_plain_dormant_days_field_is_refused_in_formula_mode_and_kept(
    make_connector: MakeConnector, formula: SalesforceConnector, rules: Rules
) -> None:
    written = make_connector(rules_=rules)
    written.apply_setup(written.check_setup(None))
    wrong = {i.name: i for i in formula.check_setup(None) if i.status == "wrong"}
    assert sorted(wrong) == [f"Contact.{DAYS}", f"Lead.{DAYS}"]
    assert "plain Number field" in wrong[f"Lead.{DAYS}"].detail
    assert "delete the field" in wrong[f"Lead.{DAYS}"].detail
    formula.apply_setup(formula.check_setup(None))
    assert described(formula, "Lead", DAYS)["calculated"] is False  # never changed


def test_a_formula_dormant_days_field_is_refused_in_written_mode(
    make_connector: MakeConnector, formula: SalesforceConnector, rules: Rules
) -> None:
    formula.apply_setup(formula.check_setup(None))
    written = make_connector(rules_=rules)
    wrong = {i.name: i for i in written.check_setup(None) if i.status == "wrong"}
    assert sorted(wrong) == [f"Contact.{DAYS}", f"Lead.{DAYS}"]
    assert "is a formula field" in wrong[f"Lead.{DAYS}"].detail


def test_the_sandbox_refuses_a_formula_it_does_not_evaluate(formula: SalesforceConnector) -> None:
    body = {
        "FullName": "Lead.Other__c",
        "Metadata": {"label": "Other", "type": "Number", "formula": "TODAY() - 3"},
    }
    with pytest.raises(ConnectorError) as caught:
        formula.client.call(
            lambda sf: sf.restful("tooling/sobjects/CustomField", method="POST", json=body)
        )
    assert "FIELD_INTEGRITY_EXCEPTION" in str(caught.value.user_message) + str(caught.value)
