"""The reference data page: which CMS editions are loaded."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.roles import Role, role_required
from reference.models import ReferenceEdition


@require_GET
@role_required(Role.CODER, Role.ADMIN)
def reference(request: HttpRequest) -> HttpResponse:
    editions = ReferenceEdition.objects.all()
    return render(request, "reference/reference.html", {"editions": editions})
