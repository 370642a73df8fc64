"""Chair use: the chair-hours a location's encounters occupied (from check-in
to the nurse's documentation) against the hours its chairs are open, per
weekday."""

from collections import defaultdict
from datetime import timedelta

from encounters.models import EncounterQuerySet, Location, OpeningHours
from reports.charts import Chart
from reports.report import Filters, Report, Row

DAYS = OpeningHours.Weekday


def build(filters: Filters) -> Report:
    locations = Location.objects.filter(staff=filters.user).prefetch_related(
        "opening_hours", "chairs"
    )
    if filters.location is not None:
        locations = locations.filter(pk=filters.location.pk)
    weekdays: dict[int, int] = defaultdict(int)
    day = filters.since
    while day <= filters.until:
        weekdays[day.weekday()] += 1
        day += timedelta(days=1)
    occupied: dict[tuple[int, int], float] = defaultdict(float)
    for place, day, began, ended in (
        filters.encounters()
        .filter(checked_in_at__isnull=False, documented_at__isnull=False)
        .values_list("location_id", "date", "checked_in_at", "documented_at")
    ):
        if began is None or ended is None:
            continue
        hours = (ended - began).total_seconds() / 3600
        occupied[place, day.weekday()] += min(max(hours, 0), 24)
    rows = []
    for location in locations:
        chairs = len(location.chairs.all())
        for opening in location.opening_hours.all():
            available = chairs * opening.hours * weekdays[opening.weekday]
            used = occupied[location.pk, opening.weekday]
            rows.append(
                Row(
                    key=f"{location.pk}-{opening.weekday}",
                    label=f"{location.name}, {DAYS(opening.weekday).label}",
                    cells=(
                        round(available, 1),
                        round(used, 1),
                        round(100 * used / available, 1) if available else None,
                    ),
                )
            )
    return Report(
        slug="chairs",
        title="Chair use by location and weekday",
        about="Chair-hours open (chairs × opening hours × that weekday's days in "
        "the range) and occupied (from each encounter's check-in to its "
        "documentation). Admins set each location's opening hours in the admin.",
        columns=(
            "Location and weekday",
            "Chair-hours open",
            "Chair-hours used",
            "Used %",
        ),
        rows=rows,
        chart=Chart(
            title="Chair-hours open and used by location and weekday",
            series=("Open", "Used"),
            labels=tuple(row.label for row in rows),
            values=tuple(row.cells[:2] for row in rows),
            unit=" h",
        ),
    )


def behind(filters: Filters, key: str) -> EncounterQuerySet:
    location, _, weekday = key.partition("-")
    if not (location.isdigit() and weekday.isdigit()):
        return filters.encounters().none()
    # Django's week_day counts from Sunday = 1; Python's weekday from Monday = 0.
    return filters.encounters().filter(
        location=int(location), date__week_day=(int(weekday) + 1) % 7 + 1
    )
