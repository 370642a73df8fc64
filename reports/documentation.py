"""Documentation quality per nurse: infusions left without a stop time (the
charge lost most often), times corrected afterwards, drugs nobody reviewed."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from encounters.models import (
    Administration,
    AdministrationEvent,
    EncounterQuerySet,
    Method,
)
from reports.charts import Chart
from reports.report import Filters, Report, Row

INFUSIONS = (
    Method.INFUSION,
    Method.SC_INFUSION,
    Method.INTRA_ARTERIAL_INFUSION,
    Method.PROLONGED_PUMP,
)
NO_STOP = Q(method__in=INFUSIONS, started_at__isnull=False, stopped_at__isnull=True)
UNREVIEWED = Q(drug__isnull=False, drug__category="")


def build(filters: Filters) -> Report:
    given = Administration.objects.filter(encounter__in=filters.encounters())
    counts = (
        given.values("created_by")
        .annotate(
            infusions=Count("pk", filter=Q(method__in=INFUSIONS)),
            no_stop=Count("pk", filter=NO_STOP),
            unreviewed=Count("pk", filter=UNREVIEWED),
        )
        .order_by("created_by")
    )
    corrected = dict(
        AdministrationEvent.objects.filter(
            administration__in=given, kind=AdministrationEvent.Kind.CORRECTED
        )
        .values("administration__created_by")
        .annotate(n=Count("administration", distinct=True))
        .values_list("administration__created_by", "n")
    )
    names = {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(
            pk__in=[c["created_by"] for c in counts]
        )
    }
    rows = [
        Row(
            key=str(c["created_by"]),
            label=names.get(c["created_by"], "unknown"),
            cells=(
                c["infusions"],
                c["no_stop"],
                corrected.get(c["created_by"], 0),
                c["unreviewed"],
            ),
        )
        for c in counts
    ]
    rows.sort(key=lambda row: (-row.cells[1], row.label))
    return Report(
        slug="documentation",
        title="Documentation quality by nurse",
        about="Infusions each nurse started, those left without a stop time (coded "
        "as the payer's missing-stop choice says, or not at all), those whose "
        "times were corrected afterwards, and doses of a drug nobody has "
        "reviewed.",
        columns=(
            "Nurse",
            "Infusions",
            "No stop time",
            "Times corrected",
            "Unreviewed drug",
        ),
        rows=rows,
        chart=Chart(
            title="Infusions without a stop time, corrected, and unreviewed drugs, "
            "by nurse",
            series=("No stop time", "Times corrected", "Unreviewed drug"),
            labels=tuple(row.label for row in rows),
            values=tuple(row.cells[1:] for row in rows),
        ),
    )


def behind(filters: Filters, key: str) -> EncounterQuerySet:
    nurse = int(key) if key.isdigit() else 0
    flagged = Administration.objects.filter(created_by=nurse).filter(
        NO_STOP | UNREVIEWED | Q(events__kind=AdministrationEvent.Kind.CORRECTED)
    )
    return filters.encounters().filter(administrations__in=flagged).distinct()
