from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from providers.models import BillingProvider, Practitioner


@admin.register(BillingProvider)
class BillingProviderAdmin(SimpleHistoryAdmin):
    """Which location bills as which provider is set on the location."""

    list_display = ["name", "npi", "tax_id", "taxonomy", "city", "state"]
    search_fields = ["name", "npi", "tax_id"]


@admin.register(Practitioner)
class PractitionerAdmin(SimpleHistoryAdmin):
    list_display = ["last_name", "first_name", "npi", "taxonomy"]
    search_fields = ["last_name", "first_name", "npi"]
