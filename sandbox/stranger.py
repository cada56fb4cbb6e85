"""Stranger mode: a seeded world shaped differently from the one reengage's tests were written on.

``SandboxOptions(stranger=SEED)`` varies everything reengage must not depend on, each
draw a pure function of SEED (``None`` is today's world exactly):

* ids: where each HubSpot object type's id range starts (9 to 12 digits) and the step
  between ids; owner and user ids; the Salesforce pod characters and a mixed-case
  base-62 sequence with its own start and step per object, so 18-character ids carry a
  case-safe suffix that differs id by id; where the emulators' freshly minted ids start
  (Salesforce's integration user among them) and the org id;
* answers (through :class:`~sandbox.stranger_shape.StrangerShape`): key order
  of HubSpot ``properties`` and Salesforce query records, order of equal-sort-key rows and
  of lists with no documented order (describe's objects and fields among them), page
  sizes within the documented limits;
* the mirrored task's subject form (:attr:`Stranger.mirror_form`).

The dataset itself (who exists, what they did) is the generator's, from its own seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.dataset.ids import BASE62, HS_BASE, SF_PREFIX, IdScheme, id_scheme
from sandbox.dataset.render_salesforce_activity import MIRROR_FORMS as SUBJECT_FORMS
from sandbox.seed import SandboxDataset
from sandbox.stranger_shape import StrangerShape

MIRROR_FORMS: tuple[str, ...] = (*SUBJECT_FORMS, "mixed")
"""The mirrored task's subject forms a stranger world may pick from (one form, or all mixed)."""

_SEQ_DIGITS = 10
_POD_FIRST = "0123456789abcdefghijklmnopqrstuvwxyz"  # never upper case: minted pods are


@dataclass(frozen=True)
class Stranger:
    """Every draw of one stranger seed."""

    seed: int
    ids: IdScheme
    user_id_base: int
    mirror_form: str | None
    shape: StrangerShape = field(compare=False)

    @classmethod
    def of(cls, seed: int) -> Stranger:
        rng = random.Random(f"stranger-world:{seed}")
        hs_base = {name: rng.randint(10**8, 10**12 - 10**10) for name in HS_BASE}
        hs_stride = {name: rng.choice((1, 1, 2, 3, 7, 16)) for name in HS_BASE}
        sf_stride = {name: rng.choice((1, 1, 3, 11, 62)) for name in SF_PREFIX}
        sf_offset = {name: rng.randint(0, 62**_SEQ_DIGITS // 2) for name in SF_PREFIX}
        scheme = IdScheme(
            hs_base=hs_base,
            hs_stride=hs_stride,
            sf_pod=rng.choice(_POD_FIRST) + rng.choice(BASE62),
            sf_alphabet=BASE62,
            sf_offset=sf_offset,
            sf_stride=sf_stride,
        )
        form = rng.choice(MIRROR_FORMS) if MIRROR_FORMS else None
        return cls(seed, scheme, rng.randint(10**6, 10**9), form, StrangerShape(seed))

    def render(self, make: Callable[[], SandboxDataset]) -> SandboxDataset:
        """The dataset ``make`` generates, with this world's ids and owners."""
        with id_scheme(self.ids):
            return self.reshape_dataset(make())

    def reshape_dataset(self, dataset: SandboxDataset) -> SandboxDataset:
        """What the renders cannot vary themselves: HubSpot owners' user ids, and owners
        in no particular order."""
        owners = dataset.hubspot.owners
        rng = random.Random(f"stranger-users:{self.seed}")
        user_ids = rng.sample(range(self.user_id_base, self.user_id_base + 50 * len(owners) + 1),
                              len(owners))  # fmt: skip
        for owner, user_id in zip(owners, user_ids, strict=True):
            owner.user_id = user_id
        rng.shuffle(owners)
        return dataset
