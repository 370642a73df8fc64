import time
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from coding.models import Derivation, Drug
from encounters import timeline
from encounters.clock import clock
from encounters.forms import (
    ActionForm,
    AdministrationForm,
    CheckInForm,
    CorrectTimeForm,
    EditAdministrationForm,
    SiteForm,
)
from encounters.models import (
    Administration,
    AdministrationEvent,
    Encounter,
    IVSite,
    Location,
    Refusal,
)
from encounters.roles import ROLE_HOME, Role, primary_role, role_required
from encounters.services import (
    Outcome,
    audit,
    changes,
    perform,
    rederive,
    snapshot,
)
from encounters.session import LAST_ACTIVITY_KEY


class AuthenticatedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    role = primary_role(request.user)
    if role is None:
        raise PermissionDenied("Your account has no role yet; ask an administrator.")
    return redirect(ROLE_HOME[role])


@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    # "Stay signed in" is explicit: stamped now, whatever the grace period.
    request.session[LAST_ACTIVITY_KEY] = time.time()
    return HttpResponse(status=204)


# Chair board


def board_context(request: AuthenticatedRequest, notice: Outcome | None = None) -> dict:
    now = clock.now()
    today = timezone.localdate(now)
    visits = (
        Encounter.objects.for_user(request.user)
        .on(today)
        .select_related("patient", "chair", "location")
        .prefetch_related(
            Prefetch(
                "administrations",
                queryset=Administration.objects.select_related("drug").order_by("pk"),
            )
        )
        .order_by("visit_number")
    )
    locations = Location.objects.filter(staff=request.user).prefetch_related("chairs")
    by_location: dict[int, dict[str, Any]] = {
        place.pk: {
            "location": place,
            "chairs": {
                chair.pk: {"chair": chair, "visit": None}
                for chair in place.chairs.all()
            },
            "scheduled": [],
            "done": [],
        }
        for place in locations
    }
    for visit in visits:
        group = by_location[visit.location_id]
        if visit.status == Encounter.Status.SCHEDULED:
            group["scheduled"].append(visit)
        elif visit.status == Encounter.Status.IN_CHAIR and visit.chair_id:
            group["chairs"][visit.chair_id]["visit"] = visit
            visit.runs = [
                a for a in visit.administrations.all() if a.state in RUNNING_STATES
            ]
            for a in visit.runs:
                a.running_seconds_now = a.running_seconds(now)
                a.overdue = a.is_overdue(now)
            visit.overdue = any(a.overdue for a in visit.runs)
        else:
            group["done"].append(visit)
    for group in by_location.values():
        group["chairs"] = list(group["chairs"].values())
        group["free_chairs"] = [s["chair"] for s in group["chairs"] if not s["visit"]]
    return {"groups": list(by_location.values()), "now": now, "notice": notice}


RUNNING_STATES = {Administration.State.RUNNING, Administration.State.PAUSED}


@require_GET
@role_required(Role.NURSE)
@vary_on_headers("HX-Request")
def board(request: AuthenticatedRequest) -> HttpResponse:
    template = (
        "encounters/board.html#chairs" if request.htmx else "encounters/board.html"
    )
    return render(request, template, board_context(request))


@require_POST
@role_required(Role.NURSE)
def check_in(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    visit = get_visit(request, pk)
    tap = ActionForm(request.POST)
    form = CheckInForm(request.POST, encounter=visit)
    if not tap.is_valid():
        return incomplete_tap()
    if not form.is_valid():
        outcome = Outcome(422, "Choose a free chair for the patient.", "danger")
    else:
        chair = form.cleaned_data["chair"]

        def act() -> str:
            visit.check_in(chair=chair, at=clock.now())
            audit(
                visit,
                "encounter.checked_in",
                by=request.user,
                key=tap.cleaned_data["key"],
                target=str(visit.patient),
                after={"chair": chair.name},
            )
            return f"{visit.patient.name} is in {chair.name}."

        outcome = perform(visit, action=act, **tap.cleaned_data)
        if outcome.status == 200:
            messages.add_message(request, LEVELS[outcome.level], outcome.message)
            if request.htmx:
                return HttpResponseClientRedirect(visit.get_absolute_url())
            return redirect(visit)
    if not request.htmx:
        messages.error(request, outcome.message)
        return redirect("encounters:board")
    return render(
        request,
        "encounters/board.html#chairs",
        board_context(request, outcome),
        status=outcome.status,
    )


LEVELS = {
    "success": messages.SUCCESS,
    "info": messages.INFO,
    "warning": messages.WARNING,
    "danger": messages.ERROR,
}


# The encounter page


def get_visit(request: AuthenticatedRequest, pk: int) -> Encounter:
    return get_object_or_404(
        Encounter.objects.for_user(request.user).select_related(
            "location", "patient", "payer", "chair"
        ),
        pk=pk,
    )


def administrations_of(visit: Encounter) -> list[Administration]:
    found = list(visit.administrations.select_related("drug", "site").order_by("pk"))
    for a in found:
        a.encounter = visit
    return found


def get_administration(
    request: AuthenticatedRequest, pk: int, apk: int
) -> tuple[Administration, list[Administration]]:
    """The administration and all its encounter's, in one query."""
    found = list(
        Administration.objects.for_user(request.user)
        .filter(encounter_id=pk)
        .select_related(
            "encounter__location",
            "encounter__patient",
            "encounter__payer",
            "encounter__chair",
            "drug",
            "site",
        )
        .order_by("pk")
    )
    target = next((a for a in found if a.pk == apk), None)
    if target is None:
        raise Http404("No such administration on this encounter.")
    for a in found:
        a.encounter = target.encounter
    return target, found


def workspace(
    request: AuthenticatedRequest,
    visit: Encounter,
    administrations: Sequence[Administration],
    sites: Sequence[IVSite],
    derivation: Derivation | None,
    *,
    notice: Outcome | None = None,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    now = clock.now()
    zone = visit.location.tz
    for a in administrations:
        # Only a form sent back with its errors is in the page; the others load
        # when their disclosure opens (see form_fragment).
        a.edit_form = forms.pop(f"edit_{a.pk}", None)
        a.correct_form = forms.pop(f"correct_{a.pk}", None)
        a.running_seconds_now = a.running_seconds(now)
        a.overdue = a.is_overdue(now)
    context = {
        "visit": visit,
        "administrations": administrations,
        "sites": sites,
        "derivation": derivation,
        "timeline": timeline.build(
            administrations,
            sites,
            now=now,
            zone=zone,
            result=derivation.result if derivation else None,
        ),
        "notice": notice,
        "now": now,
        "zone": visit.location.timezone,
        "site_form": forms.get("site_form"),
        # With nothing given yet the add form is open, so it comes with the page.
        "administration_form": forms.get("administration_form")
        or (None if administrations else AdministrationForm(sites=sites)),
        "chosen_drug": forms.get("chosen_drug"),
    }
    template = (
        "encounters/encounter.html#encounter"
        if request.htmx
        else "encounters/encounter.html"
    )
    return render(request, template, context, status=status)


def current_derivation(
    visit: Encounter,
    administrations: Sequence[Administration],
    sites: Sequence[IVSite],
    by: Any,
) -> Derivation | None:
    found = Derivation.objects.filter(encounter=visit).first()
    if found is None:
        return rederive(visit, by=by, administrations=administrations, sites=sites)
    return found


@require_GET
@role_required(Role.NURSE)
@vary_on_headers("HX-Request")
def encounter(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    visit = get_visit(request, pk)
    administrations = administrations_of(visit)
    sites = list(visit.sites.all())
    derivation = current_derivation(visit, administrations, sites, request.user)
    return workspace(request, visit, administrations, sites, derivation)


def respond(
    request: AuthenticatedRequest,
    visit: Encounter,
    administrations: Sequence[Administration],
    outcome: Outcome,
    **forms: Any,
) -> HttpResponse:
    """After an action: the workspace with the fresh codes and the outcome."""
    if not request.htmx:
        messages.add_message(request, LEVELS[outcome.level], outcome.message)
        return redirect(visit)
    if not outcome.changed:
        # A refused action may have touched the objects in memory; the
        # database was rolled back, so show what it holds.
        visit.refresh_from_db(fields=["version", "status", "chair"])
        administrations = administrations_of(visit)
    sites = list(visit.sites.all())
    if outcome.changed:
        derivation = rederive(
            visit, by=request.user, administrations=administrations, sites=sites
        )
    else:
        derivation = current_derivation(visit, administrations, sites, request.user)
    return workspace(
        request,
        visit,
        administrations,
        sites,
        derivation,
        notice=outcome,
        status=outcome.status,
        **forms,
    )


def incomplete_tap() -> HttpResponse:
    return HttpResponse(
        "This tap came without its key or version. Nothing was saved; reload "
        "the page and tap again.",
        status=400,
        content_type="text/plain",
    )


def form_fragment(
    request: AuthenticatedRequest, visit: Encounter, name: str, **context: Any
) -> HttpResponse:
    """A form, for a disclosure being opened."""
    if not visit.is_editable:
        return HttpResponse(
            "This encounter can no longer be changed here.",
            status=409,
            content_type="text/plain",
        )
    return render(
        request, f"encounters/encounter.html#{name}", {"visit": visit, **context}
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.NURSE)
def add_site(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    visit = get_visit(request, pk)
    if request.method == "GET":
        return form_fragment(request, visit, "site-form", site_form=SiteForm())
    tap = ActionForm(request.POST)
    form = SiteForm(request.POST)
    if not tap.is_valid():
        return incomplete_tap()
    if not form.is_valid():
        outcome = Outcome(422, "The IV site was not added; see below.", "danger")
        return respond(
            request, visit, administrations_of(visit), outcome, site_form=form
        )

    def act() -> str:
        site = IVSite.objects.create(
            encounter=visit, created_by=request.user, **form.cleaned_data
        )
        audit(
            visit,
            "encounter.site.added",
            by=request.user,
            key=tap.cleaned_data["key"],
            target=str(site),
            after=snapshot(site, ["kind", "label", "separate_access_reason"]),
        )
        return f"IV site added: {site}."

    outcome = perform(visit, action=act, **tap.cleaned_data)
    return respond(request, visit, administrations_of(visit), outcome)


@require_http_methods(["GET", "POST"])
@role_required(Role.NURSE)
def add_administration(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    visit = get_visit(request, pk)
    if request.method == "GET":
        form = AdministrationForm(sites=list(visit.sites.all()))
        return form_fragment(
            request, visit, "administration-form", administration_form=form
        )
    tap = ActionForm(request.POST)
    form = AdministrationForm(request.POST, sites=list(visit.sites.all()))
    if not tap.is_valid():
        return incomplete_tap()
    if not form.is_valid():
        outcome = Outcome(422, "The administration was not added; see below.", "danger")
        chosen = (
            form.cleaned_data.get("drug") if hasattr(form, "cleaned_data") else None
        )
        return respond(
            request,
            visit,
            administrations_of(visit),
            outcome,
            administration_form=form,
            chosen_drug=chosen,
        )

    def act() -> str:
        administration = Administration.objects.create(
            encounter=visit, created_by=request.user, **form.cleaned_data
        )
        audit(
            visit,
            "encounter.administration.added",
            by=request.user,
            key=tap.cleaned_data["key"],
            target=str(administration),
            after=snapshot(administration, ADDED_FIELDS),
        )
        return f"Added {administration}."

    outcome = perform(visit, action=act, **tap.cleaned_data)
    return respond(request, visit, administrations_of(visit), outcome)


ADDED_FIELDS = [
    "drug",
    "method",
    "site",
    "dose_amount",
    "dose_unit",
    "wasted_amount",
    "single_dose_container",
    "bag",
    "expected_minutes",
]


@require_GET
@role_required(Role.NURSE)
def drugs(request: AuthenticatedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    found: list[Drug] = []
    if len(query) >= 2:
        found = list(
            Drug.objects.filter(terminated__isnull=True)
            .filter(
                Q(hcpcs__istartswith=query)
                | Q(short_descriptor__icontains=query)
                | Q(long_descriptor__icontains=query)
            )
            .order_by("hcpcs")[:12]
        )
    return render(
        request,
        "encounters/encounter.html#drug-options",
        {"drugs": found, "query": query},
    )


# One tap on a running administration


PAST = {"start": "started", "pause": "paused", "resume": "resumed", "stop": "stopped"}


def tap_view(verb: str) -> Callable[..., HttpResponse]:
    @require_POST
    @role_required(Role.NURSE)
    def view(request: AuthenticatedRequest, pk: int, apk: int) -> HttpResponse:
        target, administrations = get_administration(request, pk, apk)
        visit = target.encounter
        tap = ActionForm(request.POST)
        if not tap.is_valid():
            return incomplete_tap()
        now = clock.now()

        def act() -> str:
            getattr(target, verb)(at=now, by=request.user, key=tap.cleaned_data["key"])
            local = timezone.localtime(now, visit.location.tz)
            return f"{target.drug_name} {PAST[verb]} at {local:%H:%M}."

        outcome = perform(visit, action=act, **tap.cleaned_data)
        return respond(request, visit, administrations, outcome)

    view.__name__ = f"{verb}_administration"
    return view


start_administration = tap_view("start")
pause_administration = tap_view("pause")
resume_administration = tap_view("resume")
stop_administration = tap_view("stop")


@require_http_methods(["GET", "POST"])
@role_required(Role.NURSE)
def correct_time(request: AuthenticatedRequest, pk: int, apk: int) -> HttpResponse:
    target, administrations = get_administration(request, pk, apk)
    visit = target.encounter
    if request.method == "GET":
        form = CorrectTimeForm(administration=target)
        return form_fragment(request, visit, "correct-form", a=target, form=form)
    tap = ActionForm(request.POST)
    form = CorrectTimeForm(request.POST, administration=target)
    if not tap.is_valid():
        return incomplete_tap()
    if not form.is_valid():
        outcome = Outcome(422, "The time was not corrected; see below.", "danger")
        return respond(
            request, visit, administrations, outcome, **{f"correct_{target.pk}": form}
        )
    kind, n = form.cleaned_data["point"].split(":")
    events = [e for e in target.events.all() if e.kind == kind]
    if int(n) >= len(events):
        outcome = Outcome(409, "That time is no longer on record.", "danger")
        return respond(request, visit, administrations, outcome)
    event: AdministrationEvent = events[int(n)]
    original = event.at.astimezone(visit.location.tz)
    to = form.moment(original.date(), visit.location.tz)

    def act() -> str:
        target.correct(
            event,
            to=to,
            reason=form.cleaned_data["reason"],
            by=request.user,
            key=tap.cleaned_data["key"],
        )
        return (
            f"{target.drug_name}: {event.get_kind_display().lower()} time corrected "
            f"from {original:%H:%M} to {to:%H:%M}."
        )

    outcome = perform(visit, action=act, **tap.cleaned_data)
    if outcome.status != 200:
        return respond(
            request, visit, administrations, outcome, **{f"correct_{target.pk}": form}
        )
    return respond(request, visit, administrations, outcome)


@require_http_methods(["GET", "POST"])
@role_required(Role.NURSE)
def edit_administration(
    request: AuthenticatedRequest, pk: int, apk: int
) -> HttpResponse:
    target, administrations = get_administration(request, pk, apk)
    visit = target.encounter
    if request.method == "GET":
        form = EditAdministrationForm.of(target)
        return form_fragment(request, visit, "edit-form", a=target, form=form)
    tap = ActionForm(request.POST)
    form = EditAdministrationForm(request.POST, prefix=f"edit-{target.pk}")
    if not tap.is_valid():
        return incomplete_tap()
    if not form.is_valid():
        outcome = Outcome(422, "Nothing was changed; see below.", "danger")
        return respond(
            request, visit, administrations, outcome, **{f"edit_{target.pk}": form}
        )
    values = {name: form.cleaned_data[name] for name in EditAdministrationForm.FIELDS}
    new_rate = values.pop("rate")
    key = tap.cleaned_data["key"]

    def act() -> str:
        rate_changed = new_rate is not None and new_rate != target.rate
        if rate_changed and target.state in RUNNING_STATES:
            # A rate change while running is part of the timeline: an event.
            target.change_rate(rate=new_rate, at=clock.now(), by=request.user, key=key)
        elif rate_changed or (new_rate is None and target.rate is not None):
            values["rate"] = new_rate
        before, after = changes(target, values)
        if not before and not rate_changed:
            raise Refusal("Nothing was changed.")
        if before:
            target.save(update_fields=list(before))
            audit(
                visit,
                "encounter.administration.changed",
                by=request.user,
                key=None if rate_changed else key,
                target=str(target),
                before=before,
                after=after,
            )
        return f"{target.drug_name} updated."

    outcome = perform(visit, action=act, **tap.cleaned_data)
    return respond(request, visit, administrations, outcome)


@require_POST
@role_required(Role.NURSE)
def mark_documented(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    visit = get_visit(request, pk)
    administrations = administrations_of(visit)
    tap = ActionForm(request.POST)
    if not tap.is_valid():
        return incomplete_tap()

    def act() -> str:
        before = snapshot(visit, ["status"])
        visit.mark_documented(at=clock.now())
        audit(
            visit,
            "encounter.documented",
            by=request.user,
            key=tap.cleaned_data["key"],
            before=before,
            after=snapshot(visit, ["status"]),
        )
        return f"{visit.patient.name}'s encounter is documented; the chair is free."

    outcome = perform(visit, action=act, **tap.cleaned_data)
    return respond(request, visit, administrations, outcome)


@require_POST
@role_required(Role.NURSE)
def send_to_coding(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    visit = get_visit(request, pk)
    tap = ActionForm(request.POST)
    if not tap.is_valid():
        return incomplete_tap()

    def act() -> str:
        before = snapshot(visit, ["status"])
        visit.send_to_coding()
        audit(
            visit,
            "encounter.sent_to_coding",
            by=request.user,
            key=tap.cleaned_data["key"],
            before=before,
            after=snapshot(visit, ["status"]),
        )
        return f"{visit.patient.name}'s encounter is on the coders' worklist."

    outcome = perform(visit, action=act, editable_only=False, **tap.cleaned_data)
    if outcome.changed:
        messages.success(request, outcome.message)
        if request.htmx:
            return HttpResponseClientRedirect(reverse("encounters:board"))
        return redirect("encounters:board")
    return respond(request, visit, administrations_of(visit), outcome)
