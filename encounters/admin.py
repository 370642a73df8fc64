from typing import Any, TypeVar

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from encounters.models import (
    Administration,
    AdministrationEvent,
    AuditEntry,
    Chair,
    Coverage,
    Encounter,
    IVSite,
    Location,
    OpeningHours,
    Patient,
)

_Child = TypeVar("_Child", bound=models.Model)
_Logged = TypeVar("_Logged", bound=models.Model)


class ChairInline(admin.TabularInline[Chair, Location]):
    model = Chair
    extra = 0


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin[OpeningHours]):
    """Each location's opening hours per weekday: what the chair-use report
    measures against."""

    list_display = ["location", "weekday", "opens", "closes"]
    list_filter = ["location"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    list_display = [
        "name",
        "setting",
        "department",
        "covered_340b",
        "billing_provider",
        "supervising_practitioner",
        "timezone",
    ]
    filter_horizontal = ["staff"]
    inlines = [ChairInline]


class CoverageInline(admin.TabularInline[Coverage, Patient]):
    # Registration changes through its own pages, which audit them.
    model = Coverage
    extra = 0
    can_delete = False
    fields = ["order", "payer", "member_id", "effective_from", "effective_to"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin[Patient]):
    list_display = ["name", "mrn", "date_of_birth", "sex"]
    search_fields = ["name", "mrn"]
    inlines = [CoverageInline]


class ReadOnlyInline(admin.TabularInline[_Child, Encounter]):
    # Clinical records change through the chair-side screens, which audit them.
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SiteInline(ReadOnlyInline[IVSite]):
    model = IVSite
    fields = ["label", "kind", "separate_access_reason"]


class AdministrationInline(ReadOnlyInline[Administration]):
    model = Administration
    fields = ["drug", "method", "site", "dose_amount", "dose_unit", "started_at"]
    readonly_fields = ["started_at"]


@admin.register(Encounter)
class EncounterAdmin(admin.ModelAdmin[Encounter]):
    list_display = ["visit_number", "patient", "location", "date", "status"]
    list_filter = ["status", "location", "date"]
    search_fields = ["visit_number", "patient__name", "patient__mrn"]
    readonly_fields = ["version", "status", "checked_in_at", "documented_at"]
    inlines = [SiteInline, AdministrationInline]


@admin.register(AdministrationEvent)
class AdministrationEventAdmin(admin.ModelAdmin[_Logged]):
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
class AuditEntryAdmin(AdministrationEventAdmin[AuditEntry]):
    list_display = ["encounter", "patient", "action", "target", "by", "at"]
    list_filter = ["action"]
