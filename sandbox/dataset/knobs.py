"""The proportions of the synthetic world, in one place, so a test or a demo can skew them.

Every share is of the whole population unless its name says otherwise. The
defaults aim at a B2B SaaS company a few years old: most records are marketing
leads, about one in eight is a customer, and a large part of the database has
gone quiet. Edge-case counts are shares with a floor (``min_edge_cases``), so
that even a 1,000-person world holds a few of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Knobs:
    """Proportions and rates of the generated world (see the package docstring)."""

    history_days: int = 730
    customer_share: float = 0.12
    lost_deal_share: float = 0.08
    open_deal_share: float = 0.03
    # where each person lives
    hubspot_only_share: float = 0.30
    salesforce_only_share: float = 0.15
    id_linked_share: float = 0.75  # of persons in both platforms; the rest match by email only
    email_variant_share: float = 0.25  # of persons in both: case / whitespace differs
    mirror_share: float = 0.6  # of id-linked persons: HubSpot email events mirrored as SF tasks
    # the integration's subject for a mirrored task (render_salesforce_activity.MIRROR_FORMS):
    # one form for the whole world, or "mixed" (each task one of them in turn)
    mirror_form: str = "mixed"
    sales_in_hubspot_share: float = 0.15  # of persons in both: sales logs calls etc. in HubSpot
    # quiet-time profiles of leads (normalised)
    lead_profiles: dict[str, float] = field(
        default_factory=lambda: {
            "active": 0.30,
            "quiet_90_180": 0.15,
            "quiet_180_365": 0.15,
            "quiet_365_plus": 0.14,
            "never": 0.10,
            "comeback": 0.06,
            "unresponsive": 0.10,
        }
    )
    customer_profiles: dict[str, float] = field(
        default_factory=lambda: {"active": 0.55, "dormant_customer": 0.35, "comeback": 0.10}
    )
    # consent
    optout_share: float = 0.05
    optout_one_platform_share: float = 0.4  # of opt-outs in both platforms
    hard_bounce_share: float = 0.02
    do_not_call_share: float = 0.03
    hubspot_score_share: float = 0.85
    # engagement and outreach rates (per person-year unless noted)
    marketing_emails_per_week: float = 2.0
    list_share_mean: float = 0.06  # mean share of marketing emails a subscriber receives
    open_rate_mean: float = 0.28
    click_given_open_mean: float = 0.2
    bot_open_rate: float = 0.03  # per send, any time
    bot_click_rate: float = 0.012
    web_visits_per_year: float = 5.0
    forms_per_year: float = 0.7
    downloads_per_year: float = 0.8
    event_registrations_per_year: float = 0.7
    attendance_given_registration: float = 0.55
    event_invite_share: float = 0.08  # of Salesforce persons, per event campaign
    meetings_per_year: float = 0.4
    connected_calls_per_year: float = 0.5
    replies_per_year: float = 0.3
    call_attempts_per_year: float = 1.2
    sales_emails_per_year: float = 0.8
    notes_per_year: float = 0.4
    tasks_per_year: float = 0.5
    meeting_misses_per_year: float = 0.08  # each of no-show and cancelled
    future_meeting_share: float = 0.04  # of active persons
    open_task_share: float = 0.04
    # identity edge cases (shares of persons, floored at min_edge_cases)
    hubspot_merged_share: float = 0.01
    salesforce_merged_share: float = 0.005
    hubspot_archived_share: float = 0.008
    salesforce_deleted_share: float = 0.01
    duplicate_lead_share: float = 0.005
    min_edge_cases: int = 3
    # amounts (lognormal, in the account currency)
    deal_amount_median: float = 15_000.0
    deal_amount_sigma: float = 0.9

    def edge_count(self, share: float, persons: int) -> int:
        """How many persons get an edge case of this share: at least ``min_edge_cases``."""
        return max(self.min_edge_cases, round(share * persons))
