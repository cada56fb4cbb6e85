"""The one guard every paginated read goes through: a page token seen before is a loop.

HubSpot's ``after``, Salesforce's ``nextRecordsUrl`` and Bulk 2.0 locators are opaque;
a platform (or a proxy) that hands one out twice would have reengage read the same
pages for ever. :class:`PageTokens` remembers the tokens of one listing and raises
:class:`~connectors.errors.PaginationLoop` on a repeat.
"""

from __future__ import annotations

from connectors.errors import PaginationLoop


class PageTokens:
    """The page tokens one listing (``what``, on ``platform``) has handed out so far."""

    def __init__(self, platform: str, what: str, *, start: str | None = None) -> None:
        self.platform = platform
        self.what = what
        self._seen: set[str] = set() if start is None else {start}

    def next(self, token: str | None) -> str | None:
        """``token`` (None: the listing ended), after checking it was not handed out before.

        Raises:
            PaginationLoop: ``token`` was seen before in this listing.
        """
        if token is None:
            return None
        if token in self._seen:
            raise PaginationLoop(
                f"{self.platform} handed out the page token {token!r} of {self.what} twice: "
                "stopping that read rather than looping",
                platform=self.platform.lower(),
            )
        self._seen.add(token)
        return token
