"""Check of planned connectors against the country's charging-standard profile at submission.

The profile is the registry's (registry/standards/<CC>.json via
`registry.compliance.load_profile`), so a permit is judged by the same rules as the station
it becomes. Rules, as the registry states them for a location: every connector is an allowed
standard; a station with DC charging offers one of `dc_must_offer_any`; one with AC charging
offers one of `ac_must_offer_any` (one implementation: `compliance.standard_violations`).
Applications add one rule of their own: AC and DC connectors
do not mix on one charging point, because a planned EVSE has one power type.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext

from kubat.permits.schemas import EvseGroup
from kubat.registry import compliance
from kubat.registry.enums import PowerType

DC_CONNECTORS = frozenset({"GBT_DC", "IEC_62196_T2_COMBO", "CHADEMO"})


def allowed_standards() -> frozenset[str]:
    """Every standard some country allows: the choices the application form offers."""
    profiles = (compliance.load_profile(cc) for cc in compliance.available_profiles())
    return frozenset().union(*(p.allowed for p in profiles if p is not None))


def check_planned_connectors(*, country_code: str, groups: Sequence[EvseGroup]) -> list[str]:
    """Every reason the planned EVSEs break the country's profile; empty when they pass.

    The standard rules are the registry's (`compliance.standard_violations`), worded for an
    applicant who names EVSE groups; the AC/DC mixing rule is the application's own.
    """
    profile = compliance.load_profile(country_code)
    if profile is None:
        return [
            gettext("%(country_code)s has no charging standard profile")
            % {"country_code": country_code}
        ]
    problems: list[str] = []
    plugs: list[compliance.Plug] = []
    for n, group in enumerate(groups, start=1):
        standards = sorted({str(s) for s in group.standards})
        dc = group.power_type == PowerType.DC
        plugs.extend(compliance.Plug(s, dc, str(n)) for s in standards)
        if dc and set(standards) - DC_CONNECTORS:
            problems.append(
                gettext("EVSE group %(n)s: an AC connector cannot be on a DC point") % {"n": n}
            )
        if not dc and set(standards) & DC_CONNECTORS:
            problems.append(
                gettext("EVSE group %(n)s: a DC connector cannot be on an AC point") % {"n": n}
            )
    for violation in compliance.standard_violations(profile, plugs):
        if violation.rule == "connector-allowed":
            problems.append(
                gettext(
                    "EVSE group %(evse_uid)s: %(standard)s is not in the %(country_code)s profile"
                )
                % {
                    "evse_uid": violation.evse_uid,
                    "standard": violation.standard,
                    "country_code": country_code,
                }
            )
        elif violation.rule == "dc-standard":
            names = ", ".join(sorted(profile.dc_must_offer_any))
            problems.append(
                gettext("a station with DC charging must offer one of %(names)s") % {"names": names}
            )
        else:
            names = ", ".join(sorted(profile.ac_must_offer_any))
            problems.append(
                gettext("a station with AC charging must offer one of %(names)s") % {"names": names}
            )
    return problems
