"""One field map (``config.rules_platform.PERSON_FIELDS``): the rules' field names on each
platform, the planner's field values and both platforms' setup are built from it."""

from __future__ import annotations

from config.rules import load_rules
from config.rules_platform import FIELD_KEYS, PERSON_FIELDS, HubSpotFields, SalesforceFields
from connectors.base import Platform
from connectors.hubspot.setup import property_needs
from connectors.salesforce.setup import field_specs
from sync.plan.desired import field_names


def test_the_rules_name_every_field_of_the_map_on_both_platforms() -> None:
    assert set(HubSpotFields.model_fields) - {"group"} == set(FIELD_KEYS)
    assert set(SalesforceFields.model_fields) - {"task_key"} == set(FIELD_KEYS)


def test_both_setups_make_one_field_per_map_entry_with_its_kind() -> None:
    rules = load_rules()
    hubspot = {n.name: n.type for n in property_needs(rules) if n.object_type == "contacts"}
    assert hubspot == {
        getattr(rules.fields.hubspot, f.key): {"text": "string"}.get(f.kind, f.kind)
        for f in PERSON_FIELDS
    }
    salesforce = {(s.sobject, s.name): s.type for s in field_specs(rules) if s.sobject != "Task"}
    assert salesforce == {
        (sobject, getattr(rules.fields.salesforce, f.key)): {
            "text": "Text", "number": "Number", "datetime": "DateTime", "bool": "Checkbox"
        }[f.kind]
        for f in PERSON_FIELDS
        for sobject in ("Lead", "Contact")
    }  # fmt: skip
    score = next(s for s in field_specs(rules) if s.name == rules.fields.salesforce.score)
    assert (score.precision, score.scale) == (8, 1)


def test_the_planner_writes_the_fields_of_the_map() -> None:
    rules = load_rules()
    for platform in (Platform.HUBSPOT, Platform.SALESFORCE):
        assert tuple(field_names(rules, platform)) == FIELD_KEYS
