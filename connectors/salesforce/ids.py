"""Salesforce record ids and the forms people copy them in.

Salesforce's 18-character id is the 15-character id plus a 3-character suffix:
for each block of 5 characters, a 5-bit number whose bit *i* says that
character *i* is an upper-case letter, written in ``A..Z0..5``. The suffix
therefore restores the case of the first 15 characters: an 18-character id is
case-insensitive, a 15-character one is not (``00Qa`` and ``00QA`` are two
records).
"""

from __future__ import annotations

import string

_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
_ID_CHARS = frozenset(string.ascii_letters + string.digits)


def case_suffix(id15: str) -> str:
    """The 3 characters that make a 15-character Salesforce id case-safe (18 characters)."""
    if len(id15) != 15:
        raise ValueError(f"a Salesforce case-safe suffix needs 15 characters, not {len(id15)}")
    suffix = []
    for block in range(3):
        bits = 0
        for position, char in enumerate(id15[block * 5 : block * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix.append(_SUFFIX_ALPHABET[bits])
    return "".join(suffix)


def id18(value: str) -> str | None:
    """The canonical 18-character form of a Salesforce id, or None when ``value`` is not one.

    A 15-character id is taken as typed (its case is its identity); an 18-character
    id in any case has the case of its first 15 characters restored from its suffix,
    and is refused when the suffix does not fit them (a digit marked upper case).
    """
    if len(value) not in (15, 18) or not set(value) <= _ID_CHARS:
        return None
    if len(value) == 15:
        return value + case_suffix(value)
    suffix = value[15:].upper()
    if not set(suffix) <= set(_SUFFIX_ALPHABET):
        return None
    bits = [_SUFFIX_ALPHABET.index(c) for c in suffix]
    restored = "".join(
        c.upper() if bits[i // 5] >> (i % 5) & 1 else c.lower() for i, c in enumerate(value[:15])
    )
    canonical = restored + suffix
    return canonical if case_suffix(restored) == suffix else None


def id_forms(typed: str) -> frozenset[str]:
    """The stored forms a typed Salesforce id may take (its 18- and 15-character forms),
    or nothing when ``typed`` is not a Salesforce id."""
    canonical = id18(typed)
    return frozenset() if canonical is None else frozenset({canonical, canonical[:15]})
