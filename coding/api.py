"""The HTTP door of the coding contract: POST /api/v1/derive, GET /api/v1/schema.

Callers sign in with their session (the CSRF check applies) or send a personal
API token as `Authorization: Bearer <key>` (integrations; no CSRF, no cookies).
Answers are JSON, failures included: 400 with `errors` for an invalid document,
401 without credentials, 413 over 1 MiB.
"""

import json
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import ApiToken
from accounts.roles import roles_of
from chairside_engine import derive as derive_document
from chairside_engine.schema import document_schema, result_schema
from coding.documents import reference_for

MAX_BODY = 1024 * 1024  # the contract's limit: 1 MiB


def _errors(status: int, message: str, path: str = "") -> JsonResponse:
    return JsonResponse({"errors": [{"path": path, "message": message}]}, status=status)


def _authenticate(request: HttpRequest) -> JsonResponse | None:
    """Sign the request in by token or session; a JSON refusal when neither works."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = (
            ApiToken.objects.active()
            .select_related("user")
            .filter(digest=ApiToken.digest_of(header.removeprefix("Bearer ").strip()))
            .first()
        )
        if token is None:
            return _errors(401, "the API token is unknown or revoked")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        request.user = token.user
    elif not request.user.is_authenticated:
        return _errors(401, "sign in, or send an API token as 'Authorization: Bearer'")
    elif request.method == "POST":
        refusal = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(
            request, lambda r: HttpResponse(), (), {}
        )
        if refusal is not None:
            return _errors(403, "the CSRF token is missing or wrong")
    if not roles_of(request.user):
        return _errors(403, "this account has no Chairside role")
    return None


@csrf_exempt  # checked in _authenticate for session callers; tokens need none
@login_not_required  # answers 401 in JSON rather than redirecting to a login page
@require_POST
def derive(request: HttpRequest) -> HttpResponse:
    refusal = _authenticate(request)
    if refusal is not None:
        return refusal
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY:
        return _errors(413, "the document is larger than 1 MiB")
    if request.content_type != "application/json":
        return _errors(415, "send the document as application/json")
    if len(request.body) > MAX_BODY:
        return _errors(413, "the document is larger than 1 MiB")
    try:
        document: Any = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return _errors(400, f"the body is not JSON: {error}")
    except ValueError:  # Python reads no integer of more than 4,300 digits
        return _errors(400, "the body has a number of more than 4,300 digits")
    result = derive_document(document, reference=reference_for(document))
    return JsonResponse(result, status=400 if "errors" in result else 200)


@login_not_required
@require_GET
def schema(request: HttpRequest) -> HttpResponse:
    refusal = _authenticate(request)
    if refusal is not None:
        return refusal
    return JsonResponse({"document": document_schema(), "result": result_schema()})
