"""The public API under /api/v1: one NinjaAPI, one error handler, a router per domain."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja.errors import AuthenticationError

from kubat.core import jsonguard
from kubat.core.errors import KubatError, NotAuthenticated
from kubat.fleet.api import router as fleet_router
from kubat.insights.api import router as insights_router
from kubat.openapi import KubatAPI
from kubat.permits.api import router as permits_router
from kubat.ppp.api import router as ppp_router
from kubat.quotas.api import router as quotas_router
from kubat.registry.api import router as registry_router
from kubat.reports.api import router as reports_router
from kubat.strategy.api import router as strategy_router

api = KubatAPI(
    title="Kubat API",
    version="1",
    description=(
        "Open national e-mobility data: the charging registry (OCPI 2.2.1 shaped), "
        'statistics and open data. Demo data is marked `source: "demo"`.'
    ),
    urls_namespace="api-v1",
    # The JSON body as the bounded-body middleware parsed it, not decoded a second time.
    parser=jsonguard.GuardedParser(),
)


@api.exception_handler(KubatError)
def _kubat_error(request: HttpRequest, exc: KubatError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.http_status)
    if exc.http_status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="kubat"'
    return response


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """No valid token and no logged-in session: 401 saying how to authenticate (RFC 9110)."""
    body = NotAuthenticated(
        gettext("send Authorization: Bearer <token> (kubat accounts issue-token) or log in")
    ).as_dict()
    response = api.create_response(request, body, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="kubat"'
    return response


api.add_router("/", registry_router)
api.add_router("/fleet", fleet_router)
api.add_router("/quotas", quotas_router)
api.add_router("/permits", permits_router)
api.add_router("/insights", insights_router)
api.add_router("/strategy", strategy_router)
api.add_router("/ppp", ppp_router)
api.add_router("/reports", reports_router)
