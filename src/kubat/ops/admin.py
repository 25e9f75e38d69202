"""Admin: the periodic jobs (who holds each, when next due, last outcome) and their runs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kubat.ops.models import JobRun, JobState, WorkerBeat


class ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JobState)
class JobStateAdmin(ReadOnly):
    list_display = (
        "name",
        "last_outcome",
        "last_started_at",
        "last_duration",
        "next_due_at",
        "holder",
        "lease_expires_at",
    )


@admin.register(JobRun)
class JobRunAdmin(ReadOnly):
    list_display = ("job", "started_at", "duration", "outcome", "worker", "error")
    list_filter = ("job", "outcome")
    search_fields = ("job", "worker", "error")
    date_hierarchy = "started_at"


@admin.register(WorkerBeat)
class WorkerBeatAdmin(ReadOnly):
    list_display = ("worker", "host", "pid", "started_at", "seen_at")
