import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kubat.core.errors import InvalidInput
from kubat.registry import exchange, selectors
from kubat.registry.imports import ImportRejected, import_locations
from kubat.registry.models import EVSE, Connector, Location
from tests.registry.factories import connector, evse, location_data, save

pytestmark = pytest.mark.django_db


def _export_csv() -> str:
    return "".join(exchange.stream_csv(selectors.iter_locations(), generated_at=timezone.now()))


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))


def test_export_then_import_updates_instead_of_duplicating():
    save(
        location_data(
            ocpi_id="A", evses=[evse("1", connector("1"), connector("2", "IEC_62196_T2_COMBO"))]
        )
    )
    save(location_data(ocpi_id="B"), region="Chuy")
    text = _export_csv()
    report = import_locations(text=text, fmt="csv", source="import")
    assert (report.created, report.updated) == (0, 2)
    assert (Location.objects.count(), EVSE.objects.count(), Connector.objects.count()) == (2, 2, 3)
    again = _rows(_export_csv())
    assert [row[:-1] for row in again] == [row[:-1] for row in _rows(text)]
    assert {row[-1] for row in again[1:]} == {"import"}


def test_csv_import_creates_new_locations_with_their_region():
    save(location_data(ocpi_id="A"), region="Chuy")
    text = _export_csv()
    Location.objects.all().delete()
    report = import_locations(text=text, fmt="csv", source="import")
    assert report.created == 1
    location = Location.objects.get()
    assert (location.region, location.source, location.evse_count) == ("Chuy", "import", 1)


def test_a_bad_row_rejects_the_whole_file_with_a_report_of_every_row():
    save(location_data(ocpi_id="A"))
    save(location_data(ocpi_id="B", lat=42.9))
    rows = _rows(_export_csv())
    header = rows[0]
    rows[1][header.index("max_voltage")] = "high"
    rows[2][header.index("standard")] = "SCART"
    rows[2][header.index("location_name")] = "Renamed"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    with pytest.raises(ImportRejected) as info:
        import_locations(text=out.getvalue(), fmt="csv", source="import")
    rejected = [(r.where, r.field) for r in info.value.report.rejected]
    assert rejected == [("row 2", "max_voltage"), ("row 3", "standard")]
    assert not Location.objects.filter(name="Renamed").exists()


def test_missing_column_is_named():
    with pytest.raises(InvalidInput) as info:
        import_locations(text="country_code,party_id\nKG,TST\n", fmt="csv", source="import")
    assert info.value.field == "operator_name"


def test_ocpi_json_import_takes_one_object_or_a_list():
    one = location_data(ocpi_id="J1")
    assert import_locations(text=json.dumps(one), fmt="json", source="import").created == 1
    many = [location_data(ocpi_id="J1"), location_data(ocpi_id="J2", lat=42.5)]
    report = import_locations(text=json.dumps(many), fmt="json", source="import")
    assert (report.created, report.updated) == (1, 1)


def test_ocpi_json_duplicate_ids_in_one_file_are_rejected():
    many = [location_data(ocpi_id="J1"), location_data(ocpi_id="J1")]
    with pytest.raises(ImportRejected) as info:
        import_locations(text=json.dumps(many), fmt="json", source="import")
    assert info.value.report.rejected[0].where == "object 1"
    assert Location.objects.count() == 0


def test_import_command_exits_2_on_bad_input_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([location_data(ocpi_id="OK"), {"id": "broken"}]))
    with pytest.raises(CommandError) as info:
        call_command("import", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
    assert info.value.returncode == 2
    assert Location.objects.count() == 0
    unknown = tmp_path / "file.txt"
    unknown.write_text("x")
    with pytest.raises(CommandError) as info:
        call_command("import", str(unknown))
    assert info.value.returncode == 2


def test_import_command_reports_counts(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(location_data(ocpi_id="OK")))
    out = io.StringIO()
    call_command("import", str(good), stdout=out)
    assert json.loads(out.getvalue()) == {"created": 1, "updated": 0, "rejected": []}


def test_a_csv_row_with_missing_or_extra_cells_is_rejected_not_a_crash():
    """Found by tests/core/test_fuzz.py: DictReader pads a short row with None (a 500)."""
    columns = exchange.CSV_COLUMNS
    text = ",".join(columns) + "\nKG,TST\n" + ",".join(["x"] * (len(columns) + 2))
    with pytest.raises(ImportRejected) as rejected:
        import_locations(text=text, fmt="csv", source="import")
    assert [(r.where, r.field) for r in rejected.value.report.rejected] == [
        ("row 2", "row"),
        ("row 3", "row"),
    ]


def test_a_file_that_is_not_csv_is_refused_naming_the_file():
    """Found by tests/core/test_fuzz.py: a bare carriage return inside a field was a 500."""
    text = ",".join(exchange.CSV_COLUMNS) + "\na\rb"
    with pytest.raises(InvalidInput, match="not a CSV file") as refused:
        import_locations(text=text, fmt="csv", source="import")
    assert refused.value.field == "file"
