"""`kubat export`: the public registry as CSV (a row per connector) or GeoJSON."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kubat.core.countries import to_alpha2
from kubat.core.errors import KubatError
from kubat.registry import exchange, selectors


class Command(BaseCommand):
    help = "Export public locations as CSV or GeoJSON to stdout or a file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", choices=["csv", "geojson"], default="csv")
        parser.add_argument("--country", help="Only this country (alpha-2 or alpha-3).")
        parser.add_argument("-o", "--output", help="File to write; default stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            country = to_alpha2(options["country"]) if options["country"] else None
        except KubatError as exc:
            raise CommandError(f"{exc.field}: {exc.message}", returncode=2) from exc
        stream = exchange.stream_csv if options["format"] == "csv" else exchange.stream_geojson
        chunks = stream(selectors.iter_locations(country_code=country), generated_at=timezone.now())
        out = open(options["output"], "w", encoding="utf-8") if options["output"] else sys.stdout  # noqa: SIM115
        try:
            for chunk in chunks:
                out.write(chunk)
        finally:
            if out is not sys.stdout:
                out.close()
