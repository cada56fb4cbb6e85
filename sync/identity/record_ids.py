"""The id forms an operator may type to name a record, and the stored ids they can mean.

People copy ids from wherever they see them: reengage's own output prints
``record_type:id`` (``hubspot_contact:100002``, ``salesforce_lead:00Q...``);
a Salesforce page, report or formula shows the 15-character case-sensitive id;
the API and exports give the 18-character case-safe id, which spreadsheets and
case-insensitive tools often lower- or upper-case. Each of these must lead to
the same stored record, so :func:`parse_record_query` turns one typed string
into the record types it may be and every stored form its id may take.

Which stored forms a typed id may take is each connector's knowledge
(``ConnectorInfo.id_forms``): Salesforce, for one, stores 18-character ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.base import Platform, RecordType, installed_connectors


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """What one typed string may name: an email, and/or stored record ids of some types.

    ``types`` is empty when the string named no type (any type may hold the id).
    """

    email: str | None
    record_ids: frozenset[str]
    types: frozenset[str]


_PLATFORM_TYPES = {
    p.value: frozenset(t.value for t in RecordType.members() if t.platform is p)
    for p in Platform.members()
}


def _split_type(text: str) -> tuple[frozenset[str], str]:
    """``record_type:id``, ``record_type id`` or ``platform:id`` → (types, id); else no types."""
    for sep in (":", " "):
        head, found, tail = text.partition(sep)
        key = head.strip().lower()
        if found and tail.strip():
            if key in {t.value for t in RecordType.members()}:
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
    for found in installed_connectors():
        info = found.info
        if info is None or info.id_forms is None:
            continue
        if not types or types & _PLATFORM_TYPES.get(info.platform, frozenset()):
            ids |= info.id_forms(ident)
    return RecordQuery(None, frozenset(ids), types)
