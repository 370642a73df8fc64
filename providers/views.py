"""What the claims name as their providers, for coders to read: each billing
provider with the locations that bill as it, and the practitioners. Admins
change them in the Django admin."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedRequest
from accounts.roles import Role, role_required
from providers.models import BillingProvider, Practitioner


@require_GET
@role_required(Role.CODER, Role.ADMIN)
def provider_list(request: AuthenticatedRequest) -> HttpResponse:
    billing = BillingProvider.objects.prefetch_related(
        "locations__supervising_practitioner"
    )
    practitioners = Practitioner.objects.prefetch_related("supervised_locations")
    return render(
        request,
        "providers/provider_list.html",
        {"billing_providers": billing, "practitioners": practitioners},
    )
