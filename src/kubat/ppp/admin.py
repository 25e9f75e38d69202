from django.contrib import admin

from kubat.ppp.models import Call


@admin.register(Call)
class CallAdmin(admin.ModelAdmin[Call]):
    list_display = ["reference", "place", "region", "deadline_at", "status", "awarded_to"]
    list_filter = ["country_code", "status"]
    # Expressions are not listed here: their contents are the investors' and the secretariat
    # reads them on the call's page, where the visibility rule lives (selectors).
