"""Every refusal a service, a command or a form gives is translatable, and is translated.

Two halves: a source check that no refusal is built from a bare string (tests/i18n/refusals.py;
the catalogue tests then demand a ru, ky and kk entry for every gettext string), and
representative refusals triggered through each road a person meets them on (/api/v1 with
Accept-Language, a command under KUBAT_LANGUAGE, a service under the active language),
checked against the Russian, Kyrgyz and Kazakh text.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kubat.core.errors import InvalidInput
from kubat.core.geo import parse_lat_lon
from kubat.registry import compliance
from tests.i18n import refusals


def test_no_refusal_is_built_from_an_untranslated_literal() -> None:
    found = refusals.untranslated()
    assert found == [], "wrap these in gettext with named placeholders:\n" + "\n".join(
        str(u) for u in found
    )


def test_the_refusal_check_sees_the_whole_error_tree() -> None:
    # A subclass defined anywhere in the code is checked, not only core.errors' own classes.
    classes = refusals.refusal_classes()
    assert {"InvalidInput", "OutOfOrder", "ImportRejected", "RefusedAddress"} <= classes
    assert {"CommandError", "ValidationError"} <= classes


def test_the_refusal_check_flags_a_bare_message() -> None:
    import ast

    sample = ast.parse('raise InvalidInput(f"no location {x}", field="id")').body[0]
    assert isinstance(sample, ast.Raise)
    assert isinstance(sample.exc, ast.Call)
    message = sample.exc.args[0]
    assert refusals._is_literal(message)
    assert refusals._has_words(message)
    joined = ast.parse("f\"{exc.field or 'file'}: {exc.message}\"").body[0]
    assert isinstance(joined, ast.Expr)
    assert not refusals._has_words(joined.value)


@pytest.mark.django_db
def test_api_refusals_are_in_the_language_the_client_asks_for(client) -> None:
    russian = client.get("/api/v1/locations", {"radius_km": 5}, HTTP_ACCEPT_LANGUAGE="ru")
    assert russian.status_code == 400
    assert russian.json()["detail"] == "для radius_km нужен near=lat,lon"
    assert russian["Content-Language"] == "ru"
    kyrgyz = client.get("/api/v1/locations", {"near": "north"}, HTTP_ACCEPT_LANGUAGE="ky")
    assert kyrgyz.status_code == 400
    assert "lat,lon күтүлөт" in kyrgyz.json()["detail"]
    english = client.get("/api/v1/locations", {"radius_km": 5})
    assert english.json()["detail"] == "radius_km needs near=lat,lon"


@pytest.mark.django_db
def test_a_missing_location_is_refused_in_kazakh(client) -> None:
    response = client.get("/api/v1/locations/999999", HTTP_ACCEPT_LANGUAGE="kk")
    assert response.status_code == 404
    assert response.json()["detail"] == "id 999999 жалпыға ортақ станциясы жоқ"


def test_service_refusals_follow_the_active_language() -> None:
    with translation.override("ru"), pytest.raises(InvalidInput) as caught:
        parse_lat_lon("north", field="near")
    assert caught.value.message == "ожидается lat,lon, получено 'north'"
    assert caught.value.field == "near"


def test_compliance_violations_read_in_the_readers_language() -> None:
    profile = compliance.load_profile("KG")
    assert profile is not None
    plugs = [compliance.Plug("TESLA_S", dc=False, evse_uid="E1")]
    with translation.override("ky"):
        found = compliance.standard_violations(profile, plugs)
    assert found[0].rule == "connector-allowed"
    assert found[0].message == "TESLA_S туташтыргыч стандарты профилде жок"
    with translation.override("kk"):
        found = compliance.standard_violations(profile, plugs)
    assert found[0].message == "TESLA_S қосқыш стандарты профильде жоқ"
    assert found[1].message == "AC зарядтау GBT_AC немесе IEC_62196_T2 ұсынуы керек"


@pytest.mark.django_db
def test_an_import_report_names_its_rows_in_the_readers_language() -> None:
    from kubat.registry.imports import ImportRejected, import_locations

    header = "country_code,party_id,location_id\n"
    with translation.override("ru"), pytest.raises(InvalidInput) as caught:
        import_locations(text=header + "KG,KUB,L1\n", fmt="csv", source="import")
    assert caught.value.message.startswith("нет столбцов: ")
    with translation.override("kk"), pytest.raises(ImportRejected) as rejected:
        import_locations(text='[{"id": "x"}]', fmt="json", source="import")
    first = rejected.value.report.rejected[0]
    assert first.where == "object 0"  # the JSON report keeps its locator
    with translation.override("kk"):
        assert str(first).startswith("0-нысан: country_code: ")


def test_command_errors_are_in_the_active_language(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"
    with translation.override("ru"), pytest.raises(CommandError) as caught:
        call_command("import", str(missing))
    assert str(caught.value).startswith(f"file: не удаётся прочитать {missing}")


def test_kubat_language_setting_speaks_the_commands_language(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kubat.cli", "import", str(tmp_path / "nowhere.csv")],
        capture_output=True,
        text=True,
        check=False,
        env={**_env(), "KUBAT_LANGUAGE": "kk"},
    )
    assert result.returncode == 2, result.stderr
    assert "file: " in result.stderr
    assert "оқылмайды" in result.stderr


def test_an_unknown_kubat_language_exits_2_naming_the_setting() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kubat.cli", "check", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={**_env(), "KUBAT_LANGUAGE": "de"},
    )
    assert result.returncode == 2
    assert result.stderr.startswith("KUBAT_LANGUAGE: 'de' is not one of en, ru, ky, kk")


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "KUBAT_LANGUAGE"}
