"""A payer's versions on a time line: the geometry of the SVG the payer's page
draws (payers/payer_detail.html), one lane per status."""

from datetime import date, timedelta
from typing import Any

from payers.models import PolicyVersion

WIDTH = 1000
LANES = {
    PolicyVersion.Status.PUBLISHED: 0,
    PolicyVersion.Status.DRAFT: 1,
    PolicyVersion.Status.RETIRED: 2,
}


def build(versions: list[PolicyVersion], today: date) -> dict[str, Any]:
    """Bars for an SVG time line (attributes, not inline styles: CSP). Open
    ends run a year past today."""
    if not versions:
        return {"bars": [], "ticks": []}
    start = min(v.effective_from for v in versions).replace(month=1, day=1)
    horizon = today + timedelta(days=365)
    end = max([horizon, *(v.effective_to for v in versions if v.effective_to)])
    span = (end - start).days or 1

    def x(day: date) -> int:
        return round(WIDTH * (day - start).days / span)

    bars = [
        {
            "version": v,
            "x": x(v.effective_from),
            "width": max(4, x(v.effective_to or end) - x(v.effective_from)),
            "y": 22 + 36 * LANES[PolicyVersion.Status(v.status)],
        }
        for v in versions
    ]
    ticks = [
        {"x": x(date(year, 1, 1)), "label": year}
        for year in range(start.year, end.year + 1)
    ]
    return {"bars": bars, "ticks": ticks, "today_x": x(today), "width": WIDTH}
