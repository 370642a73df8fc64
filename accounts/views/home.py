"""Where a user lands after signing in, and the idle rule's "stay signed in"."""

import time

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedRequest
from accounts.roles import ROLE_HOME, primary_role
from accounts.session import LAST_ACTIVITY_KEY


@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    role = primary_role(request.user)
    if role is None:
        raise PermissionDenied("Your account has no role yet; ask an administrator.")
    return redirect(ROLE_HOME[role])


@require_POST
def keepalive(request: AuthenticatedRequest) -> HttpResponse:
    # "Stay signed in" is explicit: stamped now, whatever the grace period.
    request.session[LAST_ACTIVITY_KEY] = time.time()
    return HttpResponse(status=204)
