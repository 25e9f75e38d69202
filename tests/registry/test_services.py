from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.core.errors import InvalidInput, PermissionDenied
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import selectors, services
from kubat.registry.models import EVSE, SearchPoint, StatCounter
from tests.registry.factories import connector, evse, location_data, party, save

pytestmark = pytest.mark.django_db


def _counters(country: str = "KG") -> Counter[tuple[str, str]]:
    return Counter(
        {
            (c.dimension, c.key): c.value
            for c in StatCounter.objects.filter(country_code=country).exclude(value=0)
        }
    )


def test_derived_power_and_class_follow_the_connectors():
    ac = save(location_data(ocpi_id="AC", evses=[evse("a", connector("1", "IEC_62196_T2", 22))]))
    dc = save(location_data(ocpi_id="DC", evses=[evse("d", connector("1", "GBT_DC", 120))]))
    hpc = save(
        location_data(
            ocpi_id="HPC",
            evses=[
                evse("h1", connector("1", "GBT_DC", 60)),
                evse("h2", connector("1", "GBT_DC", 180)),
            ],
        )
    )
    assert (ac.charging_class, ac.max_power_kw) == ("AC", 22)
    assert (dc.charging_class, dc.max_power_kw) == ("DC", 120)
    assert (hpc.charging_class, hpc.max_power_kw, hpc.evse_count) == ("HPC", 180, 2)


def test_three_phase_power_without_stated_power_is_three_times_volts_amps():
    plug = connector("1", "IEC_62196_T2", 0, power_type="AC_3_PHASE")
    plug["max_electric_power"] = None
    location = save(location_data(evses=[evse("a", plug)]))
    assert location.max_power_kw == pytest.approx(3 * 230 * 32 / 1000)


def test_removed_evse_leaves_counters_and_search_rows():
    location = save(
        location_data(
            evses=[
                evse("a", connector("1", "GBT_DC", 60)),
                evse("b", connector("1", "CHADEMO", 50)),
            ]
        )
    )
    assert _counters()[("connectors_by_standard", "CHADEMO")] == 1
    data = location_data(
        evses=[
            evse("a", connector("1", "GBT_DC", 60)),
            evse("b", connector("1", "CHADEMO", 50), status="REMOVED"),
        ]
    )
    save(data)
    assert _counters()[("connectors_by_standard", "CHADEMO")] == 0
    assert _counters()[("evses", "")] == 1
    codes = set(SearchPoint.objects.filter(location=location).values_list("code", flat=True))
    from kubat.registry.enums import STANDARD_CODES

    assert STANDARD_CODES["CHADEMO"] not in codes


def test_unpublished_location_is_neither_counted_nor_found():
    save(location_data(publish=False))
    assert _counters() == Counter()
    page = selectors.search_locations(filters=selectors.LocationFilters(country_code="KG"))
    assert page.total == 0
    assert selectors.nearest_locations(lat=42.87, lon=74.57) == []


def test_replacing_a_location_marks_left_out_evses_removed():
    location = save(location_data(evses=[evse("a"), evse("b")]))
    save(location_data(evses=[evse("a")]))
    statuses = dict(EVSE.objects.filter(location=location).values_list("uid", "status"))
    assert statuses == {"a": "AVAILABLE", "b": "REMOVED"}


def test_counters_equal_a_full_recount_after_many_writes():
    for i in range(6):
        save(
            location_data(ocpi_id=f"L{i}", evses=[evse("a", connector("1", "GBT_DC", 40 + i))]),
            region="Chuy",
        )
    save(
        location_data(ocpi_id="L1", evses=[evse("a", connector("1", "IEC_62196_T2", 22))]),
        region="Talas",
    )
    save(location_data(ocpi_id="L2", publish=False))
    save(location_data(ocpi_id="L3", city="Almaty", country="KAZ", lat=43.2, lon=76.9))
    maintained = _counters("KG"), _counters("KZ")
    services.rebuild_derived()
    assert (_counters("KG"), _counters("KZ")) == maintained
    assert maintained[0][("locations", "")] == 4
    assert maintained[1][("locations", "")] == 1


def test_location_of_another_party_is_refused():
    owner = party("KG*TST")
    data = ocpi.Location.model_validate(location_data(party="KG*OTH"))
    with pytest.raises(InvalidInput) as info:
        services.save_location(party=owner, data=data, source="api")
    assert info.value.field == "party_id"


def test_operator_cannot_write_another_operators_locations():
    mine = Organisation.objects.create(name="Mine", kind="operator", country_code="KG")
    theirs = Organisation.objects.create(name="Theirs", kind="operator", country_code="KG")
    my_party = party("KG*MIN", organisation=mine)
    their_party = party("KG*THR", organisation=theirs)
    user = get_user_model().objects.create_user("op")
    account_services.grant_role(user=user, role=Role.OPERATOR)
    account_services.join_organisation(user=user, organisation=mine)
    services.assert_can_write(user=user, party=my_party)
    with pytest.raises(PermissionDenied):
        services.assert_can_write(user=user, party=their_party)


def test_secretariat_writes_any_party_and_a_stranger_none():
    target = party("KG*ANY")
    clerk = get_user_model().objects.create_user("clerk")
    account_services.grant_role(user=clerk, role=Role.SECRETARIAT)
    services.assert_can_write(user=clerk, party=target)
    stranger = get_user_model().objects.create_user("stranger")
    with pytest.raises(PermissionDenied):
        services.assert_can_write(user=stranger, party=target)


def test_a_location_with_only_planned_evses_is_pipeline_not_a_public_station():
    save(location_data(ocpi_id="NEW", evses=[evse("a", status="PLANNED")]))
    save(location_data(ocpi_id="OLD", lat=42.9, evses=[evse("a"), evse("b", status="PLANNED")]))
    assert _counters()[("locations", "")] == 1
    assert _counters()[("planned_locations", "")] == 1
    assert _counters()[("evses", "")] == 1
    listed = selectors.search_locations(filters=selectors.LocationFilters())
    assert [loc.ocpi_id for loc in listed.items] == ["OLD"]
    assert [pk for pk, _ in selectors.nearest_locations(lat=42.8746, lon=74.5698)] == [
        listed.items[0].pk
    ]
    pipeline = selectors.LocationFilters(statuses=("PLANNED",), near=(42.8746, 74.5698))
    found = selectors.search_locations(filters=pipeline)
    assert [loc.ocpi_id for loc in found.items] == ["NEW", "OLD"]


def test_a_planned_location_enters_service_when_an_evse_is_reported_available():
    save(location_data(ocpi_id="NEW", evses=[evse("a", status="PLANNED")]))
    location = save(location_data(ocpi_id="NEW", evses=[evse("a", status="AVAILABLE")]))
    assert location.evse_count == 1
    assert _counters()[("planned_locations", "")] == 0
    assert _counters()[("locations", "")] == 1


def test_a_party_key_is_claimed_only_by_the_organisation_that_created_it():
    first = Organisation.objects.create(name="First", kind="operator", country_code="KG")
    second = Organisation.objects.create(name="Second", kind="operator", country_code="KG")
    made = services.get_or_create_party(country_code="kg", party_id="abc", organisation=first)
    assert (made.key, made.organisation) == ("KG*ABC", first)
    again = services.get_or_create_party(country_code="KG", party_id="ABC", organisation=first)
    assert again == made
    with pytest.raises(PermissionDenied):
        services.get_or_create_party(country_code="KG", party_id="ABC", organisation=second)


def test_a_party_registered_without_an_organisation_cannot_be_claimed():
    services.get_or_create_party(country_code="KG", party_id="PER")  # e.g. an OCPI peer
    claimant = Organisation.objects.create(name="Claimant", kind="investor", country_code="KG")
    with pytest.raises(PermissionDenied):
        services.get_or_create_party(country_code="KG", party_id="PER", organisation=claimant)
