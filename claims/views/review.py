"""The coder's screens: the worklist, and the review page of one encounter
where diagnoses, pointers and overrides are added and the claim finalised,
reopened and checked."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedRequest, refused
from accounts.roles import Role, role_required, roles_of
from claims import denials, lines, scrubber
from claims import services as claims
from claims import worklist as worklist_query
from claims.exports.files import export_file, for_export
from claims.forms import (
    Acquired340BForm,
    CheckCodesForm,
    DiagnosisForm,
    ExportForm,
    NdcForm,
    OverrideForm,
    PayerNumberForm,
    PointersForm,
    PractitionersForm,
    ReasonForm,
    ReopenForm,
    VersionForm,
)
from claims.models import Claim, ClaimPayment, Diagnosis, Override
from coding.models import Derivation
from encounters import timeline
from encounters.clock import clock
from encounters.models import (
    Administration,
    AdministrationEvent,
    Encounter,
    Refusal,
)
from encounters.views.access import get_encounter


@require_GET
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def worklist(request: AuthenticatedRequest) -> HttpResponse:
    form = worklist_query.WorklistFilter(request.GET or None, user=request.user)
    status = 200
    if form.is_bound and not form.is_valid():
        status = 422
        page = worklist_query.Page([], {}, 0, "")
    else:
        data = form.cleaned_data if form.is_bound else {}
        page = worklist_query.page(request.user, data)
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "query": params.urlencode(),
    }
    template = (
        "claims/worklist.html#results" if request.htmx else "claims/worklist.html"
    )
    return render(request, template, context, status=status)


# The review page


def review_context(
    request: AuthenticatedRequest, encounter: Encounter
) -> dict[str, Any]:
    administrations = list(
        encounter.administrations.select_related("drug", "site")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=AdministrationEvent.objects.select_related("by", "corrects"),
            )
        )
        .order_by("pk")
    )
    for a in administrations:
        a.encounter = encounter
    sites = list(encounter.sites.all())
    derivation = Derivation.objects.filter(encounter=encounter).first()
    coding = claims.coding_of(encounter, derivation)
    can_code = Role.CODER in roles_of(request.user)
    finalised = encounter.status == Encounter.Status.FINALISED
    open_for_coding = encounter.status in claims.CODING_STATES
    # What the coder may do in this status (claims.services refuses the rest).
    can_edit = can_code and open_for_coding
    return {
        "encounter": encounter,
        "administrations": administrations,
        "derivation": derivation,
        "coding": coding,
        "diagnoses": list(encounter.diagnoses.all()),
        "withdrawn": list(
            encounter.overrides.filter(withdrawn_at__isnull=False)
            .select_related("withdrawn_by")
            .order_by("at")
        ),
        "claims": list(
            encounter.claims.select_related(
                "finalised_by", "reopened_by", "replaces", "payer_number"
            )
            .prefetch_related(
                "lines",
                "exports__created_by",
                "exports__acknowledgements__file",
                "acknowledgements__file",
                "payments__file",
                "payments__adjustments",
                "payments__lines__adjustments",
                "payments__lines__line",
            )
            .order_by("-version")
        ),
        "blockers": claims.blockers(derivation, coding)
        + scrubber.gaps(encounter, coding)
        if derivation is not None and open_for_coding
        else [],
        "audit_entries": list(encounter.audit_entries.select_related("by")),
        "timeline": timeline.build(
            administrations,
            sites,
            now=clock.now(),
            zone=encounter.location.tz,
            result=derivation.result if derivation else None,
        ),
        "can_code": can_code,
        "can_edit": can_edit,
        "not_sent": not open_for_coding and not finalised,
        "unpriced": claims.unpriced(encounter, coding) if can_edit else [],
        "can_reopen": can_code and finalised,
        "diagnosis_form": DiagnosisForm(),
        "override_form": OverrideForm(),
        "check_form": CheckCodesForm(),
        "reopen_form": ReopenForm(initial={"version": encounter.version}),
    }


@dataclass(frozen=True, kw_only=True)
class Remitted:
    """One adjudication of a claim as the review page shows it: the 835's
    lines beside the claim lines they answer, each with its reasons."""

    payment: ClaimPayment
    claim_reasons: list[denials.Reason]
    rows: list[denials.Row]


def remitted(claim: Claim) -> dict[str, Any]:
    today = timezone.localdate()
    payments = [
        Remitted(
            payment=payment,
            claim_reasons=[
                denials.reason_of(a)
                for a in payment.adjustments.all()
                if a.line_id is None
            ],
            rows=[denials.row_of(line, today) for line in payment.lines.all()],
        )
        for payment in claim.payments.all()
    ]
    acknowledgements = [
        *(a for export in claim.exports.all() for a in export.acknowledgements.all()),
        *claim.acknowledgements.all(),
    ]
    return {"payments": payments, "acknowledgements": acknowledgements}


def show(
    request: AuthenticatedRequest,
    encounter: Encounter,
    *,
    status: int = 200,
    notice: str = "",
    level: str = "success",
    **extra: Any,
) -> HttpResponse:
    context = review_context(request, encounter) | extra
    # Each finalised claim's form for the payer's number, the refused one as sent.
    refused_forms = extra.get("payer_number_forms", {})
    context["claim_rows"] = [
        (
            claim,
            refused_forms.get(claim.pk) or PayerNumberForm(prefix=f"payer-{claim.pk}"),
            remitted(claim),
        )
        for claim in context["claims"]
    ]
    context.setdefault(
        "practitioners_form",
        PractitionersForm(
            initial={
                "ordering": encounter.ordering_practitioner_id,
                "attending": encounter.attending_practitioner_id,
            }
        ),
    )
    context |= {"notice": notice, "level": level}
    template = "claims/review.html#review" if request.htmx else "claims/review.html"
    return render(request, template, context, status=status)


@require_GET
@role_required(Role.CODER, Role.ADMIN, Role.MANAGER)
@vary_on_headers("HX-Request")
def review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return show(request, get_encounter(request, pk))


def act(
    request: AuthenticatedRequest,
    encounter: Encounter,
    action: Callable[[], str],
    **forms: Any,
) -> HttpResponse:
    """Run a coder action and answer with the refreshed page or its refusal."""
    try:
        notice = action()
    except Refusal as refusal:
        encounter.refresh_from_db()
        if not request.htmx:
            messages.error(request, refusal.message)
            return redirect("claims:review", pk=encounter.pk)
        return show(
            request, encounter, status=409, notice=refusal.message, level="danger"
        )
    encounter.refresh_from_db()
    if not request.htmx:
        messages.success(request, notice)
        return redirect("claims:review", pk=encounter.pk)
    return show(request, encounter, notice=notice, **forms)


def invalid(
    request: AuthenticatedRequest, encounter: Encounter, **forms: Any
) -> HttpResponse:
    return show(
        request,
        encounter,
        status=422,
        notice="Check the highlighted field; nothing was saved.",
        level="danger",
        **forms,
    )


@require_POST
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def add_diagnosis(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    form = DiagnosisForm(request.POST)
    if not form.is_valid():
        return invalid(request, encounter, diagnosis_form=form)

    def action() -> str:
        found = claims.add_diagnosis(
            encounter, code=form.cleaned_data["code"], by=request.user
        )
        return f"Added {found.code} {found.description}."

    return act(request, encounter, action)


@require_POST
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def remove_diagnosis(request: AuthenticatedRequest, pk: int, dpk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    diagnosis = get_object_or_404(Diagnosis, encounter=encounter, pk=dpk)

    def action() -> str:
        claims.remove_diagnosis(diagnosis, by=request.user)
        return f"Removed {diagnosis.code}."

    return act(request, encounter, action)


@require_POST
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def record_ndc(request: AuthenticatedRequest, pk: int, apk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    administration = get_object_or_404(Administration, encounter=encounter, pk=apk)
    form = NdcForm(request.POST, prefix=f"ndc-{apk}")
    if not form.is_valid():
        return invalid(request, encounter, ndc_form=form, ndc_for=apk)
    return act(
        request,
        encounter,
        lambda: claims.record_ndc(
            administration, ndc=form.cleaned_data["ndc"], by=request.user
        ),
    )


@require_POST
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def record_340b(request: AuthenticatedRequest, pk: int, apk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    administration = get_object_or_404(Administration, encounter=encounter, pk=apk)
    administration.encounter = encounter
    form = Acquired340BForm(request.POST, prefix=f"340b-{apk}")
    if not form.is_valid():
        return invalid(request, encounter)
    return act(
        request,
        encounter,
        lambda: claims.record_340b(
            administration,
            acquired=form.cleaned_data["acquired_340b"],
            by=request.user,
        ),
    )


@require_POST
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def set_pointers(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    form = PointersForm(request.POST)
    if not form.is_valid():
        return invalid(request, encounter)

    def action() -> str:
        claims.set_pointers(
            encounter,
            line_key=form.cleaned_data["line_key"],
            ranks=form.cleaned_data["pointers"],
            by=request.user,
        )
        return "Diagnosis pointers saved."

    return act(request, encounter, action)


@require_POST
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def add_override(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return invalid(request, encounter, override_form=form)

    def action() -> str:
        override = claims.add_override(encounter, by=request.user, **form.cleaned_data)
        return f"Override recorded: {override.describe()}."

    return act(request, encounter, action)


@require_POST
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def withdraw_override(request: AuthenticatedRequest, pk: int, opk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    override = get_object_or_404(Override, encounter=encounter, pk=opk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return invalid(request, encounter)

    def action() -> str:
        claims.withdraw_override(
            override, reason=form.cleaned_data["reason"], by=request.user
        )
        return f"Override withdrawn: {override.describe()}."

    return act(request, encounter, action)


@require_GET
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def check_codes(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    form = CheckCodesForm(request.GET)
    context: dict[str, Any] = {"check_form": form}
    status = 200
    if form.is_valid():
        derivation = Derivation.objects.filter(encounter=encounter).first()
        coding = claims.coding_of(encounter, derivation)
        entries, unreadable = lines.parse_codes(form.cleaned_data["codes"])
        findings = derivation.findings if derivation else []
        context |= {
            "differences": lines.compare(entries, coding.lines, findings),
            "unreadable": unreadable,
        }
    else:
        status = 422
    if request.htmx:
        return render(
            request,
            "claims/review.html#check",
            {"encounter": encounter, **context},
            status=status,
        )
    return show(request, encounter, status=status, **context)


@require_POST
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def finalise(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return invalid(request, encounter)

    def action() -> str:
        claim = claims.finalise_claim(
            encounter, by=request.user, version=form.cleaned_data["version"]
        )
        return f"Claim {claim.control_number} finalised."

    return act(request, encounter, action)


@require_POST
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return invalid(request, encounter, reopen_form=form)

    def action() -> str:
        claim = claims.reopen_claim(
            encounter,
            reason=form.cleaned_data["reason"],
            by=request.user,
            version=form.cleaned_data["version"],
        )
        return (
            f"Reopened: version {claim.version} will replace "
            f"{claim.replaces.control_number if claim.replaces else ''}."
        )

    return act(request, encounter, action)


@require_POST
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def record_payer_number(
    request: AuthenticatedRequest, pk: int, cpk: int
) -> HttpResponse:
    encounter = get_encounter(request, pk)
    claim = get_object_or_404(Claim, encounter=encounter, pk=cpk)
    form = PayerNumberForm(request.POST, prefix=f"payer-{cpk}")
    if not form.is_valid():
        return invalid(request, encounter, payer_number_forms={cpk: form})

    def action() -> str:
        recorded = claims.record_payer_number(
            claim, number=form.cleaned_data["number"], by=request.user
        )
        return f"{claim.control_number} is {recorded.number} at the payer."

    return act(request, encounter, action)


@require_POST
@role_required(Role.CODER)
@vary_on_headers("HX-Request")
def set_practitioners(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    form = PractitionersForm(request.POST)
    if not form.is_valid():
        return invalid(request, encounter, practitioners_form=form)
    return act(
        request,
        encounter,
        lambda: claims.set_practitioners(
            encounter,
            ordering=form.cleaned_data["ordering"],
            attending=form.cleaned_data["attending"],
            by=request.user,
        ),
    )


# Exports

MAX_EXPORT = 5000  # claims in one file; a larger batch is split by date range


@require_GET
@role_required(Role.CODER)
def export(request: AuthenticatedRequest) -> HttpResponse:
    form = ExportForm(request.GET)
    if not form.is_valid():
        errors = " ".join(str(e) for field in form.errors.values() for e in field)
        return refused(errors, status=422)
    data = form.cleaned_data
    found = Claim.objects.for_user(request.user).finalised()
    if data["claim"]:
        found = found.filter(pk=data["claim"])
    else:
        found = found.current()
        if data["encounter"]:
            found = found.filter(encounter__in=data["encounter"])
        else:
            found = found.filter(
                date_of_service__range=(data["date_from"], data["date_to"])
            )
    fmt = data["format"]
    if fmt in {"837p", "837i"}:
        found = found.filter(setting="facility" if fmt == "837i" else "office")
    chosen = list(for_export(found)[: MAX_EXPORT + 1])
    if not chosen:
        return refused(
            "No finalised claim matches"
            + (" for this claim type." if fmt.startswith("837") else "."),
            status=422,
        )
    if len(chosen) > MAX_EXPORT:
        return refused(
            f"More than {MAX_EXPORT} claims: choose a shorter date range.",
            status=422,
        )
    return download(request, chosen, fmt)


def download(
    request: AuthenticatedRequest, chosen: list[Claim], fmt: str
) -> HttpResponse:
    written = export_file(chosen, fmt, now=clock.now(), by=request.user)
    response = HttpResponse(written.body, content_type=written.content_type)
    response["Content-Disposition"] = f'attachment; filename="{written.name}"'
    return response
