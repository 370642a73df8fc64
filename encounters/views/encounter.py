"""The encounter page, its forms and the encounter-wide actions."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import (
    HttpResponseClientRedirect,
    reswap,
    retarget,
    trigger_client_event,
)

from accounts.http import AuthenticatedRequest, refused
from accounts.roles import Role, role_required
from coding.models import Derivation
from encounters import timeline
from encounters.clock import clock
from encounters.forms import ActionForm, AdministrationForm, SiteForm
from encounters.models import Administration, Encounter, IVSite
from encounters.services import Outcome, audit, perform, rederive, snapshot
from encounters.views.access import (
    LEVELS,
    administrations_of,
    clock_on,
    get_encounter,
    incomplete_tap,
)
from reference.models import Drug

# The encounter page


def workspace(
    request: AuthenticatedRequest,
    encounter: Encounter,
    administrations: Sequence[Administration],
    sites: Sequence[IVSite],
    derivation: Derivation | None,
    *,
    notice: Outcome | None = None,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    now = clock.now()
    for a in administrations:
        # Only a form sent back with its errors is in the page; the others load
        # when their disclosure opens (see form_fragment).
        a.edit_form = forms.pop(f"edit_{a.pk}", None)
        a.correct_form = forms.pop(f"correct_{a.pk}", None)
        clock_on(a, now)
    context = {
        **shown_with_codes(encounter, administrations, sites, derivation, notice, now),
        "administrations": administrations,
        "sites": sites,
        "site_form": forms.get("site_form"),
        # With nothing given yet the add form is open, so it comes with the page.
        "administration_form": forms.get("administration_form")
        or (
            None
            if administrations
            else AdministrationForm(sites=sites, location=encounter.location)
        ),
        "chosen_drug": forms.get("chosen_drug"),
    }
    template = (
        "encounters/encounter.html#encounter"
        if request.htmx
        else "encounters/encounter.html"
    )
    return render(request, template, context, status=status)


def shown_with_codes(
    encounter: Encounter,
    administrations: Sequence[Administration],
    sites: Sequence[IVSite],
    derivation: Derivation | None,
    notice: Outcome | None,
    now: datetime,
) -> dict[str, Any]:
    """What the whole page and a tap's answer both show: the codes, the
    timeline and the notice, as of `now`."""
    return {
        "encounter": encounter,
        "derivation": derivation,
        "timeline": timeline.build(
            administrations,
            sites,
            now=now,
            zone=encounter.location.tz,
            result=derivation.result if derivation else None,
        ),
        "notice": notice,
        "now": now,
        "zone": encounter.location.timezone,
    }


def current_derivation(
    encounter: Encounter,
    administrations: Sequence[Administration],
    sites: Sequence[IVSite],
    by: Any,
) -> Derivation | None:
    found = Derivation.objects.filter(encounter=encounter).first()
    if found is None:
        return rederive(encounter, by=by, administrations=administrations, sites=sites)
    return found


@require_GET
@role_required(Role.NURSE)
@vary_on_headers("HX-Request")
def encounter(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    administrations = administrations_of(encounter)
    sites = list(encounter.sites.all())
    derivation = current_derivation(encounter, administrations, sites, request.user)
    return workspace(request, encounter, administrations, sites, derivation)


def respond(
    request: AuthenticatedRequest,
    encounter: Encounter,
    administrations: Sequence[Administration],
    outcome: Outcome,
    *,
    tapped: Administration | None = None,
    **forms: Any,
) -> HttpResponse:
    """After an action: the workspace with the fresh codes and the outcome.

    A tap that went through (`tapped`) answers with its card only, the notice,
    codes and timeline out of band, and the new version for the page's other
    forms: the rest of the page, and any form open in it, stays as it is.
    """
    if not request.htmx:
        messages.add_message(request, LEVELS[outcome.level], outcome.message)
        return redirect(encounter)
    if tapped is not None and outcome.changed:
        sites = list(encounter.sites.all())
        derivation = rederive(
            encounter, by=request.user, administrations=administrations, sites=sites
        )
        return tap_result(
            request, encounter, administrations, sites, derivation, tapped, outcome
        )
    if not outcome.changed:
        # A refused action may have touched the objects in memory; the
        # database was rolled back, so show what it holds.
        encounter.refresh_from_db(fields=["version", "status", "chair"])
        administrations = administrations_of(encounter)
    sites = list(encounter.sites.all())
    if outcome.changed:
        derivation = rederive(
            encounter, by=request.user, administrations=administrations, sites=sites
        )
    else:
        derivation = current_derivation(encounter, administrations, sites, request.user)
    response = workspace(
        request,
        encounter,
        administrations,
        sites,
        derivation,
        notice=outcome,
        status=outcome.status,
        **forms,
    )
    if tapped is not None:
        # The tap aimed at its card; a refusal shows the whole current record.
        response = reswap(retarget(response, "#encounter"), "outerHTML")
    return response


def tap_result(
    request: AuthenticatedRequest,
    encounter: Encounter,
    administrations: Sequence[Administration],
    sites: Sequence[IVSite],
    derivation: Derivation | None,
    tapped: Administration,
    outcome: Outcome,
) -> HttpResponse:
    now = clock.now()
    clock_on(tapped, now)
    tapped.edit_form = tapped.correct_form = None
    context = {
        **shown_with_codes(encounter, administrations, sites, derivation, outcome, now),
        "administration": tapped,
    }
    response = render(request, "encounters/encounter.html#tap-result", context)
    # static/js/timers.js hands the new version to every form on the page.
    return trigger_client_event(
        response, "encounterVersion", {"version": encounter.version}
    )


def form_fragment(
    request: AuthenticatedRequest, encounter: Encounter, name: str, **context: Any
) -> HttpResponse:
    """A form, for a disclosure being opened."""
    if not encounter.is_editable:
        return refused("This encounter can no longer be changed here.", status=409)
    return render(
        request,
        f"encounters/encounter.html#{name}",
        {"encounter": encounter, **context},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.NURSE)
def add_site(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    if request.method == "GET":
        return form_fragment(request, encounter, "site-form", site_form=SiteForm())
    tap = ActionForm(request.POST)
    form = SiteForm(request.POST)
    if not tap.is_valid():
        return incomplete_tap()
    if not form.is_valid():
        outcome = Outcome(422, "The IV site was not added; see below.", "danger")
        return respond(
            request, encounter, administrations_of(encounter), outcome, site_form=form
        )

    def act() -> str:
        site = IVSite.objects.create(
            encounter=encounter, created_by=request.user, **form.cleaned_data
        )
        audit(
            encounter,
            "encounter.site.added",
            by=request.user,
            key=tap.cleaned_data["key"],
            target=str(site),
            after=snapshot(site, ["kind", "label", "separate_access_reason"]),
        )
        return f"IV site added: {site}."

    outcome = perform(encounter, action=act, **tap.cleaned_data)
    return respond(request, encounter, administrations_of(encounter), outcome)


@require_http_methods(["GET", "POST"])
@role_required(Role.NURSE)
def add_administration(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    sites = list(encounter.sites.all())
    if request.method == "GET":
        form = AdministrationForm(sites=sites, location=encounter.location)
        return form_fragment(
            request, encounter, "administration-form", administration_form=form
        )
    tap = ActionForm(request.POST)
    form = AdministrationForm(request.POST, sites=sites, location=encounter.location)
    if not tap.is_valid():
        return incomplete_tap()
    if not form.is_valid():
        outcome = Outcome(422, "The administration was not added; see below.", "danger")
        return respond(
            request,
            encounter,
            administrations_of(encounter),
            outcome,
            administration_form=form,
            # A bound form has cleaned_data after is_valid(), even when invalid.
            chosen_drug=form.cleaned_data.get("drug"),
        )

    def act() -> str:
        administration = Administration.objects.create(
            encounter=encounter, created_by=request.user, **form.cleaned_data
        )
        audit(
            encounter,
            "encounter.administration.added",
            by=request.user,
            key=tap.cleaned_data["key"],
            target=str(administration),
            after=snapshot(administration, ADDED_FIELDS),
        )
        return f"Added {administration}."

    outcome = perform(encounter, action=act, **tap.cleaned_data)
    return respond(request, encounter, administrations_of(encounter), outcome)


ADDED_FIELDS = [
    "drug",
    "method",
    "site",
    "dose_amount",
    "dose_unit",
    "wasted_amount",
    "single_dose_container",
    "acquired_340b",
    "bag",
    "expected_minutes",
]


@require_GET
@role_required(Role.NURSE)
def drugs(request: AuthenticatedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    found: list[Drug] = []
    if len(query) >= 2:
        found = list(Drug.objects.in_use().search(query)[:12])
    return render(
        request,
        "encounters/encounter.html#drug-options",
        {"drugs": found, "query": query},
    )


@require_POST
@role_required(Role.NURSE)
def mark_documented(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    administrations = administrations_of(encounter)
    tap = ActionForm(request.POST)
    if not tap.is_valid():
        return incomplete_tap()

    def act() -> str:
        before = snapshot(encounter, ["status"])
        encounter.mark_documented(at=clock.now())
        audit(
            encounter,
            "encounter.documented",
            by=request.user,
            key=tap.cleaned_data["key"],
            before=before,
            after=snapshot(encounter, ["status"]),
        )
        return f"{encounter.patient.name}'s encounter is documented; the chair is free."

    outcome = perform(encounter, action=act, **tap.cleaned_data)
    return respond(request, encounter, administrations, outcome)


@require_POST
@role_required(Role.NURSE)
def send_to_coding(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    encounter = get_encounter(request, pk)
    tap = ActionForm(request.POST)
    if not tap.is_valid():
        return incomplete_tap()

    def act() -> str:
        before = snapshot(encounter, ["status"])
        encounter.send_to_coding()
        audit(
            encounter,
            "encounter.sent_to_coding",
            by=request.user,
            key=tap.cleaned_data["key"],
            before=before,
            after=snapshot(encounter, ["status"]),
        )
        return f"{encounter.patient.name}'s encounter is on the coders' worklist."

    outcome = perform(encounter, action=act, editable_only=False, **tap.cleaned_data)
    if outcome.changed:
        messages.success(request, outcome.message)
        if request.htmx:
            return HttpResponseClientRedirect(reverse("encounters:board"))
        return redirect("encounters:board")
    return respond(request, encounter, administrations_of(encounter), outcome)
