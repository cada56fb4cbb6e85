"""Each connector tells "reengage's own field or property is missing" from its platform's
codes; sync says what to do about it without knowing any platform's code."""

from __future__ import annotations

import json

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connectors.base import RecordError, SetupMissing
from connectors.hubspot.limits import translate as hubspot_translate
from connectors.salesforce.client import translate as salesforce_translate
from sync.run import explain_error

# HubSpot's batch update answer for a property that is not there (a VALIDATION_ERROR whose
# message carries one error per property)
HUBSPOT_MISSING = {
    "status": "error",
    "category": "VALIDATION_ERROR",
    "message": "Property values were not valid: "
    + json.dumps([{"isValid": False, "message": "Property \"reengage_score\" does not exist",
                   "error": "PROPERTY_DOESNT_EXIST", "name": "reengage_score"}]),
}  # fmt: skip


def _salesforce(code: str) -> SalesforceMalformedRequest:
    body = [{"message": "No such column 'Reengage_Score__c' on entity 'Lead'", "errorCode": code}]
    return SalesforceMalformedRequest("https://x/services/data/v62.0/query", 400, "query", body)


def test_hubspot_missing_property_is_setup_missing() -> None:
    error = hubspot_translate(400, HUBSPOT_MISSING)
    assert isinstance(error, SetupMissing)
    assert "reengage setup" in explain_error(error)


@pytest.mark.parametrize("code", ["INVALID_FIELD", "INVALID_TYPE"])
def test_salesforce_missing_field_is_setup_missing(code: str) -> None:
    error = salesforce_translate(_salesforce(code))
    assert isinstance(error, SetupMissing)
    assert "reengage setup" in explain_error(error)


def test_other_refusals_are_record_errors_without_the_hint() -> None:
    hubspot = hubspot_translate(400, {"category": "VALIDATION_ERROR", "message": "bad email"})
    salesforce = salesforce_translate(_salesforce("MALFORMED_ID"))
    for error in (hubspot, salesforce):
        assert isinstance(error, RecordError) and not isinstance(error, SetupMissing)
        assert "reengage setup" not in explain_error(error)
