"""The price list claim lines are charged from."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedRequest, refused
from accounts.roles import Role, role_required, roles_of
from claims.forms import ChargeForm
from claims.models import Charge


@require_http_methods(["GET", "POST"])
@role_required(Role.CODER, Role.ADMIN)
def prices(request: AuthenticatedRequest) -> HttpResponse:
    """The price list claim lines are charged from; admins add dated prices."""
    may_change = Role.ADMIN in roles_of(request.user)
    form = ChargeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_change:
            return refused("Only an admin changes the price list.", status=403)
        if form.is_valid():
            charge = form.save(commit=False)
            charge.created_by = request.user
            charge.save()
            messages.success(
                request,
                f"{charge.code} is {charge.price} a unit from {charge.effective}.",
            )
            return redirect("claims:prices")
        status = 422
    context: dict[str, Any] = {
        "form": form,
        "may_change": may_change,
        "charges": Charge.objects.select_related("created_by"),
    }
    return render(request, "claims/prices.html", context, status=status)
