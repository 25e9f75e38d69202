"""The permit of an awarded PPP site puts the site in the registry as pipeline at its issue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver

from kubat.permits import delivery
from kubat.permits.models import PermitCase
from kubat.permits.signals import permit_issued
from kubat.ppp.models import Call


@receiver(permit_issued, dispatch_uid="ppp-award-enters-pipeline")
def award_permit_enters_pipeline(
    sender: type[PermitCase], *, case: PermitCase, at: datetime, **_: Any
) -> None:
    """An issued permit of a PPP award: the site is in the registry as PLANNED from now on
    (through permits' own commissioning write, so the one write path holds)."""
    if Call.objects.filter(permit_case=case).exists():
        delivery.enter_pipeline(case=case, at=at)
