"""Fleet rules: VIN syntax, the catalogue, and the all-or-nothing registrations import."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kubat.fleet import services
from kubat.fleet.models import EVModel, Registration
from kubat.fleet.vin import north_american_check_digit, vin_problem

HEADER = "vin,make,model,powertrain,country,region,registered_on,origin\n"


def test_vin_syntax_follows_iso_3779_without_check_digit_outside_north_america():
    assert vin_problem("LGXCE4CBZ00000001") is None  # position 9 'Z' is fine for a Chinese VIN
    assert vin_problem("WVWZZZE1ZMP000001") is None
    assert "17" in vin_problem("LGXCE4CB0000001")
    assert "I, O or Q" in vin_problem("LGXCE4CBI00000001")
    assert vin_problem("LGXCE4CB00000000A") is not None  # last four must be digits
    assert north_american_check_digit("1HGCM82633A004352") == "3"
    assert "check digit" in vin_problem("1HGCM82693A004352")


@pytest.mark.django_db
def test_catalogue_is_seeded_from_published_specs():
    assert EVModel.objects.filter(make="NIO", model="ES6").exists()
    assert services.find_model(make="jac", model="IEV7S").powertrain == "BEV"
    tesla = services.find_model(make="Tesla", model="Model 3")
    assert tesla.dc_connectors == ["IEC_62196_T2_COMBO"]


@pytest.mark.django_db
def test_import_is_all_or_nothing_with_every_bad_line_reported():
    text = HEADER + (
        "LGXCE4CB000000001,BYD,Atto 3,BEV,KG,Chuy,2024-03-01,quota_import\n"
        "LGXCE4CBO00000002,BYD,Atto 3,BEV,KG,Chuy,2024-03-01,quota_import\n"
        "LGXCE4CB000000003,JAC,iEV7S,XEV,KZ,Almaty,2024-03-01,domestic\n"
        "LGXCE4CB000000001,BYD,Atto 3,BEV,KG,Chuy,2024-03-01,quota_import\n"
    )
    report = services.import_registrations(rows=services.parse_registrations_csv(text=text))
    assert [(r["line"], r["field"]) for r in report.rejected] == [
        (3, "vin"),
        (4, "powertrain"),
        (5, "vin"),
    ]
    assert Registration.objects.count() == 0


@pytest.mark.django_db
def test_import_links_known_models_and_counts_by_year(tmp_path):
    path = tmp_path / "fleet.csv"
    path.write_text(
        HEADER
        + "LGXCE4CB000000001,BYD,Atto 3,BEV,KG,Chuy,2024-03-01,quota_import\n"
        + "LJ1EEASP000000002,JAC,iEV7S,BEV,KAZ,Almaty,2022-05-01,domestic\n"
    )
    call_command("fleet", "import-registrations", str(path))
    assert Registration.objects.get(vin="LGXCE4CB000000001").ev_model is not None
    assert Registration.objects.get(vin="LJ1EEASP000000002").country_code == "KZ"
    assert services.fleet_by_year(country_code="KZ")[0]["domestic"] == 1
    with pytest.raises(CommandError):
        call_command("fleet", "import-registrations", str(path))  # VINs already registered


@pytest.mark.django_db
def test_fleet_page_shows_catalogue_production_and_counts(client, tmp_path):
    from pathlib import Path

    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    services.import_registrations(
        rows=services.parse_registrations_csv(
            text=HEADER + "LGXCE4CB000000001,BYD,Atto 3,BEV,KG,Chuy,2024-03-01,quota_import\n"
        )
    )
    page = client.get("/fleet/").content.decode()
    assert "NIO ES6" in page
    assert "JAC Motors partnership" in page
    assert "<td>2024</td><td>1</td><td>1</td>" in page
    api = client.get("/api/v1/fleet/models").json()
    assert any(m["model"] == "iEV7S" for m in api)
