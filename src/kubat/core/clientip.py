"""The client's address, for rate limits and login lock-outs.

REMOTE_ADDR, unless KUBAT_TRUSTED_PROXY says N reverse proxies stand in front of Kubat: then
the address the first of them saw, i.e. the N-th entry of X-Forwarded-For from the right (each
proxy appends the address it received from). Entries further left were written by the client
and are never believed, so a client cannot pick its own address to dodge a limit.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    proxies = int(getattr(settings, "KUBAT_TRUSTED_PROXY", 0) or 0)
    remote = str(request.META.get("REMOTE_ADDR") or "")
    if proxies <= 0:
        return remote
    chain = [p.strip() for p in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    chain = [p for p in chain if p]
    if len(chain) < proxies:
        return remote
    candidate = chain[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
