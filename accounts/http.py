"""The request every view behind the sign-in sees."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class AuthenticatedRequest(HttpRequest):
    # LoginRequiredMiddleware (accounts.session) lets no anonymous user through.
    user: User
    htmx: HtmxDetails
