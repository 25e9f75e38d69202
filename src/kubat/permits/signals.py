"""Signals the permit lifecycle sends, so that apps above permits can follow a case without
permits importing them (the layers forbid it).

`permit_issued(sender=PermitCase, case=…, at=…)` is sent inside the issuing transaction when a
new permit is issued; a receiver that raises rolls the issue back with it. The PPP calls
(`kubat.ppp`) listen to put an awarded site in the registry as pipeline.
"""

from __future__ import annotations

from django.dispatch import Signal

permit_issued = Signal()
