from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from encounters.models import (
    Administration,
    AdministrationEvent,
    AuditEntry,
    Chair,
    Encounter,
    IVSite,
    Location,
    Patient,
)


class ChairInline(admin.TabularInline):
    model = Chair
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "setting", "department", "covered_340b", "timezone"]
    filter_horizontal = ["staff"]
    inlines = [ChairInline]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["name", "mrn", "date_of_birth"]
    search_fields = ["name", "mrn"]


class ReadOnlyInline(admin.TabularInline):
    # Clinical records change through the chair-side screens, which audit them.
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SiteInline(ReadOnlyInline):
    model = IVSite
    fields = ["label", "kind", "separate_access_reason"]


class AdministrationInline(ReadOnlyInline):
    model = Administration
    fields = ["drug", "method", "site", "dose_amount", "dose_unit", "started_at"]
    readonly_fields = ["started_at"]


@admin.register(Encounter)
class EncounterAdmin(admin.ModelAdmin):
    list_display = ["visit_number", "patient", "location", "date", "status"]
    list_filter = ["status", "location", "date"]
    search_fields = ["visit_number", "patient__name", "patient__mrn"]
    readonly_fields = ["version", "status", "checked_in_at", "documented_at"]
    inlines = [SiteInline, AdministrationInline]


@admin.register(AdministrationEvent)
class AdministrationEventAdmin(admin.ModelAdmin):
    """The log is append-only: the admin may read it, never change it."""

    list_display = ["administration", "kind", "at", "by", "recorded_at"]
    list_filter = ["kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(AdministrationEventAdmin):
    list_display = ["encounter", "action", "target", "by", "at"]
    list_filter = ["action"]
