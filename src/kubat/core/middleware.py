"""Request guards that hold for every app."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

NUL = "\x00"


def _nul_field(request: HttpRequest) -> str | None:
    """The name of the first query or form field holding a NUL character, if any."""
    if NUL in request.path:
        return "path"
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in v for v in values):
            return name
    content_type = request.content_type or ""
    if request.method in {"POST", "PUT", "PATCH"}:
        if content_type == "application/x-www-form-urlencoded":
            for name, values in request.POST.lists():
                if NUL in name or any(NUL in v for v in values):
                    return name
        elif content_type == "application/json" and b"\\u0000" in request.body:
            return "body"
    return None


class RefuseNulMiddleware:
    """Answer 400 to text with a NUL character, which PostgreSQL cannot store or compare.

    Left through, such a value reaches the database in a lookup or a write and comes back as a
    DataError, a 500 for what is only bad input. Multipart bodies (uploads) are not read here;
    their text fields go through forms.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = _nul_field(request)
        if field is not None:
            body = {"code": "invalid", "detail": "text may not contain a NUL character"}
            return JsonResponse({**body, "field": field}, status=400)
        return self.get_response(request)


class BoundedBodyMiddleware:
    """Refuse over-size bodies (413) and over-deep or out-of-range JSON (400) on /api/v1 before
    anything reads them (core.jsonguard). /ocpi is guarded by its transport, which answers in
    the OCPI envelope; this middleware only keeps other middleware from reading such a body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from kubat.core.jsonguard import body_problem

        if request.path.startswith("/api/v1/"):
            problem = body_problem(request)
            if problem is not None:
                return JsonResponse(problem.as_dict(), status=problem.http_status)
        return self.get_response(request)
