"""Permit tracks per country, read from the data files in `permits/tracks/<CC>.json`.

A country file says how long the secretariat has for the completeness check, how long the
distribution company has to accept the grid connection, which tracks exist, which project
takes which track (by its total planned power and whether it has DC points), and for each
track the approvals it needs: who gives each (an *authority*, mapped to a real agency by
`AgencyAssignment`), its statutory days (calendar or business), the approvals that must come
first, whether silence means consent, and the fee paid through the window. Changing a
deadline or a fee is a data change, not a code change; the files are validated here, so a
typo fails at start-up with the field named.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Annotated

from django.utils.translation import gettext
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kubat.core.errors import InvalidInput, NotFound


class DayKind(StrEnum):
    CALENDAR = "calendar"
    BUSINESS = "business"


class Authority(StrEnum):
    """Who gives an approval, independent of the agency that plays the part in a region."""

    MUNICIPALITY = "municipality"
    DISTRIBUTION_COMPANY = "distribution_company"
    FIRE_SAFETY = "fire_safety"
    STATE_EXPERTISE = "state_expertise"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Term(_Data):
    days: Annotated[int, Field(ge=0, le=366)]
    day_kind: DayKind


class GridTerm(Term):
    authority: Authority


class CalendarRules(_Data):
    weekend: tuple[int, ...] = (5, 6)  # Monday is 0, as in date.weekday()
    library_holidays: bool = True  # the `holidays` package's public holidays of the country
    extra_holidays: tuple[str, ...] = ()  # ISO dates: one-off days off decreed by government
    extra_working_days: tuple[str, ...] = ()  # ISO dates: weekend days moved to work days


class ApprovalSpec(Term):
    code: Annotated[str, Field(pattern=r"^[a-z_]{2,40}$")]
    title: str
    authority: Authority
    silence_consent: bool
    requires: tuple[str, ...] = ()


class Fee(_Data):
    """What the applicant pays through the window for a track (0: nothing to pay)."""

    amount: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]  # ISO 4217


class AppliesIf(_Data):
    max_total_kw: Annotated[float, Field(gt=0)] | None  # None: no upper bound
    dc_allowed: bool

    def matches(self, *, total_kw: float, has_dc: bool) -> bool:
        if has_dc and not self.dc_allowed:
            return False
        return self.max_total_kw is None or total_kw <= self.max_total_kw


class Track(_Data):
    code: Annotated[str, Field(pattern=r"^[a-z_]{2,40}$")]
    title: str
    applies_if: AppliesIf
    fee: Fee
    approvals: tuple[ApprovalSpec, ...]

    @model_validator(mode="after")
    def _prerequisites_exist(self) -> Track:
        codes = [a.code for a in self.approvals]
        if len(codes) != len(set(codes)):
            raise ValueError(f"track {self.code}: approval codes repeat")
        for approval in self.approvals:
            for code in approval.requires:
                if code not in codes or code == approval.code:
                    raise ValueError(f"track {self.code}: {approval.code} requires unknown {code}")
        # Prerequisites must form no cycle, or an approval would never start.
        done: set[str] = set()
        pending = list(self.approvals)
        while pending:
            ready = [a for a in pending if set(a.requires) <= done]
            if not ready:
                raise ValueError(f"track {self.code}: prerequisites form a cycle")
            done.update(a.code for a in ready)
            pending = [a for a in pending if a.code not in done]
        return self

    def approval(self, code: str) -> ApprovalSpec:
        for spec in self.approvals:
            if spec.code == code:
                return spec
        raise NotFound(
            gettext("track %(track)s has no approval %(approval)s")
            % {"track": self.code, "approval": code}
        )


class AppealTerms(Term):
    """The applicant's window to appeal a refusal (`days`), and the appeal body's term."""

    decision: Term


class ResubmissionTerms(Term):
    """The window to resubmit a refused application; whether the fee paid counts again."""

    fee_credited: bool


CHANGE_KINDS = ("modification", "transfer", "decommission")


class CountryRules(_Data):
    country_code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    time_zone: str
    legal_basis: str
    fee_basis: str = ""
    calendar: CalendarRules
    completeness: Term
    grid_acceptance: GridTerm
    tracks: tuple[Track, ...]
    appeal: AppealTerms
    resubmission: ResubmissionTerms
    # After commissioning: one procedure per change kind, its fee and approvals as for tracks.
    changes: tuple[Track, ...]

    @model_validator(mode="after")
    def _every_change_kind(self) -> CountryRules:
        codes = sorted(t.code for t in self.changes)
        if codes != sorted(CHANGE_KINDS):
            raise ValueError(f"changes must define exactly {', '.join(CHANGE_KINDS)}")
        return self

    def track(self, code: str) -> Track:
        for track in (*self.tracks, *self.changes):
            if track.code == code:
                return track
        raise NotFound(
            gettext("%(country_code)s has no permit track %(code)r")
            % {"country_code": self.country_code, "code": code},
            field="track",
        )

    def track_for(self, *, total_kw: float, has_dc: bool) -> Track:
        """The first track, in file order, whose size rule the project fits.

        Files list tracks from the lightest to the heaviest, so a small AC charger takes the
        lightest track it qualifies for.
        """
        for track in self.tracks:
            if track.applies_if.matches(total_kw=total_kw, has_dc=has_dc):
                return track
        raise InvalidInput(
            gettext("no %(country_code)s permit track fits %(total_kw)s kW")
            % {"country_code": self.country_code, "total_kw": f"{total_kw:g}"},
            field="planned_evses",
        )


def countries() -> list[str]:
    """Country codes that have a track file."""
    folder = resources.files("kubat.permits") / "tracks"
    return sorted(p.name[:2] for p in folder.iterdir() if p.name.endswith(".json"))


@lru_cache(maxsize=8)
def rules_for(country_code: str) -> CountryRules:
    """The validated rules of one country; NotFound when Kubat has no track file for it."""
    code = country_code.upper()
    if code not in countries():
        raise NotFound(
            gettext("no permit tracks are defined for %(country_code)r")
            % {"country_code": country_code},
            field="country_code",
        )
    text = (resources.files("kubat.permits") / "tracks" / f"{code}.json").read_text("utf-8")
    rules = CountryRules.model_validate_json(text)
    if rules.country_code != code:
        raise ValueError(f"tracks/{code}.json declares country {rules.country_code}")
    return rules
