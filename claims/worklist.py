"""The coder's worklist: encounters sent to coding and later, filtered, with
a count per status and keyset pagination, so a page costs the same few
queries at 100 or 100,000 encounters."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q

from accounts.roles import Role
from coding.models import SEVERITY_RANK
from encounters.models import Administration, Encounter, Location
from payers.models import Payer

STATES = (
    Encounter.Status.READY_FOR_CODING,
    Encounter.Status.CODED,
    Encounter.Status.FINALISED,
)
PAGE_SIZE = 25


class NurseField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class WorklistFilter(forms.Form):
    SORTS = {"newest": ("-date", "-pk"), "oldest": ("date", "pk")}
    FINDINGS = {
        "error": "Has errors",
        "warning": "Has warnings, no errors",
        "attention": "Errors or warnings",
        "clean": "No errors or warnings",
    }

    date_from = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "All")] + [(s.value, s.label) for s in STATES],
    )
    location = forms.ModelChoiceField(queryset=Location.objects.none(), required=False)
    payer = forms.ModelChoiceField(
        queryset=Payer.objects.order_by("name"), required=False
    )
    findings = forms.ChoiceField(
        required=False, choices=[("", "Any"), *FINDINGS.items()]
    )
    nurse = NurseField(queryset=User.objects.none(), required=False)
    sort = forms.ChoiceField(
        required=False,
        choices=[("newest", "Newest first"), ("oldest", "Oldest first")],
    )
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        places = Location.objects.filter(staff=user)
        location, nurse = self.fields["location"], self.fields["nurse"]
        assert isinstance(location, forms.ModelChoiceField)
        assert isinstance(nurse, NurseField)
        location.queryset = places
        nurse.queryset = (
            User.objects.filter(groups__name=Role.NURSE.value, locations__in=places)
            .distinct()
            .order_by("first_name", "username")
        )
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if select else "form-control"

    def clean_after(self) -> tuple[date, int] | None:
        raw = self.cleaned_data.get("after") or ""
        if not raw:
            return None
        try:
            day, pk = raw.split("_")
            return date.fromisoformat(day), int(pk)
        except ValueError:
            raise forms.ValidationError(
                "That page link is damaged; start again."
            ) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


def filtered(user: Any, data: dict[str, Any]) -> Any:
    """Encounters matching every filter except status (counted per status)."""
    found = Encounter.objects.for_user(user).filter(status__in=STATES)
    if data.get("date_from"):
        found = found.filter(date__gte=data["date_from"])
    if data.get("date_to"):
        found = found.filter(date__lte=data["date_to"])
    if data.get("location"):
        found = found.filter(location=data["location"])
    if data.get("payer"):
        found = found.filter(payer=data["payer"])
    findings = data.get("findings")
    if findings in {"error", "warning"}:
        found = found.filter(derivation__worst_severity=findings)
    elif findings == "attention":
        found = found.filter(derivation__worst_severity__in=["error", "warning"])
    elif findings == "clean":
        found = found.exclude(derivation__worst_severity__in=["error", "warning"])
    if data.get("nurse"):
        found = found.filter(
            Exists(
                Administration.objects.filter(
                    encounter=OuterRef("pk"), created_by=data["nurse"]
                )
            )
        )
    return found


@dataclass
class Page:
    rows: list[Encounter]
    counts: dict[str, int]
    total: int
    next_after: str

    @property
    def count_rows(self) -> list[tuple[str, str, int]]:
        return [(s.value, s.label, self.counts.get(s.value, 0)) for s in STATES]


def page(user: Any, data: dict[str, Any]) -> Page:
    """One page of the worklist: three queries whatever the table holds."""
    found = filtered(user, data)
    counts = dict(
        found.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    status = data.get("status")
    total = counts.get(status, 0) if status else sum(counts.values())
    if status:
        found = found.filter(status=status)
    order = WorklistFilter.SORTS[data.get("sort") or "newest"]
    after = data.get("after")
    if after is not None:
        day, pk = after
        if order[0] == "-date":
            found = found.filter(Q(date__lt=day) | Q(date=day, pk__lt=pk))
        else:
            found = found.filter(Q(date__gt=day) | Q(date=day, pk__gt=pk))
    rows = list(
        found.select_related("patient", "location", "payer", "derivation").order_by(
            *order
        )[: PAGE_SIZE + 1]
    )
    next_after = ""
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        last = rows[-1]
        next_after = f"{last.date.isoformat()}_{last.pk}"
    for row in rows:
        row.worst = worst_finding(row)
    return Page(rows, counts, total, next_after)


def worst_finding(encounter: Encounter) -> dict[str, Any] | None:
    derivation = getattr(encounter, "derivation", None)
    if derivation is None or not derivation.worst_severity:
        return None
    if derivation.errors:
        return {"severity": "error", "message": derivation.errors[0]["message"]}
    return max(
        derivation.findings,
        key=lambda f: SEVERITY_RANK.get(f.get("severity", ""), 0),
        default=None,
    )
