"""`kubat import`: CSV (the export's columns) or OCPI Location JSON, all-or-nothing per file.

Every row or object is validated first; if anything is rejected, nothing is written and the
report lists each rejection with its row (CSV line number) or object index, the field and the
reason. Importing the same ids again updates those locations instead of duplicating them.

The file is judged as a whole before any row is (InvalidInput naming the field, nothing read
further): its size (KUBAT_IMPORT_MAX_BYTES, checked by the callers before they read it), UTF-8
text (the callers decode it), a CSV header of the export's columns each once and nothing else
(an unknown or repeated column would silently drop or overwrite data), at most
KUBAT_IMPORT_MAX_ROWS rows or objects, and at least one. Then across rows: a location's rows
agree on its columns and an EVSE's rows on its columns (the file says one thing of each), and a
connector is given once; across objects, a location once (the same rule as the rows).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext, ngettext
from pydantic import ValidationError

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.core import csvsafe, jsonguard, validation
from kubat.core.errors import InvalidInput, PermissionDenied
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import bounds, services
from kubat.registry.enums import Source
from kubat.registry.exchange import CSV_COLUMNS, PRICE_COLUMNS
from kubat.registry.models import Location, Party

# Derived or Kubat's own: an import may carry them (an export read back) but needs none.
REQUIRED_CSV_COLUMNS = [
    c for c in CSV_COLUMNS if c not in {"power_kw", "source", "region", "publicity", *PRICE_COLUMNS}
]
_LOCATION_COLUMNS = {
    "id": "location_id",
    "name": "location_name",
    "last_updated": "location_last_updated",
    "coordinates": "latitude",
}
_EVSE_COLUMNS = {"uid": "evse_uid", "status": "evse_status", "last_updated": "evse_last_updated"}
# The columns that describe a location (or an EVSE) rather than one connector: every row of the
# same location (EVSE) must repeat them unchanged, as the export writes them.
LOCATION_CSV_COLUMNS = [
    "operator_name",
    "location_name",
    "address",
    "city",
    "postal_code",
    "region",
    "country",
    "latitude",
    "longitude",
    "time_zone",
    "parking_type",
    "facilities",
    "opening_times",
    "location_last_updated",
    "publicity",
    "source",
]
EVSE_CSV_COLUMNS = ["evse_id", "evse_status", "capabilities", "evse_last_updated"]
_CONNECTOR_COLUMNS = {"id": "connector_id", "last_updated": "connector_last_updated"}


@dataclass(frozen=True, slots=True)
class Rejection:
    where: str  # "row 12" (CSV line) or "object 3" (JSON index): a locator, as in the JSON
    field: str
    reason: str

    def __str__(self) -> str:
        """The rejection as a person reads it: the locator in the active language."""
        kind, _space, number = self.where.partition(" ")
        if kind == "row":
            where = gettext("row %(number)s") % {"number": number}
        elif kind == "object":
            where = gettext("object %(number)s") % {"number": number}
        else:
            where = self.where
        return f"{where}: {self.field}: {self.reason}"


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "rejected": [
                {"where": r.where, "field": r.field, "reason": r.reason} for r in self.rejected
            ],
        }


class ImportRejected(InvalidInput):
    """The file had rejections; nothing was written. `report` lists them all."""

    def __init__(self, report: ImportReport) -> None:
        first = report.rejected[0]
        super().__init__(
            ngettext(
                "%(count)d rejection, nothing imported: %(first)s",
                "%(count)d rejections, nothing imported; first: %(first)s",
                len(report.rejected),
            )
            % {"count": len(report.rejected), "first": first},
            field=first.field,
        )
        self.report = report


@dataclass(slots=True)
class _Candidate:
    data: dict[str, Any]
    region: str
    where: str
    rows: dict[str, str] = field(default_factory=dict)  # path prefix → "row N"
    demo: bool = False  # rows exported as demo stay marked demo


def _split(text: str) -> list[str]:
    return [p for p in (s.strip() for s in text.split(";")) if p]


def _none_if_blank(text: str) -> str | None:
    return text.strip() or None


def max_rows() -> int:
    """The most CSV rows (connectors) or JSON objects (locations) one file may hold."""
    return int(settings.KUBAT_IMPORT_MAX_ROWS)


def _check_header(fieldnames: Sequence[str]) -> None:
    """The export's columns, each once, nothing else; InvalidInput naming the first offender.

    DictReader keeps the last of two same-named columns and the import ignores a column it does
    not know, so either would drop what the file says without a word.
    """
    seen: set[str] = set()
    for position, name in enumerate(fieldnames, start=1):
        if name in seen:
            raise InvalidInput(
                gettext("column %(name)s appears twice (again as column %(position)s)")
                % {"name": repr(name), "position": position},
                field=name,
            )
        seen.add(name)
        if name not in CSV_COLUMNS:
            raise InvalidInput(
                gettext(
                    "unknown column %(name)s (column %(position)s); the columns are those of "
                    "the export (docs/open-data.md)"
                )
                % {"name": repr(name), "position": position},
                field=name or "file",
            )
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in seen]
    if missing:
        raise InvalidInput(
            gettext("missing column(s): %(missing)s") % {"missing": ", ".join(missing)},
            field=missing[0],
        )


def _disagreement(row: dict[str, str], first: dict[str, str], columns: Sequence[str]) -> str | None:
    """The first of `columns` (present in the file) where `row` differs from `first`."""
    return next((c for c in columns if c in row and row[c] != first[c]), None)


def _csv_candidates(text: str, report: ImportReport) -> list[_Candidate]:
    lines = [line for line in io.StringIO(text) if not line.startswith("#")]
    reader = csvsafe.DictReader(lines)
    _check_header(reader.fieldnames or [])
    comment_lines = sum(1 for line in io.StringIO(text) if line.startswith("#"))
    groups: dict[tuple[str, str, str], _Candidate] = {}
    # The first row of each location, EVSE and connector: what later rows must agree with.
    first_rows: dict[tuple[str, ...], tuple[str, dict[str, str]]] = {}
    width = len(reader.fieldnames or [])
    limit = max_rows()
    index = -1
    for index, raw in enumerate(reader):
        where = f"row {index + 2 + comment_lines}"
        if index >= limit:
            raise InvalidInput(
                gettext("more than %(limit)s rows (KUBAT_IMPORT_MAX_ROWS); split the file")
                % {"limit": limit},
                field="file",
            )
        # DictReader pads a short row with None and files a long one's extra cells under None.
        if None in raw or any(v is None for v in raw.values()):
            cells = sum(1 for k, v in raw.items() if k is not None and v is not None) + len(
                raw.get(None) or []
            )
            report.rejected.append(
                Rejection(
                    where,
                    "row",
                    gettext("%(cells)s cells, the header has %(width)s columns")
                    % {"cells": cells, "width": width},
                )
            )
            continue
        # Cells the export neutralised against formulas (core.csvsafe) read back as written.
        row = {k: csvsafe.restore_cell(v) for k, v in raw.items()}
        key = (row["country_code"].upper(), row["party_id"].upper(), row["location_id"])
        problem = _repeated_or_contradicting(row, key, where, first_rows)
        if problem is not None:
            report.rejected.append(problem)
            continue
        candidate = groups.get(key)
        if candidate is None:
            try:
                hours = json.loads(row["opening_times"]) if row["opening_times"].strip() else None
            except json.JSONDecodeError:
                report.rejected.append(Rejection(where, "opening_times", gettext("not valid JSON")))
                continue
            candidate = groups[key] = _Candidate(
                data={
                    "country_code": row["country_code"],
                    "party_id": row["party_id"],
                    "id": row["location_id"],
                    "publish": True,
                    "name": _none_if_blank(row["location_name"]),
                    "address": row["address"],
                    "city": row["city"],
                    "postal_code": _none_if_blank(row["postal_code"]),
                    "country": row["country"],
                    "coordinates": {"latitude": row["latitude"], "longitude": row["longitude"]},
                    "parking_type": _none_if_blank(row["parking_type"]),
                    "facilities": _split(row["facilities"]) or None,
                    "time_zone": row["time_zone"],
                    "opening_times": hours,
                    "operator": {"name": row["operator_name"]} if row["operator_name"] else None,
                    "evses": [],
                    "last_updated": row["location_last_updated"],
                },
                region=row.get("region") or "",
                where=where,
                demo=row.get("source") == Source.DEMO,
            )
            candidate.rows[""] = where
        evses = candidate.data["evses"]
        evse = next((e for e in evses if e["uid"] == row["evse_uid"]), None)
        if evse is None:
            evse = {
                "uid": row["evse_uid"],
                "evse_id": _none_if_blank(row["evse_id"]),
                "status": row["evse_status"],
                "capabilities": _split(row["capabilities"]) or None,
                "connectors": [],
                "last_updated": row["evse_last_updated"],
            }
            candidate.rows[f"evses.{len(evses)}"] = where
            evses.append(evse)
        prefix = f"evses.{evses.index(evse)}.connectors.{len(evse['connectors'])}"
        candidate.rows[prefix] = where
        evse["connectors"].append(
            {
                "id": row["connector_id"],
                "standard": row["standard"],
                "format": row["format"],
                "power_type": row["power_type"],
                "max_voltage": row["max_voltage"],
                "max_amperage": row["max_amperage"],
                "max_electric_power": _none_if_blank(row["max_electric_power"]),
                "last_updated": row["connector_last_updated"],
            }
        )
    if index < 0:
        raise InvalidInput(
            gettext("the file has a header and no rows: nothing to import"), field="file"
        )
    return list(groups.values())


def _repeated_or_contradicting(
    row: dict[str, str],
    key: tuple[str, str, str],
    where: str,
    first_rows: dict[tuple[str, ...], tuple[str, dict[str, str]]],
) -> Rejection | None:
    """A row that gives a connector again, or says another thing of its location or EVSE than
    the first row of that location or EVSE did; None for a row that agrees (and is recorded)."""
    evse_key: tuple[str, ...] = (*key, row["evse_uid"])
    connector_key: tuple[str, ...] = (*evse_key, row["connector_id"])
    if connector_key in first_rows:
        return Rejection(
            where,
            "connector_id",
            gettext("connector %(connector)s of EVSE %(evse)s is already given at %(where)s")
            % {
                "connector": row["connector_id"],
                "evse": row["evse_uid"],
                "where": first_rows[connector_key][0],
            },
        )
    checks: list[tuple[tuple[str, ...], list[str], str]] = [
        (key, LOCATION_CSV_COLUMNS, gettext("differs from %(where)s, this location's first row")),
        (evse_key, EVSE_CSV_COLUMNS, gettext("differs from %(where)s, this EVSE's first row")),
    ]
    for scope, columns, differs in checks:
        if scope not in first_rows:
            continue
        first_where, first = first_rows[scope]
        column = _disagreement(row, first, columns)
        if column is not None:
            return Rejection(where, column, differs % {"where": first_where})
    scopes: tuple[tuple[str, ...], ...] = (key, evse_key, connector_key)
    for scope in scopes:
        first_rows.setdefault(scope, (where, row))
    return None


def _csv_where_and_field(candidate: _Candidate, loc: Sequence[int | str]) -> tuple[str, str]:
    """The CSV line and column an error path points at."""
    path = [str(p) for p in loc]
    where = candidate.rows.get("")
    for depth in (4, 2):
        prefix = ".".join(path[:depth])
        if len(path) > depth and prefix in candidate.rows:
            where = candidate.rows[prefix]
            name = path[depth]
            table = _CONNECTOR_COLUMNS if depth == 4 else _EVSE_COLUMNS
            return where or candidate.where, table.get(name, name)
    name = path[0] if path else "?"
    if name == "coordinates" and len(path) > 1:
        return where or candidate.where, path[1]
    return where or candidate.where, _LOCATION_COLUMNS.get(name, name)


def _reason(error: Any) -> str:
    """Pydantic's message in the reader's language, shortened where it would list forty enum
    values."""
    if error["type"] == "enum":
        return gettext("%(value)r is not a known value") % {"value": error["input"]}
    return validation.message(error)


def _json_candidates(text: str) -> list[_Candidate]:
    try:
        payload = json.loads(text, parse_constant=jsonguard.reject_constant)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            gettext("not JSON: %(msg)s at line %(lineno)s")
            % {"msg": exc.msg, "lineno": exc.lineno},
            field="file",
        ) from exc
    except (RecursionError, ValueError):
        payload = jsonguard.loads(text, field="file")  # names what is wrong, as InvalidInput
    jsonguard.check(payload, field="file")
    objects = payload if isinstance(payload, list) else [payload]
    if not objects:
        raise InvalidInput(gettext("the file is an empty list: nothing to import"), field="file")
    if len(objects) > max_rows():
        raise InvalidInput(
            gettext(
                "%(count)s objects, more than %(limit)s (KUBAT_IMPORT_MAX_ROWS); split the file"
            )
            % {"count": len(objects), "limit": max_rows()},
            field="file",
        )
    candidates = []
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict):
            raise InvalidInput(
                gettext("object %(index)s is not a JSON object") % {"index": index}, field="file"
            )
        candidates.append(_Candidate(data=obj, region="", where=f"object {index}"))
    return candidates


def assert_may_import(*, actor: account_services.AnyUser) -> None:
    """Only the secretariat and operators write locations: checked before a file is read or
    parsed, so nobody else can make Kubat parse anything (PermissionDenied, 403)."""
    if not (
        account_services.has_role(actor, Role.SECRETARIAT)
        or account_services.has_role(actor, Role.OPERATOR)
    ):
        raise PermissionDenied(
            gettext("importing locations needs the secretariat or operator role")
        )


def import_locations(
    *,
    text: str,
    fmt: str,
    source: str,
    actor: account_services.AnyUser | None = None,
) -> ImportReport:
    """Validate every location in `text`, then write them all, or raise ImportRejected.

    A row older than the location Kubat holds (its last_updated) is a rejection too: an
    import never overwrites newer data, and the file lands whole or not at all.

    `fmt` is "csv" or "json". Parties are created on first sight. With an `actor`, each
    party must be theirs to write (services.assert_can_write); without one (the command line,
    run by the secretariat) any party may be written.
    """
    report = ImportReport()
    if fmt == "csv":
        try:
            candidates = _csv_candidates(text, report)
        except csv.Error as exc:  # e.g. a bare carriage return inside a field
            raise InvalidInput(
                gettext("not a CSV file: %(error)s") % {"error": exc}, field="file"
            ) from None
    elif fmt == "json":
        candidates = _json_candidates(text)
    else:
        raise InvalidInput(gettext("format must be csv or json"), field="file_format")
    valid: list[tuple[ocpi.Location, str, str, str]] = []
    seen: dict[tuple[str, str, str], str] = {}
    for candidate in candidates:
        try:
            obj = ocpi.Location.model_validate(candidate.data)
        except ValidationError as exc:
            for error in exc.errors():
                if fmt == "csv":
                    where, name = _csv_where_and_field(candidate, error["loc"])
                else:
                    where, name = candidate.where, ".".join(str(p) for p in error["loc"])
                report.rejected.append(Rejection(where, name, _reason(error)))
            continue
        try:
            bounds.check_location(obj.model_dump(mode="json"))
        except InvalidInput as exc:
            loc = [int(p) if p.isdigit() else p for p in (exc.field or "").split(".")]
            if fmt == "csv":
                where, name = _csv_where_and_field(candidate, loc)
            else:
                where, name = candidate.where, exc.field or ""
            report.rejected.append(Rejection(where, name, exc.message.split(": ", 1)[-1]))
            continue
        key = (obj.country_code.upper(), obj.party_id.upper(), obj.id)
        if key in seen:
            report.rejected.append(
                Rejection(
                    candidate.where,
                    "id",
                    gettext("location %(id)s already given at %(value)s")
                    % {"id": obj.id, "value": seen[key]},
                )
            )
            continue
        seen[key] = candidate.where
        valid.append(
            (obj, candidate.region, Source.DEMO if candidate.demo else source, candidate.where)
        )
    if report.rejected:
        raise ImportRejected(report)
    _write(valid, actor=actor, report=report)
    return report


def _known_ids(party: Party) -> set[str]:
    """The party's location ids as CiStrings (upper-cased), in one query: an import of 300,000
    new locations asked for them one by one (services.find_location), a query each."""
    rows = Location.objects.filter(party=party).values_list("ocpi_id", flat=True)
    return {ocpi_id.upper() for ocpi_id in rows}


def _write(
    valid: list[tuple[ocpi.Location, str, str, str]],
    *,
    actor: account_services.AnyUser | None,
    report: ImportReport,
) -> None:
    parties: dict[tuple[str, str], Party] = {}
    known: dict[int, set[str]] = {}  # party pk → its location ids, upper-cased (CiString)
    new: dict[str, list[tuple[Party, ocpi.Location, str]]] = {}
    for obj, region, source, where in valid:
        key = (obj.country_code.upper(), obj.party_id.upper())
        party = parties.get(key)
        if party is None:
            name = obj.operator.name if obj.operator else ""
            party = parties[key] = services.get_or_create_party(
                country_code=key[0], party_id=key[1], name=name, source=source
            )
            if actor is not None:
                services.assert_can_write(user=actor, party=party)
            known[party.pk] = _known_ids(party)
        if obj.id.upper() not in known[party.pk]:
            new.setdefault(source, []).append((party, obj, region))
            continue
        try:
            services.save_location(party=party, data=obj, source=source, region=region)
        except services.OutOfOrder as exc:
            report.rejected.append(Rejection(where, exc.field or "last_updated", exc.message))
        else:
            report.updated += 1
    if report.rejected:
        raise ImportRejected(report)
    for source, items in sorted(new.items()):
        services.bulk_create_locations(items=items, source=source)
        report.created += len(items)
