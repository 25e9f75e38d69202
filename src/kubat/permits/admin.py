"""Admin: the secretariat assigns agencies to authorities per region and reads cases.

Cases change only through the single window's services (so that deadlines and the audit trail
stay right); the admin shows them read-only.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from kubat.permits.models import AgencyAssignment, Approval, AuditEntry, PermitCase


@admin.register(AgencyAssignment)
class AgencyAssignmentAdmin(admin.ModelAdmin[AgencyAssignment]):
    list_display = ("country_code", "authority", "region", "agency")
    list_filter = ("country_code", "authority")
    search_fields = ("region", "agency__name")


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ApprovalInline(ReadOnly, admin.TabularInline[Approval, PermitCase]):
    model = Approval
    fields = ("code", "agency", "status", "started_at", "due_at", "decided_at", "within_deadline")
    extra = 0


class AuditInline(ReadOnly, admin.TabularInline[AuditEntry, PermitCase]):
    model = AuditEntry
    fields = ("at", "action", "actor_label", "approval", "note")
    extra = 0


@admin.register(PermitCase)
class PermitCaseAdmin(ReadOnly, admin.ModelAdmin[PermitCase]):
    list_display = ("pk", "country_code", "site_name", "applicant", "track", "status", "source")
    list_filter = ("country_code", "status", "track", "source")
    search_fields = ("site_name", "permit_number", "applicant__name")
    inlines = (ApprovalInline, AuditInline)
