"""Platform ids derived from world indices, so both renders agree without a lookup table.

A Salesforce id is the object's key prefix, two fixed characters and a base-36
sequence number (digits and lower-case letters), plus the 3-character
case-safe suffix Salesforce appends to make the 18-character form. Because
only the key prefix can hold upper-case letters, the suffix depends on the
prefix alone and is computed once. HubSpot ids are decimal numbers, each
object type in its own range.

Those are today's ids. A stranger world (:mod:`sandbox.stranger`)
renders under another :class:`IdScheme` (``with id_scheme(...)``): other
HubSpot ranges and strides, another Salesforce pod with mixed-case base-62
sequence characters (so the case-safe suffix differs id by id). The inverse
functions (:func:`hs_seq`, :func:`sf_seq`) let the world moving forward map
ids back to persons under either scheme.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

SF_PREFIX = {
    "Lead": "00Q",
    "Contact": "003",
    "Account": "001",
    "Opportunity": "006",
    "OpportunityContactRole": "00K",
    "Task": "00T",
    "Event": "00U",
    "Campaign": "701",
    "CampaignMember": "00v",
    "User": "005",
}
HS_BASE = {
    "contacts": 100_001,
    "deals": 7_000_000_001,
    "emails": 20_000_000_001,
    "calls": 30_000_000_001,
    "meetings": 40_000_000_001,
    "notes": 50_000_000_001,
    "tasks": 60_000_000_001,
    "owners": 31_000_001,
    "email_events": 900_000_000_001,
    "timeline_events": 800_000_000_001,
    "email_campaigns": 300_000_001,
}
_SEQ_DIGITS = 10
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class IdScheme:
    """How world indices become platform ids.

    Attributes:
        hs_base: HubSpot object type (and ``owners``, ``users``, event logs) -> first id.
        hs_stride: HubSpot type -> distance between consecutive ids (1 when absent).
        sf_pod: the two characters after the Salesforce key prefix.
        sf_alphabet: the sequence's digits (base 36 lower-case today; base 62 mixed-case).
        sf_offset: sObject -> the sequence number of index 0 (0 when absent).
        sf_stride: sObject -> distance between consecutive sequence numbers (1 when absent).
    """

    hs_base: Mapping[str, int] = field(default_factory=lambda: dict(HS_BASE))
    hs_stride: Mapping[str, int] = field(default_factory=dict)
    sf_pod: str = "5i"
    sf_alphabet: str = BASE36
    sf_offset: Mapping[str, int] = field(default_factory=dict)
    sf_stride: Mapping[str, int] = field(default_factory=dict)


TODAY = IdScheme()
_SCHEME: ContextVar[IdScheme] = ContextVar("id_scheme", default=TODAY)


@contextmanager
def id_scheme(scheme: IdScheme | None) -> Iterator[None]:
    """Renders (and maps ids back) under ``scheme`` inside the block (today's when None)."""
    token = _SCHEME.set(scheme or TODAY)
    try:
        yield
    finally:
        _SCHEME.reset(token)


def current_scheme() -> IdScheme:
    return _SCHEME.get()


def _case_suffix(id15: str) -> str:
    """Salesforce's 15-to-18 suffix: one character per 5-character chunk, a bit per capital."""
    out = []
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(_SUFFIX_ALPHABET[bits])
    return "".join(out)


def sf_ids(sobject: str, seq: npt.NDArray[np.int64]) -> list[str]:
    """18-character ids of ``sobject`` for the given sequence numbers (vectorised)."""
    scheme = _SCHEME.get()
    prefix = SF_PREFIX[sobject] + scheme.sf_pod
    base = len(scheme.sf_alphabet)
    alphabet = np.array([ord(c) for c in scheme.sf_alphabet], dtype=np.uint32)
    values = np.asarray(seq, dtype=np.int64) * scheme.sf_stride.get(sobject, 1)
    values = values + scheme.sf_offset.get(sobject, 0)
    digits = np.empty((values.size, _SEQ_DIGITS), dtype=np.uint32)
    for pos in range(_SEQ_DIGITS - 1, -1, -1):
        digits[:, pos] = alphabet[values % base]
        values //= base
    body = digits.view(f"<U{_SEQ_DIGITS}").ravel().tolist()
    if scheme.sf_alphabet == BASE36 and not any(c.isupper() for c in scheme.sf_pod):
        suffix = _case_suffix(prefix + "0" * _SEQ_DIGITS)
        return [prefix + b + suffix for b in body]
    return [prefix + b + _case_suffix(prefix + b) for b in body]


def sf_id(sobject: str, seq: int) -> str:
    return sf_ids(sobject, np.array([seq], dtype=np.int64))[0]


def sf_seq(sobject: str, record_id: str | None) -> int | None:
    """The world index behind a rendered Salesforce id of ``sobject``, else None."""
    scheme = _SCHEME.get()
    prefix = SF_PREFIX[sobject] + scheme.sf_pod
    if not record_id or len(record_id) < 15 or not record_id.startswith(prefix):
        return None
    number = 0
    for char in record_id[len(prefix) : 15]:
        digit = scheme.sf_alphabet.find(char)
        if digit < 0:
            return None
        number = number * len(scheme.sf_alphabet) + digit
    offset = number - scheme.sf_offset.get(sobject, 0)
    index, rest = divmod(offset, scheme.sf_stride.get(sobject, 1))
    return index if rest == 0 and index >= 0 else None


def hs_int_ids(object_type: str, seq: npt.NDArray[np.int64]) -> list[int]:
    """Numeric HubSpot ids of ``object_type`` for the given sequence numbers."""
    scheme = _SCHEME.get()
    values = np.asarray(seq, dtype=np.int64) * scheme.hs_stride.get(object_type, 1)
    result: list[int] = (values + scheme.hs_base[object_type]).tolist()
    return result


def hs_ids(object_type: str, seq: npt.NDArray[np.int64]) -> list[str]:
    """Decimal HubSpot ids of ``object_type`` for the given sequence numbers."""
    return [str(v) for v in hs_int_ids(object_type, seq)]


def hs_seq(object_type: str, record_id: str) -> int | None:
    """The world index behind a rendered HubSpot id of ``object_type``, else None."""
    scheme = _SCHEME.get()
    try:
        offset = int(record_id) - scheme.hs_base[object_type]
    except ValueError:
        return None
    index, rest = divmod(offset, scheme.hs_stride.get(object_type, 1))
    return index if rest == 0 and index >= 0 else None
