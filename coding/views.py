from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from coding.models import ReferenceEdition
from encounters.roles import Role, role_required


@require_GET
@role_required(Role.CODER)
def worklist(request: HttpRequest) -> HttpResponse:
    return render(request, "coding/worklist.html", {})


@require_GET
@role_required(Role.CODER, Role.ADMIN)
def reference(request: HttpRequest) -> HttpResponse:
    editions = ReferenceEdition.objects.all()
    return render(request, "coding/reference.html", {"editions": editions})
