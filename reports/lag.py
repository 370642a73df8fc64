"""How long charges wait: days from the date of service to documented, to the
claim finalised and to its first export, by week; and the encounters still
waiting, by status and age."""

import statistics
from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Min

from claims.models import Claim
from encounters.models import Encounter, EncounterQuerySet
from reports.charts import Chart
from reports.report import Filters, Report, Row

WAITING = (
    Encounter.Status.DOCUMENTED,
    Encounter.Status.READY_FOR_CODING,
    Encounter.Status.CODED,
)
AGES = (
    (0, 7, "0-7 days"),
    (8, 14, "8-14 days"),
    (15, 30, "15-30 days"),
    (31, None, "over 30 days"),
)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def build(filters: Filters) -> Report:
    documented: dict[date, list[float]] = defaultdict(list)
    for day, at in (
        filters.encounters()
        .filter(documented_at__isnull=False)
        .values_list("date", "documented_at")
    ):
        if at is not None:
            documented[week_of(day)].append(max((at.date() - day).days, 0))
    finalised: dict[date, list[float]] = defaultdict(list)
    exported: dict[date, list[float]] = defaultdict(list)
    claims = (
        Claim.objects.filter(
            encounter__in=filters.encounters(), version=1, finalised_at__isnull=False
        )
        .annotate(first_export=Min("exports__created_at"))
        .values_list("date_of_service", "finalised_at", "first_export")
    )
    for served, at, sent in claims:
        if served is None or at is None:
            continue
        finalised[week_of(served)].append(max((at.date() - served).days, 0))
        if sent is not None:
            exported[week_of(served)].append(max((sent.date() - served).days, 0))
    weeks = sorted(documented.keys() | finalised.keys())
    rows = [
        Row(
            key=week.isoformat(),
            label=f"week of {week:%Y-%m-%d}",
            cells=(
                len(documented[week]),
                median(documented[week]),
                median(finalised[week]),
                median(exported[week]),
            ),
        )
        for week in weeks
    ]
    return Report(
        slug="lag",
        title="Charge lag by week of service",
        about="Median days from the date of service to the nurse's documentation, "
        "to the first finalised claim and to its first export as an 837.",
        columns=(
            "Week",
            "Encounters",
            "Days to documented",
            "Days to finalised",
            "Days to exported",
        ),
        rows=rows,
        chart=Chart(
            title="Median days from service to documented, finalised and exported",
            series=("Documented", "Finalised", "Exported"),
            labels=tuple(row.label for row in rows),
            values=tuple(row.cells[1:] for row in rows),
            unit=" days",
        ),
    )


def behind(filters: Filters, key: str) -> EncounterQuerySet:
    try:
        week = date.fromisoformat(key)
    except ValueError:
        return filters.encounters().none()
    return filters.encounters().filter(date__range=(week, week + timedelta(days=6)))


def build_waiting(filters: Filters) -> Report:
    today = filters.until
    counts: dict[str, list[int]] = {status: [0] * len(AGES) for status in WAITING}
    for status, day in (
        filters.encounters().filter(status__in=WAITING).values_list("status", "date")
    ):
        age = (today - day).days
        for n, (low, high, _) in enumerate(AGES):
            if age >= low and (high is None or age <= high):
                counts[status][n] += 1
    rows = [
        Row(
            key=str(status),
            label=str(Encounter.Status(status).label),
            cells=tuple(counts[status]),
        )
        for status in WAITING
    ]
    return Report(
        slug="waiting",
        title="Encounters waiting, by status and age",
        about="Encounters dated in the range not yet finalised, by how many days "
        "they have waited since the date of service (counted to the range's end).",
        columns=("Status", *(label for _, _, label in AGES)),
        rows=rows,
        chart=Chart(
            title="Encounters waiting by status and age",
            series=tuple(label for _, _, label in AGES),
            labels=tuple(row.label for row in rows),
            values=tuple(row.cells for row in rows),
        ),
    )


def behind_waiting(filters: Filters, key: str) -> EncounterQuerySet:
    return filters.encounters().filter(status=key if key in WAITING else "none")
