"""Fleet rules: VIN syntax, the catalogue, and the all-or-nothing registrations import."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kubat.core.errors import InvalidInput
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


def _import_error(path) -> CommandError:
    with pytest.raises(CommandError) as caught:
        call_command("fleet", "import-registrations", str(path))
    return caught.value


@pytest.mark.django_db
def test_import_of_a_non_utf8_file_exits_2_naming_the_file(tmp_path):
    path = tmp_path / "cp1251.csv"
    path.write_bytes(
        (HEADER + "LGXCE4CB000000001,BYD,Atto 3,BEV,KG,Чуй,2024-03-01,quota_import\n").encode(
            "cp1251"
        )
    )
    error = _import_error(path)
    assert error.returncode == 2
    assert str(error).startswith("file: ")
    assert "UTF-8" in str(error)
    assert "\n" not in str(error)


@pytest.mark.django_db
def test_import_of_a_missing_file_or_bad_header_exits_2_naming_the_field(tmp_path):
    missing = _import_error(tmp_path / "absent.csv")
    assert (missing.returncode, str(missing).split(":")[0]) == (2, "path")
    directory = _import_error(tmp_path)
    assert (directory.returncode, str(directory).split(":")[0]) == (2, "path")
    headless = tmp_path / "headless.csv"
    headless.write_text("vin,make\n")
    header = _import_error(headless)
    assert (header.returncode, str(header).split(":")[0]) == (2, "file")


@pytest.mark.django_db
def test_import_rejects_an_over_long_value_as_a_bad_line_not_a_database_error():
    text = HEADER + f"LGXCE4CB000000001,BYD,Atto 3,BEV,KG,{'R' * 81},2024-03-01,quota_import\n"
    report = services.import_registrations(rows=services.parse_registrations_csv(text=text))
    assert [(r["line"], r["field"]) for r in report.rejected] == [(2, "region")]
    assert Registration.objects.count() == 0


def test_unreadable_csv_is_invalid_input_naming_the_file():
    with pytest.raises(InvalidInput) as caught:
        services.parse_registrations_csv(text=HEADER + "x" * 200_000 + "\n")
    assert caught.value.field == "file"
