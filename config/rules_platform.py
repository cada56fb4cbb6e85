"""The rules file's platform half: the fields reengage writes on each platform (and how
``dormant_days`` reaches them), and how it reads each platform's activities.

:mod:`config.rules` holds the rest of SPEC §4 and loads the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Strict(BaseModel):
    """Base of every rules model: unknown keys are errors, values are not coerced from strings."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


FieldKind = Literal["text", "number", "datetime", "bool"]


@dataclass(frozen=True, slots=True)
class PersonField:
    """One field reengage writes on a person's records: its key (the rules' field-name key
    on every platform), its kind, and its size where a platform asks for one (the longest
    text; a number's digits and decimals)."""

    key: str
    kind: FieldKind
    size: int = 0
    scale: int = 0

    @property
    def label(self) -> str:
        """``Reengage Last Engagement At``: the label setup gives the field."""
        return "Reengage " + " ".join(word.capitalize() for word in self.key.split("_"))


# The one field map: the plan's field values, HubSpot's properties and Salesforce's custom
# fields are all built from it (and tests hold the rules' name models to it).
PERSON_FIELDS: tuple[PersonField, ...] = (
    PersonField("status", "text", 40),
    PersonField("segment", "text", 80),
    PersonField("period_segment", "text", 80),
    PersonField("approach", "text", 80),
    PersonField("dormant_days", "number", 8),
    PersonField("score", "number", 8, 1),
    PersonField("quiet_since", "datetime"),
    PersonField("last_engagement_at", "datetime"),
    PersonField("last_touch", "text", 255),
    PersonField("holdout", "bool"),
)
FIELD_KEYS: tuple[str, ...] = tuple(f.key for f in PERSON_FIELDS)


class HubSpotFields(Strict):
    group: str = "reengage"
    status: str = "reengage_status"
    segment: str = "reengage_segment"
    period_segment: str = "reengage_period_segment"
    approach: str = "reengage_approach"
    dormant_days: str = "reengage_dormant_days"
    score: str = "reengage_score"
    quiet_since: str = "reengage_quiet_since"
    last_engagement_at: str = "reengage_last_engagement_at"
    last_touch: str = "reengage_last_touch"
    holdout: str = "reengage_holdout"


_SF_CUSTOM = re.compile(r"^[A-Za-z][A-Za-z0-9_]*__c$")


class SalesforceFields(Strict):
    status: str = "Reengage_Status__c"
    segment: str = "Reengage_Segment__c"
    period_segment: str = "Reengage_Period_Segment__c"
    approach: str = "Reengage_Approach__c"
    dormant_days: str = "Reengage_Dormant_Days__c"
    score: str = "Reengage_Score__c"
    quiet_since: str = "Reengage_Quiet_Since__c"
    last_engagement_at: str = "Reengage_Last_Engagement_At__c"
    last_touch: str = "Reengage_Last_Touch__c"
    holdout: str = "Reengage_Holdout__c"
    task_key: str = "Reengage_Task_Key__c"

    @model_validator(mode="after")
    def _custom_names(self) -> SalesforceFields:
        for key, value in self.model_dump().items():
            if not _SF_CUSTOM.match(value):
                raise ValueError(f"{key}: {value!r} is not a Salesforce custom field name (X__c)")
        return self


DormantDaysMode = Literal["written", "formula"]


class Fields(Strict):
    """Field names, and how ``dormant_days`` reaches the platforms.

    ``dormant_days_mode`` "written" (SPEC §4) writes the day count on every record
    each day it moves on; "formula" writes it nowhere: Salesforce computes it in a
    formula field over ``quiet_since`` (created by ``setup``), HubSpot lists and
    workflows filter on ``quiet_since``, and the score is written as of the last
    engagement, so a day with no new activity writes nothing.
    """

    dormant_days_mode: DormantDaysMode = "written"
    hubspot: HubSpotFields = HubSpotFields()
    salesforce: SalesforceFields = SalesforceFields()

    @property
    def formula_mode(self) -> bool:
        return self.dormant_days_mode == "formula"


def _check_pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    return value


class HubSpotSources(Strict):
    call_connected_dispositions: list[str] = Field(
        default_factory=lambda: ["f240bbac-87c9-4f6e-bf70-924b57d47db7"]
    )
    meeting_held_outcomes: list[str] = Field(default_factory=lambda: ["COMPLETED"])
    download_form_pattern: str = "(?i)whitepaper|download|e-?book|資料"
    won_stages: list[str] = Field(default_factory=lambda: ["closedwon"])
    lost_stages: list[str] = Field(default_factory=lambda: ["closedlost"])
    loss_reason_property: str = "closed_lost_reason"

    _pattern = field_validator("download_form_pattern")(_check_pattern)


class SalesforceSources(Strict):
    call_connected_dispositions: list[str] = Field(
        default_factory=lambda: ["Connected", "Spoke", "Conversation"]
    )
    email_task_subtypes: list[str] = Field(default_factory=lambda: ["Email", "ListEmail"])
    email_task_types: list[str] = Field(default_factory=lambda: ["Email"])
    event_campaign_types: list[str] = Field(
        default_factory=lambda: ["Webinar", "Seminar / Conference", "Trade Show"]
    )
    content_campaign_types: list[str] = Field(default_factory=lambda: ["Content"])
    registered_statuses: list[str] = Field(default_factory=lambda: ["Registered"])
    hubspot_mirror_subject_pattern: str = "^(Email (Sent|Opened|Clicked)|Marketing Email):"
    mirror_window_minutes: Annotated[int, Field(ge=0, le=1440)] = 60

    _pattern = field_validator("hubspot_mirror_subject_pattern")(_check_pattern)


class Sources(Strict):
    hubspot: HubSpotSources = HubSpotSources()
    salesforce: SalesforceSources = SalesforceSources()
