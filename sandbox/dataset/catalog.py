"""The named things of the world: name pools, campaigns, marketing emails, forms, assets.

Faker runs once per pool (a few hundred names), never per row: persons and
companies pick from the pools by index with numpy, which keeps generation fast
and deterministic. Campaign and email schedules are fixed calendars over the
history window, so every person who engages with "the March webinar" engages
with the same campaign record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from faker import Faker

from sandbox.dataset.timecols import DAY, HOUR

EVENT_TYPES = ("Webinar", "Seminar / Conference", "Trade Show")
INDUSTRIES = (
    "Software",
    "Manufacturing",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Logistics",
    "Education",
    "Media",
    "Consulting",
    "Energy",
)
SECTOR_WORDS = (
    "Systems",
    "Logistics",
    "Holdings",
    "Industries",
    "Labs",
    "Partners",
    "Trading",
    "Foods",
    "Robotics",
    "Networks",
    "Analytics",
    "Medical",
    "Solutions",
    "Works",
    "Capital",
)
LOSS_REASONS = ("Price", "Timing", "Competitor", "No decision", "Budget", "Lost contact")
GENERAL_FORMS = ("Contact us", "Request a demo", "Newsletter signup", "Pricing inquiry")
_TOPICS = (
    "Pipeline analytics",
    "Account-based marketing",
    "Sales enablement",
    "Revenue operations",
    "Customer success",
    "Lead scoring",
    "Marketing automation",
    "Data quality",
    "Forecasting",
    "Inside sales playbooks",
    "Partner channels",
    "Renewals",
)
_ASSET_KINDS = ("Whitepaper", "eBook", "資料ダウンロード")


@dataclass(frozen=True, slots=True)
class Catalog:
    """Pools and calendars; every ``*_at`` is int64 epoch seconds."""

    first_names: list[str]
    last_names: list[str]
    company_stems: list[str]
    campaign_names: list[str]
    campaign_types: list[str]
    campaign_at: npt.NDArray[np.int64]  # event date (content: publication)
    event_campaigns: npt.NDArray[np.int64]  # indices of event campaigns, by date
    asset_campaigns: npt.NDArray[np.int64]  # asset index -> its Content campaign
    asset_forms: list[str]  # asset index -> download form name (matches the pattern)
    email_names: list[str]
    email_at: npt.NDArray[np.int64]  # send instants, ascending
    forms: list[str]  # general (non-download) form names


def _pool(fakers: list[Faker], method: str, size: int) -> list[str]:
    seen: dict[str, None] = {}
    for i in range(size * 4):
        seen.setdefault(getattr(fakers[i % len(fakers)], method)(), None)
        if len(seen) >= size:
            break
    return list(seen)


def _names(seed: int) -> tuple[list[str], list[str], list[str]]:
    en, ja = Faker("en_US"), Faker("ja_JP")
    en.seed_instance(seed)
    ja.seed_instance(seed)
    firsts = _pool([en], "first_name", 300) + _pool([ja], "first_romanized_name", 150)
    lasts = _pool([en], "last_name", 300) + _pool([ja], "last_romanized_name", 150)
    stems = _pool([en], "last_name", 200) + _pool([ja], "last_romanized_name", 100)
    return firsts, lasts, stems


def _events(start: int, end: int) -> list[tuple[str, str, int]]:
    """Monthly webinars, bi-monthly seminars, three trade shows a year; 60 days past ``end``."""
    out: list[tuple[str, str, int]] = []
    for month, t in enumerate(range(start + 20 * DAY, end + 60 * DAY, 30 * DAY)):
        day = np.datetime64(t, "s").astype("datetime64[D]")
        topic = _TOPICS[month % len(_TOPICS)]
        out.append((f"Webinar {day}: {topic}", "Webinar", t + 5 * HOUR))
        if month % 2 == 1:
            out.append((f"セミナー {day}: {topic}", "Seminar / Conference", t + 12 * DAY))
        if month % 4 == 2:
            out.append((f"Trade Show {day}: SaaS Expo", "Trade Show", t + 20 * DAY))
    return sorted(out, key=lambda e: e[2])


def _emails(start: int, end: int, per_week: float) -> tuple[list[str], npt.NDArray[np.int64]]:
    step = int(7 * DAY / per_week)
    times = np.arange(start + 2 * DAY + HOUR, end - HOUR, step, dtype=np.int64)
    kinds = ("Newsletter", "Product update", "Case study", "Event invitation")
    names = []
    for i, t in enumerate(times.tolist()):
        day = np.datetime64(t, "s").astype("datetime64[D]")
        names.append(f"{kinds[i % len(kinds)]} {day}: {_TOPICS[i % len(_TOPICS)]}")
    return names, times


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build_catalog(seed: int, start: int, end: int, emails_per_week: float) -> Catalog:
    """The catalogue of a world whose history runs from ``start`` to ``end`` (epoch seconds)."""
    firsts, lasts, stems = _names(seed)
    events = _events(start, end)
    assets = [f"{_ASSET_KINDS[i % 3]}: {topic}" for i, topic in enumerate(_TOPICS)]
    names = [e[0] for e in events] + assets
    types = [e[1] for e in events] + ["Content"] * len(assets)
    at = [e[2] for e in events] + [start - 30 * DAY] * len(assets)
    email_names, email_at = _emails(start, end, emails_per_week)
    n_events = len(events)
    return Catalog(
        first_names=firsts,
        last_names=lasts,
        company_stems=stems,
        campaign_names=names,
        campaign_types=types,
        campaign_at=np.array(at, dtype=np.int64),
        event_campaigns=np.arange(n_events, dtype=np.int64),
        asset_campaigns=np.arange(n_events, n_events + len(assets), dtype=np.int64),
        asset_forms=assets,
        email_names=email_names,
        email_at=email_at,
        forms=list(GENERAL_FORMS),
    )
