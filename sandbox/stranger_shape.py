"""How an emulator shapes what the platforms leave open: page sizes, key order, row order, ids.

The emulators ask a :class:`Shape` wherever a real platform is free to answer one way
or another within its documentation: how many rows a page holds (HubSpot may return
fewer than ``limit`` while ``paging.next`` exists; Salesforce treats ``batchSize`` as a
hint, and "the returned batch can include fewer records than the limit or what's set in
the request", at most 2000; Bulk 2.0 returns at most ``maxRecords`` per result set), in which
order the keys of a JSON object come, in which order rows with equal sort keys (or
lists with no documented order) come, and where freshly minted ids start.

:data:`PLAIN` answers as the emulators always did (today's world). A
:class:`StrangerShape` answers from its seed, and every answer is a pure function of
the seed and the call's key (a cursor, a record id), so that a retried request gets
the same page and a test run is reproducible whatever the order of requests.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Hashable
from typing import TypeVar

T = TypeVar("T")
V = TypeVar("V")

SF_BATCH_MIN = 100  # "the returned batch can include fewer records than ... set in the request"
SF_BATCH_MAX = 2000
_ID62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ORDER_VARIANTS = 5


class Shape:
    """Today's answers: nothing varied."""

    active = False

    def page(self, asked: int, key: str) -> int:
        """Rows in a HubSpot page asked for ``asked`` (at most ``asked``, at least 1)."""
        return asked

    def batch(self, asked: int, key: str) -> int:
        """Rows in a Salesforce query page for a ``batchSize`` of ``asked``."""
        return asked

    def chunk(self, asked: int, key: str) -> int:
        """Rows in a Bulk 2.0 result set for a ``maxRecords`` of ``asked``."""
        return asked

    def bulk_default(self, default: int) -> int:
        """``maxRecords`` when the client names none (Salesforce then picks the set size)."""
        return default

    def reorder(self, mapping: dict[str, V], key: str) -> dict[str, V]:
        """``mapping`` with its keys in the order the answer sends them."""
        return mapping

    def shuffled(self, items: list[T], key: str) -> list[T]:
        """``items`` in the order an answer with no documented order sends them."""
        return items

    def minted(self, key_prefix: str) -> tuple[str, int]:
        """The pod characters and first counter of ids a Salesforce org mints for a prefix."""
        return "EM", 1

    def hubspot_first_ids(self, top: int) -> tuple[int, int]:
        """The first record id after the seed's largest (``top``) and the first list id."""
        return top + 1, 1


PLAIN = Shape()


class StrangerShape(Shape):
    """Answers drawn from a seed, deterministically per (seed, purpose, key)."""

    active = True

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._orders: dict[tuple[Hashable, ...], list[int]] = {}

    def _rng(self, *key: object) -> random.Random:
        return random.Random(f"stranger:{self.seed}:" + ":".join(map(str, key)))

    def page(self, asked: int, key: str) -> int:
        rng = self._rng("page", asked, key)
        if asked <= 1 or rng.random() < 0.3:
            return asked
        return rng.randint(max(1, asked // 4), asked - 1)

    def batch(self, asked: int, key: str) -> int:
        return self._rng("batch", asked, key).randint(SF_BATCH_MIN, SF_BATCH_MAX)

    def chunk(self, asked: int, key: str) -> int:
        rng = self._rng("chunk", asked, key)
        return asked if asked <= 1 else rng.randint(max(1, asked // 3), asked)

    def bulk_default(self, default: int) -> int:
        return self._rng("bulk-default", default).randint(min(500, default), min(5000, default))

    def reorder(self, mapping: dict[str, V], key: str) -> dict[str, V]:
        names = tuple(mapping)
        if len(names) < 2:
            return mapping
        variant = zlib.crc32(f"{self.seed}:{key}".encode()) % _ORDER_VARIANTS
        order = self._orders.get((names, variant))
        if order is None:
            order = list(range(len(names)))
            self._rng("order", variant, *names).shuffle(order)
            self._orders[(names, variant)] = order
        return {names[i]: mapping[names[i]] for i in order}

    def shuffled(self, items: list[T], key: str) -> list[T]:
        out = list(items)
        self._rng("shuffle", key, len(items)).shuffle(out)
        return out

    def minted(self, key_prefix: str) -> tuple[str, int]:
        rng = self._rng("minted", key_prefix)
        pod = rng.choice(_ID62[10:36]) + rng.choice(_ID62)  # upper case first: not the seed's
        return pod, rng.randint(1, 62**6)

    def hubspot_first_ids(self, top: int) -> tuple[int, int]:
        rng = self._rng("hubspot-first-ids")
        return top + rng.randint(1, 10**9), rng.randint(2, 10**6)
