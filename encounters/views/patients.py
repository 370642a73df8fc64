"""Registration for coders and admins: the patient list, a patient's page,
their coverage and the CSV import. Every change is audited and all or nothing;
a refused form comes back (422) with a sentence beside each field."""

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch, Q
from django.forms import BaseForm
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from accounts.http import AuthenticatedRequest
from accounts.roles import Role, role_required
from encounters.forms import (
    CoverageForm,
    EndCoverageForm,
    PatientForm,
    PatientImportForm,
    PatientSearchForm,
)
from encounters.models import Coverage, Patient, Refusal
from encounters.registration import (
    COLUMNS,
    ImportRefused,
    end_coverage,
    import_patients,
    save_audited,
)

LIST_LIMIT = 50
REGISTRARS = (Role.CODER, Role.ADMIN)


def done(request: AuthenticatedRequest, patient: Patient, message: str) -> HttpResponse:
    """After a change: the patient's page, with the sentence."""
    messages.success(request, message)
    if request.htmx:
        return HttpResponseClientRedirect(patient.get_absolute_url())
    return redirect(patient)


# The patient list


@require_GET
@role_required(*REGISTRARS)
@vary_on_headers("HX-Request")
def patients(request: AuthenticatedRequest) -> HttpResponse:
    if request.htmx:
        return render(request, "encounters/patients.html#results", found(request.GET))
    return list_page(request)


def found(query: QueryDict) -> dict[str, Any]:
    """The patients a search finds, each with (as its `coverages`) the
    coverages in force today."""
    search = PatientSearchForm(query)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    today = timezone.localdate()
    listed = Patient.objects.prefetch_related(
        Prefetch(
            "coverages",
            queryset=Coverage.objects.in_force(today)
            .select_related("payer")
            .order_by("order"),
        )
    )
    if text:
        listed = listed.filter(Q(name__icontains=text) | Q(mrn__icontains=text))
    rows = list(listed[: LIST_LIMIT + 1])
    return {
        "search": search,
        "rows": rows[:LIST_LIMIT],
        "more": len(rows) > LIST_LIMIT,
        "today": today,
    }


def list_page(
    request: AuthenticatedRequest,
    *,
    status: int = 200,
    form: PatientForm | None = None,
    upload: PatientImportForm | None = None,
    problems: list[str] | None = None,
) -> HttpResponse:
    context = {
        **found(request.GET),
        "form": form or PatientForm(),
        "upload": upload or PatientImportForm(),
        "problems": problems or [],
        "columns": COLUMNS,
    }
    return render(request, "encounters/patients.html", context, status=status)


@require_POST
@role_required(*REGISTRARS)
def register_patient(request: AuthenticatedRequest) -> HttpResponse:
    form = PatientForm(request.POST)
    with transaction.atomic():
        if form.is_valid():
            patient = form.instance
            save_audited(form, patient=patient, by=request.user)
            return done(request, patient, f"Registered {patient}.")
    if request.htmx:
        partial = "encounters/patients.html#register-form"
        return render(request, partial, {"form": form}, status=422)
    return list_page(request, status=422, form=form)


@require_POST
@role_required(*REGISTRARS)
def import_patients_file(request: AuthenticatedRequest) -> HttpResponse:
    upload = PatientImportForm(request.POST, request.FILES)
    problems: list[str] = []
    if upload.is_valid():
        try:
            text = upload.cleaned_data["file"].read().decode("utf-8-sig")
            imported = import_patients(text, by=request.user)
        except UnicodeDecodeError:
            upload.add_error(
                "file", "The file is not UTF-8 text; save it as CSV UTF-8."
            )
        except ImportRefused as refused:
            upload.add_error(
                "file",
                f"Nothing was imported: {len(refused.problems)} problem(s), "
                "listed below.",
            )
            problems = refused.problems
        else:
            name = upload.cleaned_data["file"].name
            messages.success(request, f"Imported {name}: {imported}")
            if request.htmx:
                return HttpResponseClientRedirect(reverse("encounters:patients"))
            return redirect("encounters:patients")
    context = {"upload": upload, "problems": problems, "columns": COLUMNS}
    if request.htmx:
        return render(
            request, "encounters/patients.html#import-form", context, status=422
        )
    return list_page(request, status=422, upload=upload, problems=problems)


# A patient's page


def patient_page(
    request: AuthenticatedRequest,
    patient: Patient,
    *,
    status: int = 200,
    partial: str = "",
    **forms: BaseForm,
) -> HttpResponse:
    """The patient's page, with any form that came back refused in place of
    its blank one; with htmx, only the `partial` holding that form."""
    today = timezone.localdate()
    coverages = list(
        patient.coverages.select_related("payer").order_by("order", "-effective_from")
    )
    for c in coverages:
        c.edit_form = forms.get(f"edit_{c.pk}") or CoverageForm(
            instance=c, prefix=f"edit-{c.pk}"
        )
        c.end_form = forms.get(f"end_{c.pk}") or EndCoverageForm(
            prefix=f"end-{c.pk}", initial={"effective_to": today}
        )
        c.refused = f"edit_{c.pk}" in forms or f"end_{c.pk}" in forms
        c.in_force_today = c.is_in_force(today)
    context = {
        "patient": patient,
        "coverages": coverages,
        "today": today,
        "form": forms.get("form") or PatientForm(instance=patient),
        "coverage_form": forms.get("coverage_form")
        or CoverageForm(initial={"effective_from": today}),
        "audit_entries": list(patient.audit_entries.select_related("by")),
    }
    template = "encounters/patient.html"
    if partial and request.htmx:
        template += f"#{partial}"
    return render(request, template, context, status=status)


@require_GET
@role_required(*REGISTRARS)
def patient(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return patient_page(request, get_object_or_404(Patient, pk=pk))


@require_POST
@role_required(*REGISTRARS)
def edit_patient(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        # Locked while it is checked and saved: the audit's before is the truth.
        patient = get_object_or_404(Patient.objects.select_for_update(), pk=pk)
        form = PatientForm(request.POST, instance=patient)
        if form.is_valid():
            entry = save_audited(form, patient=patient, by=request.user)
            said = "Saved" if entry else "Nothing changed for"
            return done(request, patient, f"{said} {patient}.")
    # The page shows the patient as stored, not as the refused form left it.
    patient.refresh_from_db()
    return patient_page(request, patient, status=422, partial="patient-form", form=form)


@require_POST
@role_required(*REGISTRARS)
def add_coverage(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        # Locked, so two coverages added at once cannot overlap unseen.
        patient = get_object_or_404(Patient.objects.select_for_update(), pk=pk)
        form = CoverageForm(request.POST, instance=Coverage(patient=patient))
        if form.is_valid():
            save_audited(form, patient=patient, by=request.user)
            return done(request, patient, f"Added {form.instance} to {patient.name}.")
    return patient_page(
        request, patient, status=422, partial="coverage-form", coverage_form=form
    )


@require_POST
@role_required(*REGISTRARS)
def edit_coverage(request: AuthenticatedRequest, pk: int, cpk: int) -> HttpResponse:
    with transaction.atomic():
        patient = get_object_or_404(Patient.objects.select_for_update(), pk=pk)
        coverage = get_object_or_404(patient.coverages, pk=cpk)
        form = CoverageForm(request.POST, instance=coverage, prefix=f"edit-{cpk}")
        if form.is_valid():
            entry = save_audited(form, patient=patient, by=request.user)
            said = "Saved" if entry else "Nothing changed for"
            return done(request, patient, f"{said} {coverage}.")
    return patient_page(
        request, patient, status=422, partial="coverages", **{f"edit_{cpk}": form}
    )


@require_POST
@role_required(*REGISTRARS)
def end_coverage_on(request: AuthenticatedRequest, pk: int, cpk: int) -> HttpResponse:
    form = EndCoverageForm(request.POST, prefix=f"end-{cpk}")
    with transaction.atomic():
        patient = get_object_or_404(Patient.objects.select_for_update(), pk=pk)
        coverage = get_object_or_404(patient.coverages.select_related("payer"), pk=cpk)
        if form.is_valid():
            day = form.cleaned_data["effective_to"]
            try:
                end_coverage(coverage, day, by=request.user)
            except Refusal as refusal:
                form.add_error("effective_to", refusal.message)
            else:
                return done(request, patient, f"{coverage} ends on {day:%Y-%m-%d}.")
    return patient_page(
        request, patient, status=422, partial="coverages", **{f"end_{cpk}": form}
    )
