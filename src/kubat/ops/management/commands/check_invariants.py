"""`kubat check-invariants`: registry counters equal a rebuild; quota audit sums to balances.

Changes nothing (the rebuild is rolled back). Prints JSON; exit 1 when a check fails.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from kubat.ops import invariants


class Command(BaseCommand):
    help = "Check the database invariants (counters vs rebuild, audit log vs balances)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = invariants.check_all()
        self.stdout.write(json.dumps(report, indent=2))
        if not report["ok"]:
            raise CommandError(gettext("an invariant check failed"))
