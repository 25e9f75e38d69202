"""Checks a location against its country's charging-standard profile (standards/<CC>.json).

A profile is data, one JSON file per country, so a ministry changes the rules without a code
change. Rules, each with the id a violation names:

    connector-allowed      every connector's standard is one the profile allows
    dc-standard            a location with DC charging offers one of `dc_must_offer_any`
    ac-standard            a location with AC charging offers one of `ac_must_offer_any`
    operator-contact       the operator (party) publishes an e-mail or a phone number
    opening-times          opening times are published
    evse-id-emi3           every EVSE has an eMI3 EVSE ID of its own party: KG*KUB*E0001
    status-fresh           live status, for sources fed live (OCPI), is younger than the limit
    tariff-known           every tariff a connector names (tariff_ids) is one its party published
    dc-ad-hoc-tariff       where the profile asks it, every DC connector names an AD_HOC_PAYMENT
                           tariff (a driver without a contract can pay)

Nothing is stored: the result is computed from the rows when asked, so a changed profile
applies at once, and a non-conforming location pushed over OCPI is kept and flagged, not
dropped. REMOVED EVSEs are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from django.utils.translation import gettext

from kubat.protocols.ocpi.v2_2_1.enums import TariffType
from kubat.registry import tariffs as registry_tariffs
from kubat.registry.enums import PowerType, Status
from kubat.registry.models import EVSE, Location


@dataclass(frozen=True, slots=True)
class Profile:
    country: str
    title: str
    status: str
    version: str
    rationale: str
    allowed: frozenset[str]
    dc_must_offer_any: frozenset[str]
    ac_must_offer_any: frozenset[str]
    require_operator_contact: bool
    require_opening_times: bool
    require_evse_id: bool
    require_dc_ad_hoc_tariff: bool
    live_sources: frozenset[str]
    max_status_age: timedelta
    raw: dict[str, Any] = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    message: str
    evse_uid: str | None = None
    standard: str | None = None  # the connector standard a connector-allowed violation names


@dataclass(frozen=True, slots=True)
class Compliance:
    country: str
    profile_version: str | None
    violations: tuple[Violation, ...]

    @property
    def compliant(self) -> bool:
        return self.profile_version is not None and not self.violations

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.country if self.profile_version else None,
            "profile_version": self.profile_version,
            "compliant": self.compliant,
            "violations": [
                {"rule": v.rule, "message": v.message, "evse_uid": v.evse_uid}
                for v in self.violations
            ],
        }


def available_profiles() -> list[str]:
    files = resources.files("kubat.registry").joinpath("standards").iterdir()
    return sorted(f.name[:-5] for f in files if f.name.endswith(".json"))


@cache
def load_profile(country_code: str) -> Profile | None:
    """The profile of a country (alpha-2), or None when the country has none."""
    path = resources.files("kubat.registry").joinpath(f"standards/{country_code.upper()}.json")
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    connectors, required, live = raw["connectors"], raw["required"], raw["live_status"]
    return Profile(
        country=raw["country"],
        title=raw["title"],
        status=raw["status"],
        version=raw["version"],
        rationale=raw["rationale"],
        allowed=frozenset(connectors["allowed"]),
        dc_must_offer_any=frozenset(connectors["dc_must_offer_any"]),
        ac_must_offer_any=frozenset(connectors["ac_must_offer_any"]),
        require_operator_contact=bool(required["operator_contact"]),
        require_opening_times=bool(required["opening_times"]),
        require_evse_id=bool(required["evse_id_emi3"]),
        require_dc_ad_hoc_tariff=bool(required.get("dc_ad_hoc_tariff", False)),
        live_sources=frozenset(live["applies_to_sources"]),
        max_status_age=timedelta(minutes=live["max_age_minutes"]),
        raw=raw,
    )


@dataclass(frozen=True, slots=True)
class Plug:
    """A connector as the standard rules see it; `evse_uid` None for a planned one."""

    standard: str
    dc: bool
    evse_uid: str | None = None


def standard_violations(profile: Profile, plugs: Iterable[Plug]) -> list[Violation]:
    """The connector-standard rules (connector-allowed, dc-standard, ac-standard).

    One implementation for a station in the registry and one planned in a permit application
    (kubat.permits.standards), so a permit is judged by the rules the station will be.
    """
    found: list[Violation] = []
    standards_dc: set[str] = set()
    standards_ac: set[str] = set()
    for plug in plugs:
        if plug.standard not in profile.allowed:
            found.append(
                Violation(
                    "connector-allowed",
                    gettext("connector standard %(standard)s is not in the profile")
                    % {"standard": plug.standard},
                    plug.evse_uid,
                    plug.standard,
                )
            )
        (standards_dc if plug.dc else standards_ac).add(plug.standard)
    if standards_dc and not standards_dc & profile.dc_must_offer_any:
        wanted = gettext(" or ").join(sorted(profile.dc_must_offer_any))
        found.append(
            Violation(
                "dc-standard", gettext("DC charging must offer %(wanted)s") % {"wanted": wanted}
            )
        )
    if standards_ac and not standards_ac & profile.ac_must_offer_any:
        wanted = gettext(" or ").join(sorted(profile.ac_must_offer_any))
        found.append(
            Violation(
                "ac-standard", gettext("AC charging must offer %(wanted)s") % {"wanted": wanted}
            )
        )
    return found


def _emi3(country_code: str, party_id: str) -> re.Pattern[str]:
    return re.compile(rf"^{country_code}\*?{party_id}\*?E[A-Z0-9*]{{1,30}}$", re.IGNORECASE)


def check_location(
    location: Location, *, now: datetime, tariffs: Mapping[str, str] | None = None
) -> Compliance:
    """Every violation of its country's profile by one location (EVSEs and connectors loaded).

    Load the location through registry selectors so EVSEs and connectors come prefetched.
    `tariffs` (upper-cased tariff id → type) is the party's, looked up when not given; pass it
    when checking many locations of one party.
    """
    profile = load_profile(location.country_code)
    if profile is None:
        return Compliance(location.country_code, None, ())
    party = location.party
    found: list[Violation] = []
    evses = [e for e in location.evses.all() if e.status != Status.REMOVED]
    plugs: list[Plug] = []
    id_pattern = _emi3(party.country_code, party.party_id)
    for evse in evses:
        plugs.extend(
            Plug(c.standard, c.power_type == PowerType.DC, evse.uid) for c in evse.connectors.all()
        )
        if profile.require_evse_id and not (evse.evse_id and id_pattern.match(evse.evse_id)):
            shown = evse.evse_id or "none"
            found.append(
                Violation(
                    "evse-id-emi3",
                    gettext(
                        "EVSE ID %(shown)s is not an eMI3 ID of %(party)s, like "
                        "%(country_code)s*%(party_id)s*E0001"
                    )
                    % {
                        "shown": shown,
                        "party": party.key,
                        "country_code": party.country_code,
                        "party_id": party.party_id,
                    },
                    evse.uid,
                )
            )
        if location.source in profile.live_sources and (
            evse.status_updated_at is None or now - evse.status_updated_at > profile.max_status_age
        ):
            minutes = int(profile.max_status_age.total_seconds() // 60)
            found.append(
                Violation(
                    "status-fresh",
                    gettext("live status older than %(minutes)s minutes") % {"minutes": minutes},
                    evse.uid,
                )
            )
    found[:0] = standard_violations(profile, plugs)
    if tariffs is None:
        tariffs = registry_tariffs.tariff_types(party=party)
    found.extend(_tariff_violations(profile, evses, tariffs))
    if profile.require_operator_contact and not (party.contact_email or party.contact_phone):
        found.append(
            Violation(
                "operator-contact",
                gettext("operator %(party)s publishes no e-mail or phone") % {"party": party.key},
            )
        )
    if profile.require_opening_times and not location.opening_times:
        found.append(Violation("opening-times", gettext("opening times are not published")))
    return Compliance(location.country_code, profile.version, tuple(found))


def _tariff_violations(
    profile: Profile, evses: Iterable[EVSE], tariffs: Mapping[str, str]
) -> list[Violation]:
    found: list[Violation] = []
    for evse in evses:
        for connector in evse.connectors.all():
            named = [str(t) for t in connector.tariff_ids or []]
            for tariff_id in named:
                if tariff_id.upper() not in tariffs:
                    found.append(
                        Violation(
                            "tariff-known",
                            gettext(
                                "connector %(ocpi_id)s names tariff %(tariff_id)s, "
                                "which its operator has not published"
                            )
                            % {"ocpi_id": connector.ocpi_id, "tariff_id": tariff_id},
                            evse.uid,
                        )
                    )
            ad_hoc = any(tariffs.get(t.upper()) == TariffType.AD_HOC_PAYMENT for t in named)
            if (
                profile.require_dc_ad_hoc_tariff
                and connector.power_type == PowerType.DC
                and not (ad_hoc)
            ):
                found.append(
                    Violation(
                        "dc-ad-hoc-tariff",
                        gettext("DC connector %(ocpi_id)s names no AD_HOC_PAYMENT tariff")
                        % {"ocpi_id": connector.ocpi_id},
                        evse.uid,
                    )
                )
    return found


@dataclass(slots=True)
class OperatorReport:
    party: str
    name: str
    locations: int = 0
    compliant: int = 0
    violations_by_rule: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "name": self.name,
            "locations": self.locations,
            "compliant": self.compliant,
            "non_compliant": self.locations - self.compliant,
            "violations_by_rule": dict(sorted(self.violations_by_rule.items())),
        }


def tally(report: OperatorReport, result: Compliance) -> None:
    """Add one location's result to its operator's report."""
    report.locations += 1
    report.compliant += result.compliant
    for violation in result.violations:
        report.violations_by_rule[violation.rule] = (
            report.violations_by_rule.get(violation.rule, 0) + 1
        )
