"""The rules file: every number and name of SPEC §4, validated before anything runs.

The shipped defaults live in ``config/rules.toml``. ``load_rules`` reads a TOML
file into :class:`Rules`; any unknown key, wrong type or out-of-range value is
reported as a :class:`RulesError` that lists each problem with its key path, so
that an operator fixes the whole file in one go instead of one error per run.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from config.rules_platform import Fields, Sources, Strict

DEFAULT_RULES_FILE = Path(__file__).with_name("rules.toml")

Days = Annotated[int, Field(ge=1, le=36500)]
Points = Annotated[float, Field(ge=0, le=10_000)]
Priority = Literal["HIGH", "NORMAL", "LOW"]


class Dormancy(Strict):
    lead_days: Days = 90
    customer_days: Days = 365
    recent_days: Days = 30
    business_timezone: str = "UTC"
    holidays: list[date] = Field(default_factory=list)

    @field_validator("business_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("holidays", mode="before")
    @classmethod
    def _parse_dates(cls, value: object) -> object:
        # TOML has a native date type; also accept ISO strings, which is what people type.
        if isinstance(value, list):
            return [date.fromisoformat(v) if isinstance(v, str) else v for v in value]
        return value


class Scoring(Strict):
    half_life_days: Annotated[float, Field(gt=0, le=3650)] = 14.0
    reactivation_threshold: Annotated[float, Field(gt=0)] = 10.0
    sql_threshold: Annotated[float, Field(gt=0)] = 30.0

    @model_validator(mode="after")
    def _ordered(self) -> Scoring:
        if self.sql_threshold < self.reactivation_threshold:
            raise ValueError("sql_threshold must be at least reactivation_threshold")
        return self


class Weights(Strict):
    """Points per engagement kind (SPEC §4). Outreach kinds have no weight."""

    email_open: Points = 3
    web_visit: Points = 4
    content_download: Points = 5
    event_registration: Points = 5
    email_click: Points = 10
    form_submission: Points = 15
    email_reply: Points = 15
    event_attendance: Points = 15
    call_connected: Points = 20
    meeting_held: Points = 25

    def as_dict(self) -> dict[str, float]:
        return {name: float(value) for name, value in self.model_dump().items()}


class Sunset(Strict):
    after_emails: Annotated[int, Field(ge=1, le=1000)] = 6


class PeriodSegment(Strict):
    name: str
    from_days: Annotated[int, Field(ge=0)]
    to_days: Annotated[int, Field(ge=1)] | None = None


class HighScoreDormant(Strict):
    historical_score_min: Points = 60.0
    hubspot_score_min: Points = 50.0
    hubspot_score_property: str = "hubspotscore"


EngagementKind = Literal[
    "email_open",
    "email_click",
    "email_reply",
    "form_submission",
    "web_visit",
    "content_download",
    "event_registration",
    "event_attendance",
    "meeting_held",
    "call_connected",
]


def _default_two_way() -> list[EngagementKind]:
    return ["meeting_held", "call_connected", "email_reply", "event_attendance"]


class ThinTouch(Strict):
    max_engagements: Annotated[int, Field(ge=0)] = 3
    two_way_kinds: list[EngagementKind] = Field(default_factory=_default_two_way)


class Rfm(Strict):
    quantiles: Annotated[int, Field(ge=2, le=10)] = 5


TypeSegmentName = Literal["high_score_dormant", "lost_deal", "thin_touch"]


def _default_type_order() -> list[TypeSegmentName]:
    return ["high_score_dormant", "lost_deal", "thin_touch"]


class Segments(Strict):
    period: list[PeriodSegment]
    customer: str = "dormant_customer"
    type_order: list[TypeSegmentName] = Field(default_factory=_default_type_order)
    high_score_dormant: HighScoreDormant = HighScoreDormant()
    thin_touch: ThinTouch = ThinTouch()
    rfm: Rfm = Rfm()

    @model_validator(mode="after")
    def _contiguous(self) -> Segments:
        if not self.period:
            raise ValueError("at least one period segment is needed")
        for before, after in zip(self.period, self.period[1:], strict=False):
            if before.to_days is None or before.to_days != after.from_days:
                raise ValueError(
                    f"period segments must be contiguous: {before.name!r} ends at "
                    f"{before.to_days} but {after.name!r} starts at {after.from_days}"
                )
        for seg in self.period:
            if seg.to_days is not None and seg.to_days <= seg.from_days:
                raise ValueError(f"period segment {seg.name!r}: to_days must exceed from_days")
        if self.period[-1].to_days is not None:
            raise ValueError("the last period segment must have no to_days (no upper bound)")
        return self

    def names(self) -> list[str]:
        return [p.name for p in self.period] + list(self.type_order) + [self.customer]


class TaskRule(Strict):
    due_business_days: Annotated[int, Field(ge=0, le=365)]
    priority: Priority = "NORMAL"
    include_loss_reason: bool = False


class Play(Strict):
    approach: str
    task: TaskRule | None = None


class Reactivation(Strict):
    task: TaskRule = TaskRule(due_business_days=0, priority="HIGH")


class Lists(Strict):
    prefix: Annotated[str, Field(min_length=1)] = "Reengage: "
    reactivated: str = "reactivated"
    sunset: str = "sunset"


class Tasks(Strict):
    max_per_owner_per_day: Annotated[int, Field(ge=0)] = 0


class Apply(Strict):
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 5  # failures before an operation is parked


class Owners(Strict):
    hubspot_fallback_user: str = ""
    salesforce_fallback_user: str = ""
    hubspot_team: list[str] = Field(default_factory=list)
    salesforce_team: list[str] = Field(default_factory=list)


class Holdout(Strict):
    share: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0
    salt: Annotated[str, Field(min_length=1)] = "reengage-holdout-v1"


FieldValue = str | int | float | bool


class Handoff(Strict):
    hubspot: dict[str, FieldValue] = Field(default_factory=dict)
    salesforce: dict[str, dict[str, FieldValue]] = Field(default_factory=dict)


class Rules(Strict):
    """Everything the engine, planner and applier decide with (SPEC §4)."""

    dormancy: Dormancy = Dormancy()
    scoring: Scoring = Scoring()
    weights: Weights = Weights()
    sunset: Sunset = Sunset()
    segments: Segments
    playbook: dict[str, Play]
    reactivation: Reactivation = Reactivation()
    lists: Lists = Lists()
    tasks: Tasks = Tasks()
    apply: Apply = Apply()
    owners: Owners = Owners()
    holdout: Holdout = Holdout()
    handoff: Handoff = Handoff()
    fields: Fields = Fields()
    sources: Sources = Sources()

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        first = self.segments.period[0].from_days
        if first != self.dormancy.lead_days:
            raise ValueError(
                f"segments.period starts at {first} days but dormancy.lead_days is "
                f"{self.dormancy.lead_days}: a dormant lead would have no period segment"
            )
        missing = [name for name in self.segments.names() if name not in self.playbook]
        if missing:
            raise ValueError(f"playbook has no entry for segment(s): {', '.join(missing)}")
        unknown = [name for name in self.playbook if name not in self.segments.names()]
        if unknown:
            raise ValueError(f"playbook names unknown segment(s): {', '.join(unknown)}")
        return self

    def list_names(self) -> list[str]:
        """Every list / campaign name reengage owns, in a stable order."""
        names = [*self.segments.names(), self.lists.reactivated, self.lists.sunset]
        return [self.lists.prefix + name for name in names]


class RuleProblem(BaseModel):
    """One thing wrong with a rules file: where (dotted key path) and why."""

    path: str
    message: str


class RulesError(Exception):
    """The rules file cannot be used; ``problems`` says every reason at once."""

    def __init__(self, source: Path, problems: list[RuleProblem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p.path}: {p.message}" for p in problems)
        super().__init__(f"rules file {source} is invalid:\n{lines}")


def _problems(exc: ValidationError) -> list[RuleProblem]:
    out: list[RuleProblem] = []
    for err in exc.errors():
        path = ".".join(str(part) for part in err["loc"]) or "(top level)"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        elif err["type"] != "value_error" and "input" in err and not isinstance(err["input"], dict):
            message = f"{message} (got {err['input']!r})"
        out.append(RuleProblem(path=path, message=message.removeprefix("Value error, ")))
    return out


def _overlay(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``, table by table; lists and values replace whole."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _overlay(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_rules(path: Path | None = None) -> Rules:
    """Reads and validates a rules file (the shipped defaults when ``path`` is None).

    A rules file need only hold what it changes: it is laid over the shipped
    defaults table by table (a list, such as ``segments.period``, replaces the
    default list whole). Unknown keys are still refused.

    Raises:
        RulesError: the file is missing, not TOML, or breaks a rule; every problem is listed.
    """
    source = path or DEFAULT_RULES_FILE
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
        if source.resolve() != DEFAULT_RULES_FILE.resolve():
            defaults = tomllib.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
            raw = _overlay(defaults, raw)
    except FileNotFoundError:
        raise RulesError(source, [RuleProblem(path="(file)", message="file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(source, [RuleProblem(path="(syntax)", message=str(exc))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(source, [RuleProblem(path="(file)", message=str(exc))]) from None
    try:
        return Rules.model_validate(raw)
    except ValidationError as exc:
        raise RulesError(source, _problems(exc)) from None
