"""The nurse's home: the chair board and checking a patient in."""

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from accounts.http import AuthenticatedRequest
from accounts.roles import Role, role_required
from encounters.clock import clock
from encounters.forms import ActionForm, CheckInForm
from encounters.models import Administration, Coverage, Encounter, Location
from encounters.services import Outcome, audit, perform
from encounters.views.access import (
    LEVELS,
    clock_on,
    get_encounter,
    incomplete_tap,
)
from payers.models import check_authorisations

# Chair board


def board_context(
    request: AuthenticatedRequest, notice: Outcome | None = None
) -> dict[str, Any]:
    now = clock.now()
    today = timezone.localdate(now)
    encounters = (
        Encounter.objects.for_user(request.user)
        .on(today)
        .select_related("patient", "chair", "location", "payer")
        .prefetch_related(
            Prefetch(
                "administrations",
                queryset=Administration.objects.select_related("drug").order_by("pk"),
            ),
            # Every encounter on the board is today's: the coverage in force
            # today is the one of its date of service.
            Prefetch("patient__coverages", queryset=Coverage.objects.in_force(today)),
        )
        .order_by("visit_number")
    )
    locations = Location.objects.filter(staff=request.user).prefetch_related("chairs")
    by_location: dict[int, dict[str, Any]] = {
        place.pk: {
            "location": place,
            "chairs": {
                chair.pk: {"chair": chair, "encounter": None}
                for chair in place.chairs.all()
            },
            "scheduled": [],
            "done": [],
        }
        for place in locations
    }
    # Patients waiting or in a chair: their prior authorisations are shown.
    present = []
    for encounter in encounters:
        group = by_location[encounter.location_id]
        encounter.uncovered = not encounter.patient.coverages.all()
        if encounter.status == Encounter.Status.SCHEDULED:
            group["scheduled"].append(encounter)
            present.append(encounter)
        elif encounter.status == Encounter.Status.IN_CHAIR and encounter.chair_id:
            group["chairs"][encounter.chair_id]["encounter"] = encounter
            present.append(encounter)
            encounter.runs = [
                a for a in encounter.administrations.all() if a.in_progress
            ]
            for a in encounter.runs:
                clock_on(a, now)
            encounter.overdue = any(a.overdue for a in encounter.runs)
        else:
            group["done"].append(encounter)
    checks = check_authorisations(present)
    for encounter in present:
        encounter.authorisation_check = checks[encounter.pk]
    for group in by_location.values():
        group["chairs"] = list(group["chairs"].values())
        group["free_chairs"] = [
            s["chair"] for s in group["chairs"] if not s["encounter"]
        ]
    return {"groups": list(by_location.values()), "now": now, "notice": notice}


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
    encounter = get_encounter(request, pk)
    tap = ActionForm(request.POST)
    form = CheckInForm(request.POST, encounter=encounter)
    if not tap.is_valid():
        return incomplete_tap()
    if not form.is_valid():
        outcome = Outcome(422, "Choose a free chair for the patient.", "danger")
    else:
        chair = form.cleaned_data["chair"]

        def act() -> str:
            encounter.check_in(chair=chair, at=clock.now())
            audit(
                encounter,
                "encounter.checked_in",
                by=request.user,
                key=tap.cleaned_data["key"],
                target=str(encounter.patient),
                after={"chair": chair.name},
            )
            return f"{encounter.patient.name} is in {chair.name}."

        outcome = perform(encounter, action=act, **tap.cleaned_data)
        if outcome.status == 200:
            messages.add_message(request, LEVELS[outcome.level], outcome.message)
            if request.htmx:
                return HttpResponseClientRedirect(encounter.get_absolute_url())
            return redirect(encounter)
    if not request.htmx:
        messages.error(request, outcome.message)
        return redirect("encounters:board")
    return render(
        request,
        "encounters/board.html#chairs",
        board_context(request, outcome),
        status=outcome.status,
    )
