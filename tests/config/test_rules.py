"""The rules file: the shipped defaults are SPEC §4; every mistake is named by key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.rules import DEFAULT_RULES_FILE, Rules, RulesError, load_rules


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_defaults_are_the_spec_numbers() -> None:
    rules = load_rules()
    assert (rules.dormancy.lead_days, rules.dormancy.customer_days, rules.dormancy.recent_days) == (
        90,
        365,
        30,
    )
    assert rules.scoring.half_life_days == 14
    assert (rules.scoring.reactivation_threshold, rules.scoring.sql_threshold) == (10, 30)
    assert rules.weights.as_dict() == {
        "email_open": 3, "web_visit": 4, "content_download": 5, "event_registration": 5,
        "email_click": 10, "form_submission": 15, "email_reply": 15, "event_attendance": 15,
        "call_connected": 20, "meeting_held": 25,
    }  # fmt: skip
    assert rules.sunset.after_emails == 6
    assert [(p.name, p.from_days, p.to_days) for p in rules.segments.period] == [
        ("dormant_90_180d", 90, 180),
        ("dormant_180_365d", 180, 365),
        ("dormant_365d_plus", 365, None),
    ]
    assert {name: play.approach for name, play in rules.playbook.items()} == {
        "dormant_90_180d": "email_and_call", "dormant_180_365d": "email_nurture",
        "dormant_365d_plus": "reintroduction_email", "lost_deal": "call_first",
        "thin_touch": "email_and_seminar", "high_score_dormant": "immediate_call",
        "dormant_customer": "account_review",
    }  # fmt: skip
    tasks = {
        n: (p.task.due_business_days, p.task.priority) for n, p in rules.playbook.items() if p.task
    }
    assert tasks == {
        "dormant_90_180d": (3, "NORMAL"),
        "lost_deal": (2, "NORMAL"),
        "high_score_dormant": (0, "HIGH"),
        "dormant_customer": (5, "NORMAL"),
    }
    assert "Reengage: reactivated" in rules.list_names()
    assert len(rules.list_names()) == 9
    assert rules.holdout.share == 0.0


@pytest.mark.parametrize(
    ("text", "path", "reason"),
    [
        ("[dormancy]\nlead_days = -5\n", "dormancy.lead_days", "greater than or equal to 1"),
        ("[dormancy]\ncolour = 'red'\n", "dormancy.colour", "unknown key"),
        ("[weights]\nemail_open = 'three'\n", "weights.email_open", "valid number"),
        ("[weights]\nemail_opens = 3\n", "weights.email_opens", "unknown key"),
        ("[scoring]\nsql_threshold = 5.0\n", "scoring", "at least reactivation_threshold"),
        ("[holdout]\nshare = 0.9\n", "holdout.share", "less than or equal to 0.5"),
        ("[dormancy]\nbusiness_timezone = 'Mars/Base'\n", "dormancy.business_timezone", "unknown"),
        ("[dormancy]\nlead_days = 60\n", "(top level)", "lead_days is 60"),
        ("[sources.hubspot]\ndownload_form_pattern = '(['\n",
         "sources.hubspot.download_form_pattern", "regular"),
        ("[playbook.nobody]\napproach = 'x'\n", "(top level)", "unknown segment"),
        ("[[segments.period]]\nname='a'\nfrom_days=90\nto_days=100\n", "segments", "last period"),
        ("dormancy = [", "(syntax)", "end of document"),
        ("[fields]\ndormant_days_mode = 'formulas'\n", "fields.dormant_days_mode", "'formula'"),
        ("[fields]\ndormant_days_mode = true\n", "fields.dormant_days_mode", "'written'"),
    ],
    ids=[
        "negative-days", "unknown-key", "weight-not-number", "misspelt-weight",
        "sql-below-reactivation", "holdout-too-large", "bad-zone", "period-gap",
        "bad-regex", "playbook-unknown-segment", "open-ended-last-period", "toml-syntax",
        "unknown-dormant-days-mode", "dormant-days-mode-not-text",
    ],
)  # fmt: skip
def test_each_mistake_is_named(tmp_path: Path, text: str, path: str, reason: str) -> None:
    with pytest.raises(RulesError) as info:
        load_rules(_write(tmp_path, text))
    problems = {(p.path, p.message) for p in info.value.problems}
    assert any(p == path and reason in m for p, m in problems), problems


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = "[dormancy]\nlead_days = -5\ncolour = 1\n[weights]\nemail_open = 'x'\n"
    with pytest.raises(RulesError) as info:
        load_rules(_write(tmp_path, text))
    assert len(info.value.problems) == 3
    assert str(tmp_path) in str(info.value)


def test_a_partial_file_overlays_the_defaults(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, "[holdout]\nshare = 0.1\n[weights]\nemail_open = 1\n"))
    assert rules.holdout.share == 0.1
    assert rules.weights.email_open == 1
    assert rules.weights.email_click == 10
    assert rules.dormancy.lead_days == 90


def test_dormant_days_are_written_unless_formula_mode_is_chosen(tmp_path: Path) -> None:
    assert load_rules().fields.dormant_days_mode == "written"  # SPEC §4
    assert not load_rules().fields.formula_mode
    rules = load_rules(_write(tmp_path, "[fields]\ndormant_days_mode = 'formula'\n"))
    assert rules.fields.formula_mode
    assert rules.fields.salesforce.quiet_since == "Reengage_Quiet_Since__c"  # overlaid, kept


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="file not found"):
        load_rules(tmp_path / "nope.toml")


def test_rules_are_frozen() -> None:
    rules = load_rules(DEFAULT_RULES_FILE)
    assert isinstance(rules, Rules)
    with pytest.raises(Exception, match="frozen"):
        rules.dormancy.lead_days = 1  # type: ignore[misc]
