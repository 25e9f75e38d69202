"""OCPI peers in the admin: list them, issue a Token A, register Kubat with a peer."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from kubat.core.errors import KubatError
from kubat.ocpi import client, services
from kubat.ocpi.models import Peer


class IssueTokenForm(forms.Form):
    party = forms.CharField(label=_("Party (e.g. KG*ABC)"), max_length=7)
    name = forms.CharField(label=_("Operator name"), max_length=100, required=False)


class RegisterForm(forms.Form):
    url = forms.URLField(label=_("The peer's versions URL"), assume_scheme="https")
    token = forms.CharField(label=_("Token A the peer gave us"), max_length=64)
    party = forms.CharField(label=_("The peer's party (e.g. NL*XWP)"), max_length=7)


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin[Peer]):
    """Tokens never appear here: a Token A is shown once, when issued."""

    list_display = ("name", "state", "version", "versions_url", "last_pulled_at", "updated_at")
    list_filter = ("state",)
    search_fields = ("name", "versions_url")
    exclude = ("token_a_digest", "token_digest", "their_token")
    readonly_fields = ("state", "version", "endpoints", "roles", "last_pulled_at", "versions_url")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "issue-token/",
                self.admin_site.admin_view(self.issue_token_view),
                name="ocpi_peer_issue_token",
            ),
            path(
                "register/",
                self.admin_site.admin_view(self.register_view),
                name="ocpi_peer_register",
            ),
        ]
        return extra + super().get_urls()

    def _form_page(self, request: HttpRequest, form: forms.Form, title: str) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "form": form, "title": title}
        return TemplateResponse(request, "ocpi/admin_form.html", context)

    def issue_token_view(self, request: HttpRequest) -> HttpResponse:
        form = IssueTokenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    peer, raw = services.issue_token_a(
                        party_key=form.cleaned_data["party"], name=form.cleaned_data["name"]
                    )
            except KubatError as exc:
                form.add_error("party", exc.message)
            else:
                messages.success(
                    request,
                    _("Token A for %(peer)s, shown only this once: %(token)s")
                    % {"peer": peer, "token": raw},
                )
                return redirect("admin:ocpi_peer_changelist")
        return self._form_page(request, form, str(_("Issue an OCPI Token A")))

    def register_view(self, request: HttpRequest) -> HttpResponse:
        form = RegisterForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                peer = client.register(
                    versions_url=form.cleaned_data["url"],
                    token_a=form.cleaned_data["token"],
                    party_key=form.cleaned_data["party"],
                    our_base="",
                )
            except (KubatError, client.PeerError) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Registered with %(peer)s") % {"peer": peer})
                return redirect("admin:ocpi_peer_changelist")
        return self._form_page(request, form, str(_("Register Kubat with an OCPI peer")))
