import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kubat.registry import compliance, selectors
from kubat.registry.models import EVSE
from tests.registry.factories import connector, evse, location_data, party, save

pytestmark = pytest.mark.django_db


def _check(location):
    loaded = selectors.get_public_location(location_id=location.pk)
    return compliance.check_location(loaded, now=timezone.now())


def _rules(result):
    return sorted(v.rule for v in result.violations)


@pytest.fixture
def contact():
    party("KG*TST", contact_email="ops@example.kg")
    party("KZ*TST", contact_email="ops@example.kz")


def test_a_conforming_kyrgyz_station_is_compliant(contact):
    result = _check(save(location_data(evses=[evse("a", evse_id="KG*TST*E1")])))
    assert result.compliant, result.violations


def test_a_kyrgyz_dc_station_without_gbt_breaks_the_profile_a_kazakh_one_does_not(contact):
    ccs_only = [evse("a", connector("1", "IEC_62196_T2_COMBO", 60), evse_id="KG*TST*E1")]
    assert _rules(_check(save(location_data(evses=ccs_only)))) == ["dc-standard"]
    kz_ccs = [evse("a", connector("1", "IEC_62196_T2_COMBO", 60), evse_id="KZ*TST*E1")]
    kz = save(location_data(party="KZ*TST", country="KAZ", city="Almaty", evses=kz_ccs))
    assert _check(kz).compliant


def test_a_connector_outside_the_profile_is_named(contact):
    tesla = [
        evse(
            "a",
            connector("1", "TESLA_S", 120, power_type="DC"),
            connector("2"),
            evse_id="KG*TST*E1",
        )
    ]
    result = _check(save(location_data(evses=tesla)))
    assert _rules(result) == ["connector-allowed"]
    assert "TESLA_S" in result.violations[0].message


def test_evse_id_must_be_an_emi3_id_of_its_own_party(contact):
    wrong = [evse("a", evse_id="KG*OTH*E1"), evse("b", evse_id=None), evse("c", evse_id="KGTSTE9")]
    result = _check(save(location_data(evses=wrong)))
    assert [(v.rule, v.evse_uid) for v in result.violations] == [
        ("evse-id-emi3", "a"),
        ("evse-id-emi3", "b"),
    ]


def test_missing_operator_contact_and_opening_times_are_reported():
    result = _check(save(location_data(opening_times=None, evses=[evse("a", evse_id="KG*TST*E1")])))
    assert _rules(result) == ["opening-times", "operator-contact"]


def test_stale_live_status_counts_only_for_live_sources(contact):
    static = save(location_data(evses=[evse("a", evse_id="KG*TST*E1")]))
    assert _check(static).compliant
    live = save(
        location_data(ocpi_id="LIVE", evses=[evse("a", evse_id="KG*TST*E2")]), source="ocpi"
    )
    EVSE.objects.filter(location=live).update(status_updated_at=timezone.now())
    assert _check(live).compliant
    EVSE.objects.filter(location=live).update(
        status_updated_at=timezone.now() - timedelta(minutes=16)
    )
    assert _rules(_check(live)) == ["status-fresh"]


def test_a_country_without_a_profile_is_not_judged(contact):
    party("UZ*TST", contact_email="x@example.uz")
    location = save(location_data(party="UZ*TST", country="UZB", city="Tashkent"))
    result = _check(location)
    assert result.profile_version is None
    assert not result.compliant
    assert not result.violations


def test_check_standards_lists_violations_per_location_and_operator(contact):
    save(location_data(ocpi_id="GOOD", evses=[evse("a", evse_id="KG*TST*E1")]))
    save(location_data(ocpi_id="BAD", opening_times=None, evses=[evse("b", evse_id="KG*TST*E2")]))
    out = io.StringIO()
    call_command("check_standards", "--json", stdout=out)
    doc = json.loads(out.getvalue())
    assert [loc["ocpi_id"] for loc in doc["locations"]] == ["BAD"]
    assert doc["locations"][0]["violations"][0]["rule"] == "opening-times"
    assert doc["operators"] == [
        {
            "party": "KG*TST",
            "name": "KG*TST",
            "locations": 2,
            "compliant": 1,
            "non_compliant": 1,
            "violations_by_rule": {"opening-times": 1},
        }
    ]
    with pytest.raises(CommandError) as info:
        call_command("check_standards", "--strict", stdout=io.StringIO())
    assert info.value.returncode == 1
    with pytest.raises(CommandError) as info:
        call_command("check_standards", "--operator", "nonsense")
    assert info.value.returncode == 2
