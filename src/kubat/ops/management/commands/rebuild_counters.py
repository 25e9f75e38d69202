"""`kubat rebuild-counters`: recompute the registry's derived values and the fleet's counts.

Once after the migrations that add counters (the registry's regional counters and DC station
columns, 0006; the fleet's counts fill themselves in their migration), after a restore, or
after rows were written by SQL behind the write paths. One transaction; prints JSON.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from kubat.fleet import services as fleet_services
from kubat.registry import services as registry_services


class Command(BaseCommand):
    help = "Recompute the registry's derived values and counters and the fleet's counts."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            locations = registry_services.rebuild_derived()
            counts = fleet_services.rebuild_registration_counts()
        self.stdout.write(
            json.dumps(
                {
                    "locations": locations,
                    "registration_counts": counts,
                    "seconds": round(time.perf_counter() - started, 2),
                }
            )
        )
