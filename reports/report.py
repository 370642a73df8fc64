"""What every report is made of: the filters they share, rows with the key a
number is followed by, and a chart of the same numbers."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from encounters.models import Encounter, EncounterQuerySet, Location
from reports.charts import Chart


@dataclass(frozen=True, kw_only=True)
class Filters:
    user: Any
    since: date
    until: date
    location: Location | None = None

    def encounters(self) -> EncounterQuerySet:
        """The encounters the user may see, dated in the range, at the location."""
        found = Encounter.objects.for_user(self.user).filter(
            date__range=(self.since, self.until)
        )
        if self.location is not None:
            found = found.filter(location=self.location)
        return found


@dataclass(frozen=True, kw_only=True)
class Row:
    key: str  # what the drill-down link names
    label: str
    cells: tuple[Any, ...]


@dataclass(frozen=True, kw_only=True)
class Report:
    slug: str
    title: str
    about: str
    columns: tuple[str, ...]
    rows: list[Row]
    chart: Chart


@dataclass(frozen=True, kw_only=True)
class Kind:
    """A report: how it is built, and the encounters behind one of its rows."""

    slug: str
    build: Callable[[Filters], Report]
    behind: Callable[[Filters, str], EncounterQuerySet]
