"""The request every view behind the sign-in sees, and the plain-text refusal
views answer with."""

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails


class AuthenticatedRequest(HttpRequest):
    # LoginRequiredMiddleware (accounts.session) lets no anonymous user through.
    user: User
    htmx: HtmxDetails


def refused(message: str, *, status: int) -> HttpResponse:
    """A refused request, answered with one short sentence as plain text:
    static/js/chairside.js shows a text/plain answer in its failure banner."""
    return HttpResponse(message, status=status, content_type="text/plain")
