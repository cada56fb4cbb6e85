"""The id forms an operator may type to name a record, and the stored ids they can mean.

People copy ids from wherever they see them: reengage's own output prints
``record_type:id`` (``hubspot_contact:100002``, ``salesforce_lead:00Q...``);
a Salesforce page, report or formula shows the 15-character case-sensitive id;
the API and exports give the 18-character case-safe id, which spreadsheets and
case-insensitive tools often lower- or upper-case. Each of these must lead to
the same stored record, so :func:`parse_record_query` turns one typed string
into the record types it may be and every stored form its id may take.

Salesforce's 18-character id is the 15-character id plus a 3-character suffix:
for each block of 5 characters, a 5-bit number whose bit *i* says that
character *i* is an upper-case letter, written in ``A..Z0..5``. The suffix
therefore restores the case of the first 15 characters: an 18-character id is
case-insensitive, a 15-character one is not (``00Qa`` and ``00QA`` are two
records).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from connectors.base import Platform, RecordRef, RecordType

_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
_ID_CHARS = frozenset(string.ascii_letters + string.digits)


def salesforce_suffix(id15: str) -> str:
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


def salesforce_id18(value: str) -> str | None:
    """The canonical 18-character form of a Salesforce id, or None when ``value`` is not one.

    A 15-character id is taken as typed (its case is its identity); an 18-character
    id in any case has the case of its first 15 characters restored from its suffix,
    and is refused when the suffix does not fit them (a digit marked upper case).
    """
    if len(value) not in (15, 18) or not set(value) <= _ID_CHARS:
        return None
    if len(value) == 15:
        return value + salesforce_suffix(value)
    suffix = value[15:].upper()
    if not set(suffix) <= set(_SUFFIX_ALPHABET):
        return None
    bits = [_SUFFIX_ALPHABET.index(c) for c in suffix]
    restored = "".join(
        c.upper() if bits[i // 5] >> (i % 5) & 1 else c.lower() for i, c in enumerate(value[:15])
    )
    canonical = restored + suffix
    return canonical if salesforce_suffix(restored) == suffix else None


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """What one typed string may name: an email, and/or stored record ids of some types.

    ``types`` is empty when the string named no type (any type may hold the id).
    """

    email: str | None
    record_ids: frozenset[str]
    types: frozenset[str]


_PLATFORM_TYPES = {
    p.value: frozenset(t.value for t in RecordType if RecordRef(t, "").platform is p)
    for p in Platform
}


def _split_type(text: str) -> tuple[frozenset[str], str]:
    """``record_type:id``, ``record_type id`` or ``platform:id`` → (types, id); else no types."""
    for sep in (":", " "):
        head, found, tail = text.partition(sep)
        key = head.strip().lower()
        if found and tail.strip():
            if key in {t.value for t in RecordType}:
                return frozenset({key}), tail.strip()
            if key in _PLATFORM_TYPES:
                return _PLATFORM_TYPES[key], tail.strip()
    return frozenset(), text


def parse_record_query(query: str) -> RecordQuery:
    """Every stored form ``query`` may take: the email it is, or the record ids it names."""
    text = query.strip()
    types, ident = _split_type(text)
    if types == {RecordType.EMAIL_ADDRESS.value} or (not types and "@" in ident):
        return RecordQuery(ident, frozenset(), frozenset())
    ids = {ident}
    salesforce = {RecordType.SALESFORCE_LEAD.value, RecordType.SALESFORCE_CONTACT.value}
    if not types or types & salesforce:
        id18 = salesforce_id18(ident)
        if id18 is not None:
            ids |= {id18, id18[:15]}
    return RecordQuery(None, frozenset(ids), types)
