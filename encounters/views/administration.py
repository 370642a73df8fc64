"""One administration: the taps, time corrections and inline edits."""

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedRequest
from accounts.roles import Role, role_required
from encounters.clock import clock
from encounters.forms import ActionForm, CorrectTimeForm, EditAdministrationForm
from encounters.models import AdministrationEvent, Refusal
from encounters.services import Outcome, audit, changes, perform
from encounters.views.access import (
    get_administration,
    incomplete_tap,
)
from encounters.views.encounter import form_fragment, respond

# One tap on a running administration


PAST = {"start": "started", "pause": "paused", "resume": "resumed", "stop": "stopped"}


def tap_view(verb: str) -> Callable[..., HttpResponse]:
    @require_POST
    @role_required(Role.NURSE)
    def view(request: AuthenticatedRequest, pk: int, apk: int) -> HttpResponse:
        target, administrations = get_administration(request, pk, apk)
        encounter = target.encounter
        tap = ActionForm(request.POST)
        if not tap.is_valid():
            return incomplete_tap()
        now = clock.now()

        def act() -> str:
            getattr(target, verb)(at=now, by=request.user, key=tap.cleaned_data["key"])
            local = timezone.localtime(now, encounter.location.tz)
            return f"{target.drug_name} {PAST[verb]} at {local:%H:%M}."

        outcome = perform(encounter, action=act, **tap.cleaned_data)
        return respond(request, encounter, administrations, outcome, tapped=target)

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
    encounter = target.encounter
    if request.method == "GET":
        form = CorrectTimeForm(administration=target)
        return form_fragment(request, encounter, "correct-form", a=target, form=form)
    tap = ActionForm(request.POST)
    form = CorrectTimeForm(request.POST, administration=target)
    if not tap.is_valid():
        return incomplete_tap()
    if not form.is_valid():
        outcome = Outcome(422, "The time was not corrected; see below.", "danger")
        shown: dict[str, Any] = {f"correct_{target.pk}": form}
        return respond(request, encounter, administrations, outcome, **shown)
    kind, n = form.cleaned_data["point"].split(":")
    events = [e for e in target.events.all() if e.kind == kind]
    if int(n) >= len(events):
        outcome = Outcome(409, "That time is no longer on record.", "danger")
        return respond(request, encounter, administrations, outcome)
    event: AdministrationEvent = events[int(n)]
    original = event.at.astimezone(encounter.location.tz)
    to = form.moment(original.date(), encounter.location.tz)

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

    outcome = perform(encounter, action=act, **tap.cleaned_data)
    if outcome.status != 200:
        shown = {f"correct_{target.pk}": form}
        return respond(request, encounter, administrations, outcome, **shown)
    return respond(request, encounter, administrations, outcome)


@require_http_methods(["GET", "POST"])
@role_required(Role.NURSE)
def edit_administration(
    request: AuthenticatedRequest, pk: int, apk: int
) -> HttpResponse:
    target, administrations = get_administration(request, pk, apk)
    encounter = target.encounter
    if request.method == "GET":
        form = EditAdministrationForm.of(target)
        return form_fragment(request, encounter, "edit-form", a=target, form=form)
    tap = ActionForm(request.POST)
    form = EditAdministrationForm(request.POST, administration=target)
    if not tap.is_valid():
        return incomplete_tap()
    if not form.is_valid():
        outcome = Outcome(422, "Nothing was changed; see below.", "danger")
        shown: dict[str, Any] = {f"edit_{target.pk}": form}
        return respond(request, encounter, administrations, outcome, **shown)
    values = form.values()
    new_rate = values.pop("rate")
    key = tap.cleaned_data["key"]

    def act() -> str:
        rate_changed = new_rate is not None and new_rate != target.rate
        if rate_changed and target.in_progress:
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
                encounter,
                "encounter.administration.changed",
                by=request.user,
                key=None if rate_changed else key,
                target=str(target),
                before=before,
                after=after,
            )
        return f"{target.drug_name} updated."

    outcome = perform(encounter, action=act, **tap.cleaned_data)
    return respond(request, encounter, administrations, outcome)
