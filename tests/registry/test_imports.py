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


# The file as a whole (issue 10) ---------------------------------------------------------------


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _exported_rows() -> list[list[str]]:
    """The export of one location with two EVSEs, the first with two connectors, as rows."""
    save(
        location_data(
            ocpi_id="A",
            evses=[
                evse("A-1", connector("1"), connector("2", "IEC_62196_T2_COMBO")),
                evse("A-2", connector("1")),
            ],
        )
    )
    rows = _rows(_export_csv())
    Location.objects.all().delete()
    return rows


def test_a_column_given_twice_is_refused_naming_it():
    rows = _exported_rows()
    header = rows[0]
    rows = [[*row, row[header.index("city")]] for row in rows]
    with pytest.raises(InvalidInput, match="appears twice") as refused:
        import_locations(text=_csv(rows), fmt="csv", source="import")
    assert refused.value.field == "city"
    assert Location.objects.count() == 0


def test_an_unknown_column_is_refused_naming_it():
    rows = _exported_rows()
    rows = [[*rows[0], "postal_cod"], *([*row, "720001"] for row in rows[1:])]
    with pytest.raises(InvalidInput, match="unknown column") as refused:
        import_locations(text=_csv(rows), fmt="csv", source="import")
    assert refused.value.field == "postal_cod"


@pytest.mark.parametrize(("fmt", "text"), [("csv", ",".join(exchange.CSV_COLUMNS)), ("json", "[]")])
def test_a_file_with_nothing_to_import_is_refused_naming_the_file(fmt, text):
    with pytest.raises(InvalidInput, match="nothing to import") as refused:
        import_locations(text=text, fmt=fmt, source="import")
    assert refused.value.field == "file"


def test_a_file_over_the_row_limit_is_refused_naming_the_file(settings):
    settings.KUBAT_IMPORT_MAX_ROWS = 2
    rows = _exported_rows()
    assert len(rows) == 4  # the header and three connectors
    with pytest.raises(InvalidInput, match="more than 2 rows") as refused:
        import_locations(text=_csv(rows), fmt="csv", source="import")
    assert refused.value.field == "file"
    objects = json.dumps([location_data(ocpi_id=i) for i in ("J1", "J2", "J3")])
    with pytest.raises(InvalidInput, match="more than 2"):
        import_locations(text=objects, fmt="json", source="import")
    assert Location.objects.count() == 0


def test_rows_of_one_location_or_evse_that_disagree_are_rejected_naming_row_and_column():
    rows = _exported_rows()
    header = rows[0]
    rows[2][header.index("location_name")] = "Another name"  # row 3: the location's second row
    rows[3][header.index("evse_status")] = "OUTOFORDER"  # row 4: EVSE A-2's only row, fine
    rows[2][header.index("evse_status")] = "OUTOFORDER"  # also row 3, but one reason a row
    with pytest.raises(ImportRejected) as rejected:
        import_locations(text=_csv(rows), fmt="csv", source="import")
    assert [(r.where, r.field) for r in rejected.value.report.rejected] == [
        ("row 3", "location_name")
    ]
    assert "row 2" in rejected.value.report.rejected[0].reason
    assert Location.objects.count() == 0


def test_an_evse_row_that_disagrees_with_the_evses_first_row_is_rejected():
    rows = _exported_rows()
    header = rows[0]
    rows[2][header.index("evse_status")] = "OUTOFORDER"  # row 3: EVSE A-1's second connector
    with pytest.raises(ImportRejected) as rejected:
        import_locations(text=_csv(rows), fmt="csv", source="import")
    assert [(r.where, r.field) for r in rejected.value.report.rejected] == [
        ("row 3", "evse_status")
    ]


def test_a_connector_given_on_two_rows_is_rejected_naming_the_second_row():
    rows = _exported_rows()
    rows.append(list(rows[1]))
    with pytest.raises(ImportRejected) as rejected:
        import_locations(text=_csv(rows), fmt="csv", source="import")
    [only] = rejected.value.report.rejected
    assert (only.where, only.field) == ("row 5", "connector_id")
    assert "already given at row 2" in only.reason
    assert Location.objects.count() == 0


def test_an_evse_uid_given_twice_in_a_location_is_rejected_not_a_500():
    """Two EVSEs under one uid (any case, as OCPI compares CiStrings) broke the unique key."""
    data = location_data(ocpi_id="J1", evses=[evse("E-1"), evse("e-1")])
    with pytest.raises(ImportRejected) as rejected:
        import_locations(text=json.dumps(data), fmt="json", source="import")
    [only] = rejected.value.report.rejected
    assert (only.where, only.field) == ("object 0", "evses.1.uid")
    assert Location.objects.count() == 0


def test_a_connector_id_given_twice_in_an_evse_is_rejected_not_a_500():
    data = location_data(ocpi_id="J1", evses=[evse("E-1", connector("1"), connector("1"))])
    with pytest.raises(ImportRejected) as rejected:
        import_locations(text=json.dumps(data), fmt="json", source="import")
    assert rejected.value.report.rejected[0].field == "evses.0.connectors.1.id"


def test_import_command_refuses_a_file_over_the_size_limit_before_reading_it(
    tmp_path, settings, monkeypatch
):
    settings.KUBAT_IMPORT_MAX_BYTES = 100
    big = tmp_path / "big.json"
    big.write_text(json.dumps([location_data(ocpi_id="J1")]))

    def never(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(type(big), "read_text", never)
    with pytest.raises(CommandError, match="more than 100 accepted") as refused:
        call_command("import", str(big), stdout=io.StringIO(), stderr=io.StringIO())
    assert refused.value.returncode == 2
    assert Location.objects.count() == 0
