"""Broker input from the web: a textarea of vehicles, or a CSV of declarations.

CSV columns: declarant_kind, declarant_tax_id, vin, make, model, powertrain, and optionally
model_year, battery_kwh, tariff_code, declarant_name, declarant_citizenship,
declarant_residence, declaration_number. Rows are grouped by
declarant into one request each. The file is all-or-nothing: any malformed line or invalid
declarant rejects the whole file, every problem reported with its line, before anything is
recorded; well-formed files then get a decision per VIN.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

from kubat.core import csvsafe
from kubat.core.errors import InvalidInput
from kubat.quotas.identifiers import validate_tax_id
from kubat.quotas.services import DeclarantIn, VehicleIn

CSV_REQUIRED = ("declarant_kind", "declarant_tax_id", "vin", "make", "model", "powertrain")


@dataclass(slots=True)
class ParsedUpload:
    requests: dict[tuple[str, str], tuple[DeclarantIn, str, list[VehicleIn]]] = field(
        default_factory=dict
    )
    problems: list[str] = field(default_factory=list)


def _vehicle(values: dict[str, str]) -> VehicleIn:
    year_text = (values.get("model_year") or "").strip()
    kwh_text = (values.get("battery_kwh") or "").strip()
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if year_text and not (year_text.isascii() and year_text.isdecimal()):
        raise InvalidInput(gettext("model year must be a number"), field="model_year")
    try:
        kwh = Decimal(kwh_text) if kwh_text else None
    except InvalidOperation:
        raise InvalidInput(gettext("battery kWh must be a number"), field="battery_kwh") from None
    # The same bounds as the API's VehicleIn: the column holds 6 digits with one decimal, and
    # NaN or 1e9 would otherwise fail only when saved.
    if kwh is not None and not (
        kwh.is_finite() and 0 <= kwh <= 1000 and kwh == kwh.quantize(Decimal("0.1"))
    ):
        raise InvalidInput(
            gettext("battery kWh must be between 0 and 1000 with at most one decimal"),
            field="battery_kwh",
        )
    if not all((values.get(k) or "").strip() for k in ("vin", "make", "model", "powertrain")):
        raise InvalidInput(gettext("vin, make, model and powertrain are required"), field="vehicle")
    return VehicleIn(
        vin=values["vin"].strip(),
        make=values["make"].strip(),
        model=values["model"].strip(),
        powertrain=values["powertrain"].strip(),
        model_year=int(year_text) if year_text else None,
        battery_kwh=kwh,
        tariff_code=(values.get("tariff_code") or "").strip(),
    )


def parse_vehicle_lines(text: str) -> tuple[list[VehicleIn], list[str]]:
    """Lines `VIN, make, model, powertrain[, model year[, battery kWh]]`; blank lines skipped."""
    vehicles, problems = [], []
    names = ("vin", "make", "model", "powertrain", "model_year", "battery_kwh")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        values = dict(zip(names, (p.strip() for p in line.split(",")), strict=False))
        try:
            vehicles.append(_vehicle(values))
        except InvalidInput as exc:
            problems.append(f"line {number}: {exc.message}")
    return vehicles, problems


def parse_declared_lines(text: str) -> tuple[list[VehicleIn], list[str]]:
    """Customs' lines `VIN, make, model, powertrain, tariff code, customs value, currency,
    origin[, model year]`; blank lines skipped; every bad line reported."""
    vehicles, problems = [], []
    names = (
        "vin",
        "make",
        "model",
        "powertrain",
        "tariff_code",
        "customs_value",
        "currency",
        "origin_country",
        "model_year",
    )
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        values = dict(zip(names, (p.strip() for p in line.split(",")), strict=False))
        try:
            base = _vehicle(values)
            value_text = values.get("customs_value") or ""
            try:
                value = Decimal(value_text) if value_text else None
            except InvalidOperation:
                raise InvalidInput(
                    gettext("customs value must be a number"), field="customs_value"
                ) from None
            if value is not None and not (value.is_finite() and value > 0):
                raise InvalidInput(gettext("customs value must be positive"), field="customs_value")
            vehicles.append(
                replace(
                    base,
                    customs_value=value,
                    currency=(values.get("currency") or "").strip().upper(),
                    origin_country=(values.get("origin_country") or "").strip().upper(),
                )
            )
        except InvalidInput as exc:
            problems.append(f"line {number}: {exc.message}")
    if not vehicles and not problems:
        problems.append("list at least one vehicle")
    return vehicles, problems


def parse_csv(*, text: str, country_code: str) -> ParsedUpload:
    """Requests grouped by declarant, or every problem with its line.

    Raises InvalidInput(field="file") when the text is not a CSV the csv module can read.
    """
    parsed = ParsedUpload()
    reader = csvsafe.DictReader(io.StringIO(text))
    try:
        return _parse_rows(reader, parsed, country_code=country_code)
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise InvalidInput(
            gettext("not a readable CSV: %(exc)s") % {"exc": exc}, field="file"
        ) from None


def _parse_rows(
    reader: csv.DictReader[str], parsed: ParsedUpload, *, country_code: str
) -> ParsedUpload:
    missing = [c for c in CSV_REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        parsed.problems.append(f"header lacks {', '.join(missing)}")
        return parsed
    for line, row in enumerate(reader, start=2):
        kind = (row.get("declarant_kind") or "").strip().lower()
        try:
            tax_id = validate_tax_id(
                country_code=country_code, kind=kind, tax_id=row.get("declarant_tax_id") or ""
            )
            vehicle = _vehicle(row)
        except InvalidInput as exc:
            parsed.problems.append(f"line {line}: {exc.message}")
            continue
        key = (kind, tax_id)
        if key not in parsed.requests:
            declarant = DeclarantIn(
                kind=kind,
                tax_id=tax_id,
                name=(row.get("declarant_name") or "").strip(),
                citizenship=(row.get("declarant_citizenship") or "").strip().upper(),
                residence_country=(row.get("declarant_residence") or "").strip().upper(),
            )
            parsed.requests[key] = (declarant, (row.get("declaration_number") or "").strip(), [])
        parsed.requests[key][2].append(vehicle)
    if not parsed.requests and not parsed.problems:
        parsed.problems.append("the file has no rows")
    return parsed


def decode_csv_upload(data: bytes) -> str:
    """The uploaded bytes as text: UTF-8 (a BOM from Excel is dropped), else InvalidInput."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            gettext("the file is not UTF-8 text (byte %(start)s); save the CSV as UTF-8")
            % {"start": exc.start},
            field="file",
        ) from None
