from django.contrib import admin
from django.http import HttpRequest

from kubat.accounts.models import ApiToken, LanguagePreference, Membership, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "country_code", "tax_id"]
    list_filter = ["kind", "country_code"]
    search_fields = ["name", "tax_id"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "organisation"]
    autocomplete_fields = ["organisation"]


@admin.register(LanguagePreference)
class LanguagePreferenceAdmin(admin.ModelAdmin[LanguagePreference]):
    """The language each person's e-mails are written in; set here, it is kept (chosen)."""

    list_display = ["user", "language", "chosen", "updated_at"]
    list_filter = ["language", "chosen"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]

    def save_model(
        self, request: HttpRequest, obj: LanguagePreference, form: object, change: bool
    ) -> None:
        obj.chosen = True  # an administrator's setting is a choice, not a remembered visit
        super().save_model(request, obj, form, change)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are issued by `kubat accounts issue-token`; the admin only lists and revokes."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "digest", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
