from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coding.forms import ChargeForm, IssueTokenForm
from coding.models import ApiToken, Charge, ReferenceEdition
from encounters.roles import Role, role_required, roles_of


@require_GET
@role_required(Role.CODER, Role.ADMIN)
def reference(request: HttpRequest) -> HttpResponse:
    editions = ReferenceEdition.objects.all()
    return render(request, "coding/reference.html", {"editions": editions})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Issue and list the API tokens integrations use; a key is shown only once."""
    form = IssueTokenForm(request.POST or None)
    context = {"form": form, "new_key": None}
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
    return render(request, "coding/api_tokens.html", context, status=status)


@require_POST
@role_required(Role.ADMIN)
def revoke_api_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    token.revoke(by=request.user)
    messages.success(request, f"Token {token} is revoked: calls with it now get 401.")
    return redirect("coding:api_tokens")


@require_http_methods(["GET", "POST"])
@role_required(Role.CODER, Role.ADMIN)
def prices(request: HttpRequest) -> HttpResponse:
    """The price list claim lines are charged from; admins add dated prices."""
    may_change = Role.ADMIN in roles_of(request.user)
    form = ChargeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_change:
            return HttpResponse("Only an admin changes the price list.", status=403)
        if form.is_valid():
            charge = form.save(commit=False)
            charge.created_by = request.user
            charge.save()
            messages.success(
                request,
                f"{charge.code} is {charge.price} a unit from {charge.effective}.",
            )
            return redirect("coding:prices")
        status = 422
    context = {
        "form": form,
        "may_change": may_change,
        "charges": Charge.objects.select_related("created_by"),
    }
    return render(request, "coding/prices.html", context, status=status)
