"""API tokens for the HTTP door, issued and revoked by admins."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import IssueTokenForm
from accounts.http import AuthenticatedRequest
from accounts.models import ApiToken
from accounts.roles import Role, role_required


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def api_tokens(request: AuthenticatedRequest) -> HttpResponse:
    """Issue and list the API tokens integrations use; a key is shown only once."""
    form = IssueTokenForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "new_key": None}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            token, key = ApiToken.issue(
                user=form.cleaned_data["user"],
                name=form.cleaned_data["name"],
                by=request.user,
            )
            context |= {"new_key": key, "new_token": token, "form": IssueTokenForm()}
        else:
            status = 422
    context["tokens"] = ApiToken.objects.select_related(
        "user", "created_by", "revoked_by"
    )
    return render(request, "accounts/api_tokens.html", context, status=status)


@require_POST
@role_required(Role.ADMIN)
def revoke_api_token(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    token.revoke(by=request.user)
    messages.success(request, f"Token {token} is revoked: calls with it now get 401.")
    return redirect("accounts:api_tokens")
