"""``Platform`` and ``RecordType`` are open to plug-ins yet compare by identity like enums."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from connectors.base import Platform, RecordRef, RecordType


def test_a_name_made_twice_is_one_object() -> None:
    assert Platform("hubspot") is Platform.HUBSPOT
    assert Platform("exampcrm") is Platform("exampcrm")
    assert RecordType("exampcrm_person") is RecordType("exampcrm_person")
    assert pickle.loads(pickle.dumps(Platform("exampcrm"))) is Platform("exampcrm")
    assert copy.deepcopy(RecordType.SALESFORCE_LEAD) is RecordType.SALESFORCE_LEAD


def test_they_are_plain_strings_outside() -> None:
    assert Platform.SALESFORCE == "salesforce" and f"{Platform.SALESFORCE}" == "salesforce"
    assert type(Platform.SALESFORCE.value) is str
    assert json.dumps({Platform.HUBSPOT: RecordType.HUBSPOT_CONTACT}) == (
        '{"hubspot": "hubspot_contact"}'
    )


def test_a_record_types_platform_is_its_prefix() -> None:
    assert RecordRef(RecordType("exampcrm_person"), "1").platform is Platform("exampcrm")
    assert RecordType.SALESFORCE_CONTACT.platform is Platform.SALESFORCE
    assert RecordType.EMAIL_ADDRESS.platform is None
    assert RecordType("exampcrm_person") in RecordType.members()


@pytest.mark.parametrize("name", ["HubSpot", "my_crm", "1crm", "", "a" * 17])
def test_a_platform_name_the_store_cannot_keep_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a valid Platform"):
        Platform(name)


@pytest.mark.parametrize("name", ["person", "exampcrm-person", "exampcrm_" + "p" * 30])
def test_a_record_type_not_platform_underscore_object_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a valid RecordType"):
        RecordType(name)
