from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from payers.models import (
    Authorisation,
    AuthorisationRequirement,
    DrugOverride,
    Payer,
    PolicyVersion,
)
from payers.policy_keys import POLICY_KEY_NAMES


class AuthorisationRequirementInline(
    admin.TabularInline[AuthorisationRequirement, Payer]
):
    model = AuthorisationRequirement
    extra = 0


@admin.register(Payer)
class PayerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "payer_id"]
    list_filter = ["kind"]
    search_fields = ["name", "payer_id"]
    inlines = [AuthorisationRequirementInline]


class CodeListField(forms.Field):
    """A list of codes typed as text, "J1745, J9271"; the model checks each
    and says what is missing."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return value

    def to_python(self, value: Any) -> list[str]:
        return str(value or "").replace(",", " ").upper().split()


class AuthorisationForm(forms.ModelForm[Authorisation]):
    codes = CodeListField(
        label="HCPCS codes",
        required=False,
        help_text="The codes it covers, as J1745, J9271.",
    )

    class Meta:
        model = Authorisation
        fields = [
            "patient",
            "payer",
            "number",
            "codes",
            "units_approved",
            "visits_approved",
            "effective_from",
            "effective_to",
        ]


@admin.register(Authorisation)
class AuthorisationAdmin(SimpleHistoryAdmin):
    form = AuthorisationForm
    list_display = [
        "number",
        "patient",
        "payer",
        "effective_from",
        "effective_to",
        "units_approved",
        "visits_approved",
    ]
    list_filter = ["payer"]
    search_fields = ["number", "patient__name", "patient__mrn"]
    autocomplete_fields = ["patient"]
    date_hierarchy = "effective_from"


class DrugOverrideInline(admin.TabularInline[DrugOverride, PolicyVersion]):
    model = DrugOverride
    extra = 0
    fields = ["key", "category", "force_push", "note"]

    def _editable(self, obj: PolicyVersion | None) -> bool:
        return obj is None or obj.is_draft

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(SimpleHistoryAdmin):
    """Drafts can be edited here too; published and retired versions are
    read-only (a change starts a new draft on the payer's page)."""

    list_display = ["__str__", "payer", "status", "effective_from", "effective_to"]
    list_filter = ["status", "payer"]
    inlines = [DrugOverrideInline]
    fields = [
        "payer",
        "number",
        "status",
        "effective_from",
        "effective_to",
        *POLICY_KEY_NAMES,
        "notes",
        "author",
        "based_on",
        "published_at",
        "published_by",
        "publication_note",
    ]
    # Publishing goes through the payer pages (lock, overlap check,
    # re-derivation), never through a status field here.
    readonly_fields = ["status", "published_at", "published_by", "based_on"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: PolicyVersion | None = None
    ) -> Any:
        if obj is not None and not obj.is_draft:
            return self.fields
        return self.readonly_fields

    def has_delete_permission(
        self, request: HttpRequest, obj: PolicyVersion | None = None
    ) -> bool:
        if obj is not None and not obj.is_draft:
            return False
        allowed: bool = super().has_delete_permission(request, obj)
        return allowed
