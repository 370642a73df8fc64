"""What comes back from payers: the import of 835, 999 and 277CA files, the
unmatched list, the denial worklist and the fee schedules it is measured by."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedRequest, refused
from accounts.roles import Role, role_required, roles_of
from claims import denials as denial_list
from claims.forms import DenialFilter, FeeForm, RemittanceUploadForm
from claims.models import (
    Acknowledgement,
    ClaimPayment,
    Fee,
    LinePayment,
    RemittanceFile,
)
from claims.remittance.recording import ImportRefused, import_x12


@require_http_methods(["GET", "POST"])
@role_required(Role.CODER, Role.ADMIN)
def remittance(request: AuthenticatedRequest) -> HttpResponse:
    """Import what payers sent back; see what matched nothing."""
    form = RemittanceUploadForm(request.POST or None, request.FILES or None)
    status = 200
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        for upload in form.cleaned_data["upload"]:
            try:
                imported = import_x12(
                    upload.name or "upload", upload.read(), by=request.user
                )
            except ImportRefused as error:
                problems.append(str(error))
            else:
                messages.success(request, imported.sentence())
        if not problems:
            return redirect("claims:remittance")
    if request.method == "POST":
        status = 422
    context: dict[str, Any] = {
        "form": form,
        "problems": problems,
        "files": RemittanceFile.objects.select_related("imported_by")[:50],
        # A claim that matches nothing belongs to no location: its segments
        # (a patient's name among them) are for admins.
        "unmatched_claims": ClaimPayment.objects.filter(claim__isnull=True)
        .select_related("file")
        .order_by("-file__imported_at", "sequence")[:100]
        if Role.ADMIN in roles_of(request.user)
        else [],
        "unmatched_lines": LinePayment.objects.for_user(request.user)
        .filter(line__isnull=True)
        .select_related("claim_payment__claim__encounter", "claim_payment__file")
        .order_by("-claim_payment__file__imported_at", "pk")[:100],
        "rejected": Acknowledgement.objects.filter(accepted=False)
        .filter(
            Q(claim__isnull=True) | Q(claim__encounter__location__staff=request.user)
        )
        .distinct()
        .select_related("file", "export", "claim__encounter")
        .order_by("-file__imported_at", "pk")[:100],
    }
    return render(request, "claims/remittance.html", context, status=status)


@require_GET
@role_required(Role.CODER, Role.ADMIN)
def denials(request: AuthenticatedRequest) -> HttpResponse:
    """Denied and underpaid lines, with their reasons, rules and policies."""
    form = DenialFilter(request.GET or None)
    status = 200
    today = timezone.localdate()
    if form.is_bound and not form.is_valid():
        status = 422
        found: Page[Any] = Paginator([], denial_list.PAGE_SIZE).get_page(1)
        rows: list[denial_list.Row] = []
    else:
        data = form.cleaned_data if form.is_bound else {}
        found, rows = denial_list.page(
            request.user, data, today, request.GET.get("page", 1)
        )
    params = request.GET.copy()
    params.pop("page", None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    context = {
        "form": form,
        "found": found,
        "rows": rows,
        "query": params.urlencode(),
        # A payer and a code make a pattern a policy change can answer.
        "pattern": data if data.get("payer") and data.get("code") else None,
    }
    template = "claims/denials.html#results" if request.htmx else "claims/denials.html"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.CODER, Role.ADMIN)
def fees(request: AuthenticatedRequest) -> HttpResponse:
    """What each payer allows per code, from a date: remitted lines are
    measured against it. Admins add fees; coders read them."""
    may_change = Role.ADMIN in roles_of(request.user)
    form = FeeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_change:
            return refused("Only an admin changes a fee schedule.", status=403)
        if form.is_valid():
            fee = form.save(commit=False)
            fee.created_by = request.user
            fee.save()
            messages.success(
                request, f"{fee.payer}: {fee} a unit from {fee.effective}."
            )
            return redirect("claims:fees")
        status = 422
    context = {
        "form": form,
        "may_change": may_change,
        "fees": Fee.objects.select_related("payer", "created_by"),
    }
    return render(request, "claims/fees.html", context, status=status)
