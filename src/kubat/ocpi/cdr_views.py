"""/ocpi/2.2.1/receiver/cdrs: the CDRs receiver (spec 10.2.2), thin as views.py is.

POST to the module URL stores a CDR (ocpi.cdrs) and answers 201 with a `Location` header, the
URL of the stored CDR; the same CDR again is answered 200 with the same header. GET of that URL
returns the CDR as received.
"""

from __future__ import annotations

from django.http import HttpRequest

from kubat.ocpi import cdrs, conf, receiver
from kubat.ocpi.transport import Caller, Reply, endpoint, json_body
from kubat.ocpi.versions import OcpiVersion
from kubat.ocpi.views import check_from


def cdr_url(
    request: HttpRequest, version: OcpiVersion, country_code: str, party_id: str, cdr_id: str
) -> str:
    """Where a stored CDR is read back (the Location header of the POST)."""
    base = f"{conf.base_url(request)}/{version.number}"
    return f"{base}/receiver/cdrs/{country_code}/{party_id}/{cdr_id}"


def _post(request: HttpRequest, caller: Caller, version: OcpiVersion) -> Reply:
    check_from(request, caller)
    cdr, created = cdrs.post_cdr(caller=caller, body=json_body(request))
    body = cdr.body
    url = cdr_url(request, version, body["country_code"], body["party_id"], cdr.ocpi_id)
    return Reply(None, http_status=201 if created else 200, headers={"Location": url})


def _get(request: HttpRequest, caller: Caller, version: OcpiVersion, **keys: str) -> Reply:
    party_pk = receiver.party_of(caller, keys["country_code"], keys["party_id"])
    return Reply(cdrs.get_cdr(party_pk=party_pk, cdr_id=keys["cdr_id"]))


receiver_cdrs = endpoint({"POST": _post})
receiver_cdr = endpoint({"GET": _get})
