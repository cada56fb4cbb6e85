"""Platform ids derived from world indices, so both renders agree without a lookup table.

A Salesforce id is the object's key prefix, two fixed characters and a base-36
sequence number (digits and lower-case letters), plus the 3-character
case-safe suffix Salesforce appends to make the 18-character form. Because
only the key prefix can hold upper-case letters, the suffix depends on the
prefix alone and is computed once. HubSpot ids are decimal numbers, each
object type in its own range.
"""

from __future__ import annotations

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
_BASE36 = np.array([ord(c) for c in "0123456789abcdefghijklmnopqrstuvwxyz"], dtype=np.uint32)
_SEQ_DIGITS = 10
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


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
    prefix = SF_PREFIX[sobject] + "5i"
    suffix = _case_suffix(prefix + "0" * _SEQ_DIGITS)
    values = np.asarray(seq, dtype=np.int64).copy()
    digits = np.empty((values.size, _SEQ_DIGITS), dtype=np.uint32)
    for pos in range(_SEQ_DIGITS - 1, -1, -1):
        digits[:, pos] = _BASE36[values % 36]
        values //= 36
    body = digits.view(f"<U{_SEQ_DIGITS}").ravel()
    return [prefix + b + suffix for b in body.tolist()]


def sf_id(sobject: str, seq: int) -> str:
    return sf_ids(sobject, np.array([seq], dtype=np.int64))[0]


def hs_ids(object_type: str, seq: npt.NDArray[np.int64]) -> list[str]:
    """Decimal HubSpot ids of ``object_type`` for the given sequence numbers."""
    values = np.asarray(seq, dtype=np.int64) + HS_BASE[object_type]
    result: list[str] = values.astype(str).tolist()
    return result


def hs_int_ids(object_type: str, seq: npt.NDArray[np.int64]) -> list[int]:
    values = np.asarray(seq, dtype=np.int64) + HS_BASE[object_type]
    result: list[int] = values.tolist()
    return result
