"""The registry's charging-standard profiles and compliance results, as the portal shows them.

The profiles are the registry's data (src/kubat/registry/standards/<CC>.json) and its checker
(kubat.registry.compliance) decides compliance; this module only names things in the reader's
language. The profile texts (title, status, rationale) are the registry's English data.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kubat.portal import labels
from kubat.registry import compliance, snapshots
from kubat.registry.models import Location

RULES: dict[str, Promise] = {
    "connector-allowed": _("Only connector standards the profile allows"),
    "dc-standard": _("DC charging offers a required standard"),
    "ac-standard": _("AC charging offers a required standard"),
    "operator-contact": _("The operator publishes an e-mail or a phone number"),
    "opening-times": _("Opening times are published"),
    "evse-id-emi3": _("Every charging point has an eMI3 EVSE ID"),
    "status-fresh": _("Live status is fresh"),
    "tariff-known": _("Every tariff a connector names is published"),
    "dc-ad-hoc-tariff": _("Fast charging can be paid without a contract"),
}


def _connectors(codes: frozenset[str]) -> list[str]:
    return sorted(labels.label(labels.CONNECTORS, c) for c in codes)


def profiles() -> list[dict[str, Any]]:
    """Each country's profile with translated connector names, KG before KZ."""
    found = []
    for code in compliance.available_profiles():
        profile = compliance.load_profile(code)
        if profile is None:
            continue
        found.append(
            {
                "code": code,
                "name": labels.COUNTRIES.get(code, code),
                "profile": profile,
                "allowed": _connectors(profile.allowed),
                "dc_any": _connectors(profile.dc_must_offer_any),
                "ac_any": _connectors(profile.ac_must_offer_any),
                "max_age_minutes": int(profile.max_status_age.total_seconds() // 60),
                "live_sources": sorted(profile.live_sources),
            }
        )
    return found


def compliance_of(location: Location) -> dict[str, Any]:
    """The registry's verdict for a location loaded by registry selectors, with rule names."""
    result = compliance.check_location(location, now=timezone.now())
    return {
        "has_profile": result.profile_version is not None,
        "compliant": result.compliant,
        "version": result.profile_version,
        "violations": [
            {
                "rule": v.rule,
                "label": labels.label(RULES, v.rule),
                "message": v.message,
                "evse_uid": v.evse_uid,
            }
            for v in result.violations
        ],
    }


def open_data_downloads() -> list[dict[str, str]]:
    """The registry's open-data files (served by the registry app under /open-data/)."""
    return [
        {
            "format": "GeoJSON",
            "url": reverse("open-data-geojson"),
            "media": "application/geo+json",
        },
        {"format": "CSV", "url": reverse("open-data-csv"), "media": "text/csv"},
        {
            "format": "Data Package",
            "url": reverse("open-data-package"),
            "media": "application/json",
        },
    ]


def open_data_snapshots() -> list[dict[str, object]]:
    """The dated snapshots kept (registry.snapshots), newest first, with each file's address."""
    return [
        {
            "date": s.day,
            "files": [
                (name, reverse("open-data-snapshot-file", args=[s.day.isoformat(), name]))
                for name in snapshots.FILES
            ],
        }
        for s in snapshots.listing()
    ]
