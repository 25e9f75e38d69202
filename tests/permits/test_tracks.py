"""The country track files: valid, and a project takes the lightest track its size allows."""

from __future__ import annotations

import pytest

from kubat.core.errors import NotFound
from kubat.permits.tracks import DayKind, rules_for


def test_every_country_file_is_valid_and_has_tracks() -> None:
    for code in ("KG", "KZ"):
        rules = rules_for(code)
        assert rules.tracks
        assert rules.completeness.days > 0


def test_kazakhstan_follows_article_25_of_the_law_on_permits() -> None:
    rules = rules_for("KZ")
    assert (rules.completeness.days, rules.completeness.day_kind) == (2, DayKind.BUSINESS)
    permit = rules.track("permit")
    for approval in permit.approvals:
        assert approval.days == 10
        assert approval.day_kind == DayKind.BUSINESS
        assert approval.silence_consent


def test_small_ac_charger_takes_the_lightest_track() -> None:
    assert rules_for("KG").track_for(total_kw=22, has_dc=False).code == "maximally_simplified"
    assert rules_for("KZ").track_for(total_kw=11, has_dc=False).code == "notification"


def test_dc_station_never_takes_an_ac_only_track() -> None:
    assert rules_for("KG").track_for(total_kw=20, has_dc=True).code == "simplified"


def test_large_hub_takes_the_general_track_with_state_expertise_after_grid_conditions() -> None:
    track = rules_for("KG").track_for(total_kw=600, has_dc=True)
    assert track.code == "general"
    assert set(track.approval("state_expertise").requires) == {"placement", "grid_conditions"}


def test_unknown_country_is_not_found() -> None:
    with pytest.raises(NotFound):
        rules_for("DE")
