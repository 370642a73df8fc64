"""Bar charts drawn on the server as SVG, like the timeline: plain shapes the
template writes out, a title for screen readers, the table beside each."""

from dataclasses import dataclass
from decimal import Decimal

# Colour-blind safe (Okabe-Ito), the same order in every chart.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
LABEL_WIDTH = 190
CHART_WIDTH = 720
BAR = 14
GAP = 10


@dataclass(frozen=True, kw_only=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str  # what a pointer or a screen reader is told of the bar


@dataclass(frozen=True, kw_only=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "end"


@dataclass(frozen=True, kw_only=True)
class Chart:
    title: str
    series: tuple[str, ...]
    labels: tuple[str, ...]
    # one value per series for each label
    values: tuple[tuple[Decimal | int | float, ...], ...]
    unit: str = ""

    @property
    def legend(self) -> list[tuple[str, str]]:
        return list(zip(COLOURS, self.series, strict=False))

    @property
    def row_height(self) -> int:
        return BAR * len(self.series) + GAP

    @property
    def height(self) -> int:
        return self.row_height * len(self.labels) + 30

    @property
    def width(self) -> int:
        return CHART_WIDTH

    def shapes(self) -> tuple[list[Rect], list[Label]]:
        """The bars and the labels, scaled to the largest value."""
        largest = max(
            (float(v) for row in self.values for v in row if v is not None),
            default=0.0,
        )
        room = CHART_WIDTH - LABEL_WIDTH - 70
        rects, labels = [], []
        for n, (label, row) in enumerate(zip(self.labels, self.values, strict=True)):
            top = n * self.row_height + 10
            labels.append(
                Label(x=LABEL_WIDTH - 8, y=top + self.row_height / 2, text=label)
            )
            for s, value in enumerate(row):
                amount = float(value or 0)
                width = room * amount / largest if largest else 0
                y = top + s * BAR
                rects.append(
                    Rect(
                        x=LABEL_WIDTH,
                        y=y,
                        width=max(width, 0.5 if amount else 0),
                        height=BAR - 2,
                        colour=COLOURS[s % len(COLOURS)],
                        title=f"{label}, {self.series[s]}: {number(value)}{self.unit}",
                    )
                )
                labels.append(
                    Label(
                        x=LABEL_WIDTH + width + 4,
                        y=y + BAR / 2,
                        text=number(value),
                        anchor="start",
                    )
                )
        return rects, labels


def number(value: Decimal | int | float | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value != value.to_integral() else f"{value:,.0f}"
    return f"{value:,}"
