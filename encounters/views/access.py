"""Fetching what the user may touch, and the answers every action shares."""

from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from accounts.http import AuthenticatedRequest, refused
from encounters.models import Administration, Encounter

LEVELS = {
    "success": messages.SUCCESS,
    "info": messages.INFO,
    "warning": messages.WARNING,
    "danger": messages.ERROR,
}


def get_encounter(request: AuthenticatedRequest, pk: int) -> Encounter:
    return get_object_or_404(
        Encounter.objects.for_user(request.user).select_related(
            "location", "patient", "payer", "chair"
        ),
        pk=pk,
    )


def administrations_of(encounter: Encounter) -> list[Administration]:
    found = list(
        encounter.administrations.select_related("drug", "site").order_by("pk")
    )
    for a in found:
        a.encounter = encounter
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


def clock_on(administration: Administration, now: datetime) -> None:
    """What a card or a chair shows of a run as of `now`; templates cannot
    call a method with an argument."""
    administration.running_seconds_now = administration.running_seconds(now)
    administration.overdue = administration.is_overdue(now)


def incomplete_tap() -> HttpResponse:
    return refused(
        "This tap came without its key or version. Nothing was saved; reload "
        "the page and tap again.",
        status=400,
    )
