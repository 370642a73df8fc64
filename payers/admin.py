from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from payers.models import DrugOverride, Payer, PolicyVersion
from payers.policy_keys import POLICY_KEY_NAMES


@admin.register(Payer)
class PayerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "payer_id"]
    list_filter = ["kind"]
    search_fields = ["name", "payer_id"]


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
