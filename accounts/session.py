"""Login by default, and sessions that end after a spell of idleness.

Polling (the chair board refreshing itself) must not keep a session alive, so a
request that carries `X-Chairside-Background: 1` is served but not counted as
activity. The browser shows a warning before the end (static/js/chairside.js)
from the deadline this module puts in every page.
"""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import (
    LoginRequiredMiddleware as DjangoLoginRequiredMiddleware,
)
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

LAST_ACTIVITY_KEY = "chairside_last_activity"
BACKGROUND_HEADER = "X-Chairside-Background"
# A burst of taps costs one session write, not one per tap: activity is stamped
# at most once in this many seconds (django-session-timeout's "grace period").
# The stamp can so lag the real last activity by up to this much, so pages give
# the browser a deadline shorter by the same amount: its warning and its
# sign-out always come before the server would end the session.
ACTIVITY_GRACE_SECONDS = 60


def activity_grace() -> int:
    # A tenth of the idle limit at most, so a short limit keeps most of itself.
    return min(ACTIVITY_GRACE_SECONDS, idle_seconds() // 10)


def idle_seconds() -> int:
    return int(settings.SESSION_IDLE_MINUTES) * 60


def is_background(request: HttpRequest) -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "1"


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY, now)
            if now - last > idle_seconds():
                logout(request)
                messages.info(
                    request,
                    f"You were signed out after {settings.SESSION_IDLE_MINUTES} "
                    "idle minutes. Sign in again to carry on.",
                )
            elif not is_background(request) and (
                LAST_ACTIVITY_KEY not in request.session
                or now - last >= activity_grace()
            ):
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's middleware, but an htmx request is sent to the login page as a
    whole-page redirect instead of having the login form swapped into a fragment,
    and an API request gets a JSON 401 from its own view (marked not required)."""

    def handle_no_permission(self, request: HttpRequest, view_func: Any) -> Any:
        htmx: HtmxDetails | None = getattr(request, "htmx", None)
        if htmx:
            next_url = htmx.current_url_abs_path or "/"
            return HttpResponseClientRedirect(
                f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"
            )
        return super().handle_no_permission(request, view_func)


def session_context(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    return {
        "session_idle_seconds": idle_seconds() - activity_grace(),
        "session_warning_seconds": int(settings.SESSION_IDLE_WARNING_MINUTES) * 60,
    }
