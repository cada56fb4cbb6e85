"""Record URLs for alerts: where a reader clicks to open the person in HubSpot or Salesforce.

A HubSpot record URL needs the portal (hub) id, which no API call of a sync
needs, so it is optional: without it an alert names the record by its id
instead of linking to it. Salesforce Lightning URLs are built on the org's
instance URL (``https://<domain>.my.salesforce.com`` redirects to Lightning).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from config.settings import Settings
from connectors.base import RecordRef, RecordType

_SALESFORCE_OBJECT = {
    RecordType.SALESFORCE_LEAD: "Lead",
    RecordType.SALESFORCE_CONTACT: "Contact",
}
_LABEL = {
    RecordType.HUBSPOT_CONTACT: "HubSpot contact",
    RecordType.SALESFORCE_LEAD: "Salesforce lead",
    RecordType.SALESFORCE_CONTACT: "Salesforce contact",
    RecordType.EMAIL_ADDRESS: "email address",
}


@dataclass(frozen=True, slots=True)
class RecordLinks:
    """Base URLs of the two platforms' user interfaces (not their APIs).

    Attributes:
        hubspot_portal_id: the portal (hub) id; None: HubSpot records are named, not linked.
        hubspot_app_url: ``https://app.hubspot.com``, or a data-centre host such as
            ``https://app-eu1.hubspot.com``.
        salesforce_instance_url: the org's instance URL; None: Salesforce records are named.
    """

    hubspot_portal_id: str | None = None
    hubspot_app_url: str = "https://app.hubspot.com"
    salesforce_instance_url: str | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, *, hubspot_portal_id: str | None = None
    ) -> RecordLinks:
        """Links for the configured org; the portal id is not a setting (the lead may read it
        from HubSpot's account-info endpoint once and pass it here)."""
        return cls(
            hubspot_portal_id=hubspot_portal_id,
            salesforce_instance_url=settings.salesforce.instance_url,
        )

    def url(self, ref: RecordRef) -> str | None:
        """The record's page, or None when the base URL it needs is not known."""
        rid = quote(ref.record_id, safe="")
        if ref.record_type is RecordType.HUBSPOT_CONTACT and self.hubspot_portal_id:
            portal = quote(self.hubspot_portal_id, safe="")
            return f"{self.hubspot_app_url.rstrip('/')}/contacts/{portal}/record/0-1/{rid}"
        sf_object = _SALESFORCE_OBJECT.get(ref.record_type)
        if sf_object and self.salesforce_instance_url:
            base = self.salesforce_instance_url.rstrip("/")
            return f"{base}/lightning/r/{sf_object}/{rid}/view"
        return None

    @staticmethod
    def label(ref: RecordRef) -> str:
        """``HubSpot contact 123``: what a link says, and the text shown when there is no URL."""
        kind = _LABEL.get(ref.record_type)
        if kind is None:  # a plug-in platform's record: its platform and object, as typed
            platform, _, obj = ref.record_type.value.partition("_")
            kind = f"{platform} {obj}"
        return f"{kind} {ref.record_id}"
