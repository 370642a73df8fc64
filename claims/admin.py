from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from claims.models import Charge


@admin.register(Charge)
class ChargeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "price", "effective", "created_by", "created_at"]
    search_fields = ["code"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(
        self, request: HttpRequest, obj: Charge, form: Any, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
