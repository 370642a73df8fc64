"""The reference data page: which CMS editions are loaded."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedRequest
from accounts.roles import Role, role_required
from reference.models import ReferenceEdition


@require_GET
@role_required(Role.CODER, Role.ADMIN)
def reference(request: AuthenticatedRequest) -> HttpResponse:
    editions = ReferenceEdition.objects.all()
    return render(request, "reference/reference.html", {"editions": editions})
