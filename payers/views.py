"""The admin's payer pages: versions on a time line, draft editing with every
key explained, drug overrides over the formulary, try-it and publishing, the
codes each payer pays only with a prior authorisation; and the list of
patients' authorisations, which coders read too."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from accounts.http import AuthenticatedRequest, refused
from accounts.roles import Role, role_required, roles_of
from claims.models import LinePayment
from coding.documents import encounter_document
from encounters.models import Encounter
from payers import history, timeline
from payers.comparison import Comparison, compare
from payers.forms import (
    AuthorisationRequirementForm,
    DrugOverrideForm,
    ImpactForm,
    PayerForm,
    PolicyVersionForm,
    PublishForm,
    RetireForm,
    TryItForm,
)
from payers.impact import Cause, cause_of, replay, replay_editions
from payers.models import (
    Authorisation,
    AuthorisationRequirement,
    Payer,
    PolicyVersion,
    Rederivation,
)
from payers.services import (
    PolicyConflict,
    publication_plan,
    publish_policy_version,
    retire_policy_version,
)
from reference.changes import upcoming_changes
from reference.models import Drug, DrugCategory

OVERRIDE_SEARCH_LIMIT = 25
AUTHORISATIONS_SHOWN = 100
RECENT_ENCOUNTERS = 20
NEVER_CHANGES = "is published and never changes; start a new draft."


@require_GET
@role_required(Role.ADMIN)
def payer_list(request: AuthenticatedRequest) -> HttpResponse:
    return payer_list_page(request)


def payer_list_page(
    request: AuthenticatedRequest, *, form: PayerForm | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    payers = Payer.objects.prefetch_related("policy_versions")
    rows = [
        {
            "payer": payer,
            "in_force": next(
                (v for v in payer.policy_versions.all() if v.is_in_force(today)),
                None,
            ),
            "drafts": sum(v.is_draft for v in payer.policy_versions.all()),
        }
        for payer in payers
    ]
    return render(
        request,
        "payers/payer_list.html",
        {"rows": rows, "today": today, "form": form or PayerForm()},
        status=status,
    )


@require_POST
@role_required(Role.ADMIN)
def add_payer(request: AuthenticatedRequest) -> HttpResponse:
    form = PayerForm(request.POST)
    if not form.is_valid():
        return payer_list_page(request, form=form, status=422)
    payer = form.save()
    messages.success(
        request,
        f"Added {payer}; its claims follow the contract's "
        "defaults until you publish a version.",
    )
    return redirect("payers:detail", pk=payer.pk)


@require_POST
@role_required(Role.ADMIN)
def edit_payer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    payer = get_object_or_404(Payer, pk=pk)
    # The form edits its own copy, so a refused name never shows as the
    # payer's heading.
    form = PayerForm(request.POST, instance=Payer.objects.get(pk=pk))
    if not form.is_valid():
        return payer_detail_page(request, payer, form=form, status=422)
    form.save()
    messages.success(request, f"Saved {payer}'s claim settings.")
    return redirect("payers:detail", pk=payer.pk)


@require_GET
@role_required(Role.ADMIN)
@vary_on_headers("HX-Request")
def payer_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    payer = get_object_or_404(Payer, pk=pk)
    return payer_detail_page(request, payer)


def payer_detail_page(
    request: AuthenticatedRequest,
    payer: Payer,
    *,
    form: PayerForm | None = None,
    requirement_form: AuthorisationRequirementForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    runs = list(
        Rederivation.objects.filter(version__payer=payer).select_related(
            "version", "requested_by"
        )[:5]
    )
    progress = {
        "payer": payer,
        "runs": runs,
        "polling": any(run.is_active for run in runs),
    }
    if request.htmx:
        return render(request, "payers/payer_detail.html#rederivations", progress)
    versions = list(
        payer.policy_versions.select_related("author", "published_by", "payer")
    )
    in_force = next((v for v in versions if v.is_in_force(today)), None)
    requirements = list(payer.authorisation_requirements.all())
    drugs = {
        d.hcpcs: d.name
        for d in Drug.objects.filter(hcpcs__in=[r.code for r in requirements])
    }
    context = {
        "payer": payer,
        "versions": versions,
        "in_force": in_force,
        "timeline": timeline.build(versions, today),
        "history": history.entries(payer, versions),
        "form": form or PayerForm(instance=payer),
        "requirements": [(r, drugs.get(r.code, "")) for r in requirements],
        "requirement_form": requirement_form or AuthorisationRequirementForm(),
        **progress,
    }
    return render(request, "payers/payer_detail.html", context, status=status)


@require_POST
@role_required(Role.ADMIN)
def add_requirement(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Put a code on the payer's prior authorisation list (a code already on
    it stays, once)."""
    payer = get_object_or_404(Payer, pk=pk)
    form = AuthorisationRequirementForm(request.POST)
    if not form.is_valid():
        return payer_detail_page(request, payer, requirement_form=form, status=422)
    code = form.cleaned_data["code"]
    _, created = AuthorisationRequirement.objects.get_or_create(payer=payer, code=code)
    if created:
        messages.success(
            request,
            f"{payer} now pays {code} only with a prior "
            "authorisation; check-in warns when none covers it.",
        )
    else:
        messages.info(request, f"{code} was on {payer}'s list already.")
    return redirect("payers:detail", pk=payer.pk)


@require_POST
@role_required(Role.ADMIN)
def remove_requirement(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    requirement = get_object_or_404(
        AuthorisationRequirement.objects.select_related("payer"), pk=pk
    )
    requirement.delete()
    messages.success(
        request,
        f"{requirement.payer} no longer needs a prior authorisation for "
        f"{requirement.code}.",
    )
    return redirect("payers:detail", pk=requirement.payer_id)


@require_GET
@role_required(Role.CODER, Role.ADMIN)
def authorisations(request: AuthenticatedRequest) -> HttpResponse:
    """Patients' prior authorisations that have not ended, soonest ending
    first (?ended=1 adds the ended ones), found by patient, MRN or number,
    with what each has left. Admins add and change them in the Django admin."""
    today = timezone.localdate()
    query = request.GET.get("q", "").strip()[:80]
    ended = request.GET.get("ended") == "1"
    # What each has used, summed in the same query (one, however many rows).
    found = (
        Authorisation.objects.select_related("patient", "payer")
        .annotate(used_units=Sum("uses__units"), used_visits=Sum("uses__visits"))
        .order_by("effective_to", "patient__name", "number")
    )
    if query:
        found = found.filter(
            Q(patient__name__icontains=query)
            | Q(patient__mrn__iexact=query)
            | Q(number__iexact=query)
        )
    if not ended:
        found = found.filter(effective_to__gte=today)
    rows = [
        (a, a.remaining(a.used_units or Decimal(0), a.used_visits or 0))
        for a in found[:AUTHORISATIONS_SHOWN]
    ]
    context = {
        "rows": rows,
        "today": today,
        "query": query,
        "ended": ended,
        "limit": AUTHORISATIONS_SHOWN,
    }
    return render(request, "payers/authorisation_list.html", context)


@require_POST
@role_required(Role.ADMIN)
def start_draft(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Start a draft from a published version (editing never changes a
    published one), or from the contract defaults when the payer has none."""
    payer = get_object_or_404(Payer, pk=pk)
    source_pk = request.POST.get("from", "")
    if source_pk and not source_pk.isdigit():
        return refused("Choose a version of this payer to start from.", status=422)
    with transaction.atomic():
        Payer.objects.select_for_update().get(pk=payer.pk)
        if source_pk:
            source = get_object_or_404(payer.policy_versions, pk=source_pk)
            start = max(source.effective_from, timezone.localdate())
            draft = source.start_draft(by=request.user, effective_from=start)
        else:
            draft = PolicyVersion.objects.create(
                payer=payer,
                number=payer.policy_versions.next_number(),
                effective_from=timezone.localdate(),
                author=request.user,
            )
    messages.success(request, f"Started {draft}. Nothing changes until you publish.")
    return redirect("payers:version", pk=draft.pk)


def _version(pk: int) -> PolicyVersion:
    return get_object_or_404(
        PolicyVersion.objects.select_related("payer", "author", "published_by"), pk=pk
    )


def _recent_encounters(version: PolicyVersion) -> list[Encounter]:
    return list(
        Encounter.objects.filter(payer=version.payer)
        .select_related("patient")
        .order_by("-date", "-pk")[:RECENT_ENCOUNTERS]
    )


def _version_context(
    request: AuthenticatedRequest, version: PolicyVersion, **extra: Any
) -> dict[str, Any]:
    predecessor, refusal = publication_plan(version)
    encounters = _recent_encounters(version)
    context = {
        "version": version,
        "payer": version.payer,
        "overrides": list(version.drug_overrides.all()),
        "predecessor": predecessor,
        "refusal": refusal,
        "try_form": TryItForm(encounter_choices=_encounter_choices(encounters)),
        "impact_form": ImpactForm(
            initial={
                "since": timezone.localdate() - timedelta(days=90),
                "until": timezone.localdate(),
            }
        ),
        "publish_form": PublishForm(),
        "retire_form": RetireForm(),
        "override_rows": _override_rows(version, ""),
        "query": "",
        "category_choices": DrugCategory.choices,
    }
    if version.is_draft:
        context["form"] = PolicyVersionForm(instance=version)
    context.update(extra)
    return context


def _encounter_choices(encounters: list[Encounter]) -> list[tuple[str, str]]:
    return [
        (
            str(e.pk),
            f"{e.date:%Y-%m-%d} · {e.visit_number} · {e.patient.name} · "
            f"{e.get_status_display()}",
        )
        for e in encounters
    ]


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def version_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A version's choices; for a draft, the form that edits them."""
    version = _version(pk)
    if request.method == "GET":
        return render(
            request, "payers/version_detail.html", _version_context(request, version)
        )
    with transaction.atomic():
        # Locked, so the revision check and the save see the same draft.
        version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if not version.is_draft:
            return refused(f"{version} {NEVER_CHANGES}", status=409)
        if request.POST.get("revision") != str(version.revision):
            messages.error(
                request,
                "Someone else saved this draft after you opened it. Nothing of "
                "yours was saved; the page now shows their choices: make your "
                "change again.",
            )
            return render(
                request,
                "payers/version_detail.html",
                _version_context(request, version),
                status=409,
            )
        form = PolicyVersionForm(request.POST, instance=version)
        if not form.is_valid():
            return render(
                request,
                "payers/version_detail.html",
                _version_context(request, version, form=form),
                status=422,
            )
        form.save()
    messages.success(request, f"Saved {version}.")
    return redirect("payers:version", pk=version.pk)


def _override_rows(version: PolicyVersion, query: str) -> list[dict[str, Any]]:
    """Formulary drugs matching `query`, each with this version's override."""
    drugs = list(Drug.objects.search(query)[:OVERRIDE_SEARCH_LIMIT])
    overrides = {
        o.key: o
        for o in version.drug_overrides.filter(key__in=[d.hcpcs for d in drugs])
    }
    return [{"drug": d, "override": overrides.get(d.hcpcs)} for d in drugs]


@require_GET
@role_required(Role.ADMIN)
def override_search(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    version = _version(pk)
    query = request.GET.get("q", "").strip()[:80]
    return render(
        request,
        "payers/version_detail.html#override-results",
        {
            "version": version,
            "override_rows": _override_rows(version, query),
            "query": query,
        },
    )


@require_POST
@role_required(Role.ADMIN)
def set_override(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Set, change or remove (nothing chosen) one drug's override on a draft,
    answering with the draft's override list."""
    version = _version(pk)
    if not version.is_draft:
        return refused(f"{version} {NEVER_CHANGES}", status=409)
    form = DrugOverrideForm(request.POST)
    if not form.is_valid():
        errors = " ".join(
            f"{form[name].label}: {' '.join(map(str, problems))}"
            for name, problems in form.errors.items()
        )
        return refused(f"Override not saved. {errors}", status=422)
    try:
        version.set_override(**form.cleaned_data)
    except ValidationError as refusal:
        # Published by someone else a moment ago: it is frozen now.
        return refused(" ".join(refusal.messages), status=409)
    return render(
        request,
        "payers/version_detail.html#overrides",
        {
            "version": version,
            "overrides": list(version.drug_overrides.all()),
            "category_choices": DrugCategory.choices,
        },
    )


@require_POST
@role_required(Role.ADMIN)
def try_it(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Derive the chosen encounters (or the pasted document) under the version
    in force and under this draft, side by side."""
    version = _version(pk)
    encounters = {str(e.pk): e for e in _recent_encounters(version)}
    form = TryItForm(
        request.POST,
        encounter_choices=_encounter_choices(list(encounters.values())),
    )
    if not form.is_valid():
        return render(
            request,
            "payers/version_detail.html#try-it",
            {"version": version, "try_form": form},
            status=422,
        )
    comparisons: list[Comparison] = []
    if form.cleaned_data["document"] is not None:
        comparisons.append(
            compare(
                form.cleaned_data["document"], title="Pasted document", draft=version
            )
        )
    for key in form.cleaned_data["encounters"]:
        encounter = encounters[key]
        comparisons.append(
            compare(encounter_document(encounter), title=str(encounter), draft=version)
        )
    return render(
        request,
        "payers/version_detail.html#try-it",
        {"version": version, "try_form": form, "comparisons": comparisons},
    )


@require_POST
@role_required(Role.ADMIN)
def impact(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Replay the payer's past encounters under this draft, summed by code."""
    version = _version(pk)
    if not version.is_draft:
        return refused(
            f"{version} is in the record already: replay a draft.", status=409
        )
    form = ImpactForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "payers/version_detail.html#impact",
            {"version": version, "impact_form": form},
            status=422,
        )
    found = replay(
        version, since=form.cleaned_data["since"], until=form.cleaned_data["until"]
    )
    return render(
        request,
        "payers/version_detail.html#impact",
        {"version": version, "impact_form": form, "impact": found},
    )


@require_POST
@role_required(Role.ADMIN)
@vary_on_headers("HX-Request")
def publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    version = _version(pk)
    form = PublishForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            publish_policy_version(
                version, by=request.user, note=form.cleaned_data["note"]
            )
        except PolicyConflict as conflict:
            form.add_error(None, str(conflict))
            status = 409
        else:
            messages.success(
                request,
                f"Published {version.payer.name} v{version.number}. Its open "
                "encounters are being re-derived below.",
            )
            destination = reverse("payers:detail", kwargs={"pk": version.payer_id})
            if request.htmx:
                return HttpResponseClientRedirect(destination)
            return redirect(destination)
    version.refresh_from_db()
    if request.htmx:
        return render(
            request,
            "payers/version_detail.html#publish",
            _version_context(request, version, publish_form=form),
            status=status,
        )
    return render(
        request,
        "payers/version_detail.html",
        _version_context(request, version, publish_form=form),
        status=status,
    )


@require_POST
@role_required(Role.ADMIN)
def discard_draft(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    version = _version(pk)
    if not version.is_draft:
        return refused(f"{version} is published and is kept for good.", status=409)
    payer_pk = version.payer_id
    label = str(version)
    version.delete()
    messages.success(request, f"Discarded {label}.")
    return redirect("payers:detail", pk=payer_pk)


@require_POST
@role_required(Role.ADMIN)
def retire(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    version = _version(pk)
    form = RetireForm(request.POST)
    if not form.is_valid():
        return refused(
            "Say in a note why this version is retired; nothing was changed.",
            status=422,
        )
    try:
        retire_policy_version(version, by=request.user, note=form.cleaned_data["note"])
    except PolicyConflict as conflict:
        return refused(str(conflict), status=409)
    messages.success(
        request,
        f"Retired {version.payer.name} v{version.number}; its open encounters are "
        "being re-derived below.",
    )
    return redirect("payers:detail", pk=version.payer_id)


@require_GET
@role_required(Role.ADMIN)
def next_quarter(request: AuthenticatedRequest) -> HttpResponse:
    """What the CMS editions loaded ahead of their dates change."""
    return render(
        request,
        "payers/next_quarter.html",
        {"tables": upcoming_changes(timezone.localdate())},
    )


@require_POST
@role_required(Role.ADMIN)
def replay_next_quarter(request: AuthenticatedRequest) -> HttpResponse:
    """Replay open and recent encounters under the editions from a date."""
    today = timezone.localdate()
    starts = {changes.upcoming.effective for changes in upcoming_changes(today)}
    try:
        chosen = date.fromisoformat(request.POST.get("starts", ""))
    except ValueError:
        chosen = None
    if chosen not in starts:
        return refused(
            "Choose the date of an edition loaded ahead of its date.", status=422
        )
    found = replay_editions(chosen, today=today)
    return render(
        request,
        "payers/next_quarter.html#replay",
        {"impact": found, "starts": chosen},
    )


def drafted_already(payer: Payer, cause: Cause) -> PolicyVersion | None:
    for draft in payer.policy_versions.filter(status=PolicyVersion.Status.DRAFT):
        if cause.drug:
            made = draft.drug_overrides.filter(key=cause.drug).first()
            if made is not None and made.category == cause.after:
                return draft
        elif getattr(draft, cause.key) == cause.after:
            return draft
    return None


@require_POST
@role_required(Role.CODER, Role.ADMIN)
def draft_from_denials(request: AuthenticatedRequest) -> HttpResponse:
    """From a denial pattern (a payer's denied lines of one code): the policy
    choice that produced them, a draft with its other value, and a Replay of
    the encounters concerned. Nothing changes until an admin publishes."""
    chosen = request.POST.get("payer", "")
    payer = get_object_or_404(Payer, pk=int(chosen) if chosen.isdigit() else 0)
    code = request.POST.get("code", "").strip().upper()
    reason = request.POST.get("reason", "").strip().upper()
    denied = (
        LinePayment.objects.for_user(request.user)
        .to_work()
        .filter(denied=True, code=code, claim_payment__claim__payer=payer)
    )
    if reason:
        denied = denied.filter(adjustments__reason=reason)
    encounter_ids = set(
        denied.values_list("claim_payment__claim__encounter_id", flat=True)
    )
    encounters = list(
        Encounter.objects.filter(pk__in=encounter_ids)
        .select_related("location", "payer", "patient")
        .prefetch_related("administrations__drug", "administrations__site")
        .order_by("-date")
    )
    if not encounters:
        return refused(
            f"No denied {code} of {payer.name} on the worklist to learn from.",
            status=422,
        )
    found = cause_of(payer, code, encounters)
    context: dict[str, Any] = {
        "payer": payer,
        "code": code,
        "reason": reason,
        "encounters": encounters,
        "cause": found,
        "may_publish": Role.ADMIN in roles_of(request.user),
    }
    if found is not None:
        with transaction.atomic():
            Payer.objects.select_for_update().get(pk=payer.pk)
            today = timezone.localdate()
            source = PolicyVersion.objects.in_force(payer, today)
            # Asked again (a reload, a second click): the draft made already.
            draft = drafted_already(payer, found) or (
                source.start_draft(by=request.user, effective_from=today)
                if source is not None
                else PolicyVersion.objects.create(
                    payer=payer,
                    number=payer.policy_versions.next_number(),
                    effective_from=today,
                    author=request.user,
                )
            )
            why = (
                f"Drafted from the denied {code} lines of {len(encounters)} "
                f"encounter{'s' if len(encounters) != 1 else ''}"
                f"{' (' + reason + ')' if reason else ''} of {payer.name}."
            )
            if found.drug:
                draft.set_override(
                    found.drug, category=found.after, force_push=False, note=why
                )
            else:
                setattr(draft, found.key, found.after)
                draft.notes = {**draft.notes, found.key: why}
                draft.save()
        context["draft"] = draft
        context["impact"] = replay(
            draft,
            since=min(e.date for e in encounters),
            until=max(e.date for e in encounters),
        )
    return render(request, "payers/denial_draft.html", context)
