"""Salesforce record ids: a 3-character key prefix, 12 characters, and a 3-character case checksum.

Salesforce answers with 18-character ids but accepts the 15-character form anywhere an
id goes; the last three characters encode which of the first fifteen are upper case,
so that case-insensitive tools can still tell two ids apart. The emulator mints ids in
its own "pod" segment so that they never collide with ids a seed brought along.
"""

from __future__ import annotations

import itertools
import string

from connectors.salesforce.ids import case_suffix as checksum

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_ID_CHARS = frozenset(_BASE62)


def to18(value: str) -> str | None:
    """The 18-character form of a well-formed 15- or 18-character id, else None."""
    if len(value) not in (15, 18) or not set(value) <= _ID_CHARS:
        return None
    id15 = value[:15]
    return id15 + checksum(id15)


class IdMinter:
    """Mints fresh 18-character ids for one key prefix (``00Q`` for Lead...)."""

    def __init__(self, key_prefix: str, pod: str = "EM", start: int = 1) -> None:
        self._prefix = key_prefix + pod
        self._counter = itertools.count(start)

    def next(self) -> str:
        """The next id: prefix, pod, then a base-62 counter padded to 15 characters."""
        number = next(self._counter)
        digits = []
        for _ in range(15 - len(self._prefix)):
            number, rest = divmod(number, 62)
            digits.append(_BASE62[rest])
        id15 = self._prefix + "".join(reversed(digits))
        return id15 + checksum(id15)
