"""Formula mode needs no HubSpot day-count property: lists filter on quiet-since (issue 16)."""

from __future__ import annotations

from config.rules import Rules
from connectors.hubspot.setup import property_needs


def _names(rules: Rules) -> set[str]:
    return {n.name for n in property_needs(rules) if n.object_type == "contacts"}


def test_formula_mode_needs_every_property_but_the_day_count(rules: Rules) -> None:
    fields = rules.fields.model_copy(update={"dormant_days_mode": "formula"})
    formula = rules.model_copy(update={"fields": fields})
    assert _names(rules) - _names(formula) == {"reengage_dormant_days"}
    assert _names(formula) >= {"reengage_quiet_since", "reengage_score", "reengage_status"}
