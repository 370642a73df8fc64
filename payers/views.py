from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from encounters.roles import Role, role_required


@require_GET
@role_required(Role.ADMIN)
def payer_list(request: HttpRequest) -> HttpResponse:
    return render(request, "payers/payer_list.html", {})
