"""The HubSpot connector on a stranger portal (:mod:`sandbox.stranger`): other ids, pages
shorter than asked while ``paging.next`` leads on, keys in another order. The contract must
not notice."""

from __future__ import annotations

from .hubspot import HubSpotSubject


class StrangerHubSpotSubject(HubSpotSubject):
    name = "hubspot_stranger"

    def __init__(self) -> None:
        super().__init__(stranger=23)


SUBJECT = StrangerHubSpotSubject
