"""The timeline picture: geometry for a server-rendered SVG of an encounter.

One lane per IV site (and one for what needs no site), bars for timed runs
with their pauses left as gaps, ticks for pushes and injections, the derived
codes written on the bars, a hatch where two runs overlap and a now-line while
anything runs. `svg()` draws it; encounters/encounter.html#timeline places it
on the page, and any page can include that partial with a `timeline` built here.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from encounters.models import Administration, IVSite

WIDTH = 740
GUTTER = 110  # lane labels
TOP = 28  # hour labels
ROW = 34  # one bar
LANE_PAD = 10
LABEL_CHAR = 7  # width of a label character at the picture's font size


@dataclass(frozen=True)
class Segment:
    x: float
    width: float


@dataclass
class Bar:
    administration: Administration
    y: float
    segments: list[Segment]
    gaps: list[Segment]
    label: str
    codes: str
    running: bool
    overdue: bool

    @property
    def text_x(self) -> float:
        return self.segments[0].x + 4


@dataclass(frozen=True)
class Tick:
    administration: Administration
    x: float
    y: float
    label: str
    codes: str

    @property
    def text(self) -> str:
        return f"{self.codes} · {self.label}" if self.codes else self.label


@dataclass(frozen=True)
class Lane:
    label: str
    y: float
    height: float


@dataclass
class Timeline:
    width: int
    height: float
    hours: list[tuple[float, str]]
    lanes: list[Lane]
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    overlaps: list[tuple[float, float, float]] = field(default_factory=list)
    now_x: float | None = None

    @property
    def empty(self) -> bool:
        return not self.bars and not self.ticks

    @property
    def svg(self) -> SafeString:
        return svg(self)


def codes_by_administration(result: dict[str, Any] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for line in (result or {}).get("lines", []):
        if line.get("kind", "administration") != "administration":
            continue
        units = line.get("units", 1)
        code = line["code"] + (f"×{units}" if units not in (1, 1.0) else "")
        for ident in line.get("administrations", []):
            out[ident].append(code)
    return out


def start_of(administration: Administration) -> datetime:
    """When an administration known to have started did so."""
    assert administration.started_at is not None
    return administration.started_at


def build(
    administrations: Sequence[Administration],
    sites: Sequence[IVSite],
    *,
    now: datetime,
    zone: Any,
    result: dict[str, Any] | None = None,
) -> Timeline:
    started = [a for a in administrations if a.started_at is not None]
    moments = [start_of(a) for a in started] + [
        a.stopped_at for a in started if a.stopped_at
    ]
    running = any(a.in_progress for a in started)
    if running:
        moments.append(now)
    first = min(moments, default=now).astimezone(zone)
    last = max(moments, default=now).astimezone(zone)
    begin = first.replace(minute=0, second=0, microsecond=0)
    end = last.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    end = max(end, begin + timedelta(hours=2))
    span = (end - begin).total_seconds()

    def x(moment: datetime) -> float:
        seconds = (moment - begin).total_seconds()
        return round(GUTTER + (WIDTH - GUTTER - 8) * seconds / span, 1)

    hours = []
    hour = begin
    while hour <= end:
        hours.append((x(hour), f"{hour:%H:%M}"))
        hour += timedelta(hours=1)

    codes = codes_by_administration(result)
    lanes_of: dict[int | None, list[Administration]] = {s.pk: [] for s in sites}
    for a in started:
        lanes_of.setdefault(a.site_id, []).append(a)
    labels = {s.pk: str(s) for s in sites}
    timeline = Timeline(WIDTH, 0, hours, [])
    y = TOP
    for site_id, members in lanes_of.items():
        if site_id is None and not members:
            continue
        timed = [a for a in members if a.is_timed]
        rows: list[datetime] = []  # end of the last bar in each row
        top = y + LANE_PAD / 2
        for a in sorted(timed, key=start_of):
            spans = a.run.stretches(now)
            row = next(
                (i for i, free in enumerate(rows) if start_of(a) >= free), len(rows)
            )
            finish = a.stopped_at or now
            if row == len(rows):
                rows.append(finish)
            rows[row] = finish
            segments = [Segment(x(s), max(x(e) - x(s), 2)) for s, e in spans]
            gaps = [
                Segment(x(p), max(x(r or a.stopped_at or now) - x(p), 1))
                for p, r in a.run.pauses
            ]
            timeline.bars.append(
                Bar(
                    administration=a,
                    y=top + row * ROW,
                    segments=segments or [Segment(x(start_of(a)), 2)],
                    gaps=gaps,
                    label=a.drug_name,
                    codes=" ".join(codes.get(str(a.pk), [])),
                    running=a.in_progress,
                    overdue=a.is_overdue(now),
                )
            )
        pushes = sorted((a for a in members if not a.is_timed), key=start_of)
        tick_rows: list[float] = []  # where the last label in each row ends
        for a in pushes:
            tick = Tick(
                a,
                x(start_of(a)),
                0,
                a.drug_name,
                " ".join(codes.get(str(a.pk), [])),
            )
            # Pushes minutes apart would write over each other: a row each.
            row = next(
                (i for i, end in enumerate(tick_rows) if tick.x > end), len(tick_rows)
            )
            if row == len(tick_rows):
                tick_rows.append(0)
            tick_rows[row] = tick.x + LABEL_CHAR * len(tick.text) + 16
            tick_y = top + (len(rows) + row) * ROW
            timeline.ticks.append(replace(tick, y=tick_y))
        height = max((len(rows) + len(tick_rows)) * ROW, ROW) + LANE_PAD
        label = labels.get(site_id, "No IV site") if site_id else "No IV site"
        timeline.lanes.append(Lane(label, y, height))
        y += height
    timeline.height = y + 6
    timeline.overlaps = overlaps(started, now, x, timeline)
    if running:
        timeline.now_x = x(now)
    return timeline


def overlaps(
    started: Sequence[Administration],
    now: datetime,
    x: Callable[[datetime], float],
    timeline: Timeline,
) -> list[tuple[float, float, float]]:
    """Where two timed runs overlap (concurrent): (x, width, y of the later bar)."""
    bars = {bar.administration.pk: bar for bar in timeline.bars}
    timed = [a for a in started if a.is_timed and not a.kvo]
    out = []
    for i, a in enumerate(timed):
        for b in timed[i + 1 :]:
            for s1, e1 in a.run.stretches(now):
                for s2, e2 in b.run.stretches(now):
                    s, e = max(s1, s2), min(e1, e2)
                    if e > s:
                        width = max(x(e) - x(s), 2)
                        out.append((x(s), width, bars[a.pk].y))
                        out.append((x(s), width, bars[b.pk].y))
    return out


def n(value: float) -> str:
    """An SVG coordinate: short and never localised (no thousands separators)."""
    return f"{value:.1f}".removesuffix(".0")


def svg(timeline: Timeline) -> SafeString:
    """The picture as SVG markup, built here rather than in a template loop: it
    is drawn on every tap, and the numbers stay plain (never localised)."""
    parts = [
        format_html(
            '<svg class="timeline" viewBox="0 0 {} {}" role="img" '
            'aria-label="Timeline of the encounter" xmlns="http://www.w3.org/2000/svg">'
            '<defs><pattern id="concurrent-hatch" patternUnits="userSpaceOnUse" '
            'width="6" height="6" patternTransform="rotate(45)"><line x1="0" y1="0" '
            'x2="0" y2="6" stroke="#212529" stroke-width="2" stroke-opacity="0.45"/>'
            "</pattern></defs>",
            timeline.width,
            n(timeline.height),
        )
    ]
    for x, label in timeline.hours:
        parts.append(
            format_html(
                '<line class="hour" x1="{x}" y1="18" x2="{x}" y2="{h}"/>'
                '<text class="hour-label" x="{x}" y="13" text-anchor="middle">{label}'
                "</text>",
                x=n(x),
                h=n(timeline.height),
                label=label,
            )
        )
    for i, lane in enumerate(timeline.lanes):
        parts.append(
            format_html(
                '<g transform="translate(0 {y})"><rect class="lane{odd}" x="0" y="0" '
                'width="{w}" height="{h}"/><text class="lane-label" x="4" y="20">'
                "{label}</text></g>",
                y=n(lane.y),
                odd=" lane-odd" if i % 2 == 0 else "",
                w=timeline.width,
                h=n(lane.height),
                label=Truncator(lane.label).chars(16),
            )
        )
    for bar in timeline.bars:
        a = bar.administration
        category = (a.drug.category if a.drug else "") or "review"
        classes = "bar" + (" running" if bar.running else "")
        classes += (" overdue" if bar.overdue else "") + f" category-{category}"
        text = f"{bar.codes} · {bar.label}" if bar.codes else bar.label
        parts.append(
            format_html(
                '<g class="{}" transform="translate(0 {})"><title>{}</title>',
                classes,
                n(bar.y),
                f"{bar.label}: {bar.codes}" if bar.codes else bar.label,
            )
        )
        parts.extend(
            format_html(
                '<rect class="run" x="{}" y="0" width="{}" height="26" rx="4"/>',
                n(s.x),
                n(s.width),
            )
            for s in bar.segments
        )
        parts.extend(
            format_html(
                '<line class="gap" x1="{}" y1="13" x2="{}" y2="13"/>',
                n(g.x),
                n(g.x + g.width),
            )
            for g in bar.gaps
        )
        parts.append(
            format_html(
                '<text class="bar-label" x="{}" y="17">{}</text></g>',
                n(bar.text_x),
                Truncator(text).chars(34),
            )
        )
    parts.extend(
        format_html(
            '<rect class="concurrent" x="{}" y="{}" width="{}" height="26" '
            'fill="url(#concurrent-hatch)"><title>concurrent</title></rect>',
            n(x),
            n(y),
            n(width),
        )
        for x, width, y in timeline.overlaps
    )
    parts.extend(
        format_html(
            '<g class="tick" transform="translate({} {})"><title>{}</title>'
            '<line x1="0" y1="0" x2="0" y2="26"/><circle cx="0" cy="6" r="5"/>'
            '<text class="tick-label" x="8" y="20">{}</text></g>',
            n(tick.x),
            n(tick.y),
            f"{tick.label}: {tick.codes}" if tick.codes else tick.label,
            tick.text,
        )
        for tick in timeline.ticks
    )
    if timeline.now_x is not None:
        parts.append(
            format_html(
                '<line class="now" x1="{x}" y1="16" x2="{x}" y2="{h}"/><text '
                'class="now-label" x="{x}" y="26" text-anchor="middle">now</text>',
                x=n(timeline.now_x),
                h=n(timeline.height),
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))
