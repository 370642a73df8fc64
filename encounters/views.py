from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from encounters.roles import ROLE_HOME, Role, primary_role, role_required


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    role = primary_role(request.user)
    if role is None:
        raise PermissionDenied("Your account has no role yet; ask an administrator.")
    return redirect(ROLE_HOME[role])


@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    # The idle middleware has already counted this request as activity.
    return HttpResponse(status=204)


@require_GET
@role_required(Role.NURSE)
def board(request: HttpRequest) -> HttpResponse:
    return render(request, "encounters/board.html", {})
