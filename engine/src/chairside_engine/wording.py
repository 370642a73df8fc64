"""How services are written in explanations, in words a coder checks on the chart."""

from decimal import Decimal
from typing import Final

from chairside_engine.amounts import plain
from chairside_engine.classification import CHEMO, HYDRATION, INFUSION, PUSH, Service
from chairside_engine.intervals import Clock

KIND_WORDS: Final = {INFUSION: "infusion", PUSH: "push", HYDRATION: "hydration"}


def what(service: Service) -> str:
    """'chemotherapy infusion of oxaliplatin', 'therapeutic push of ondansetron'."""
    if service.kind == HYDRATION:
        return f"hydration with {service.names}"
    family = "chemotherapy" if service.family == CHEMO else "therapeutic"
    kind = KIND_WORDS.get(service.kind, service.kind.replace("_", " "))
    return f"{family} {kind} of {service.names}"


def when(service: Service, clock: Clock) -> str:
    """'09:02-11:05 (123 min)', 'at 09:30', or the pieces of a paused run."""
    if not service.intervals:
        return f"at {clock.show(service.start)}"
    intervals = service.intervals
    if len(intervals) == 1:  # the usual run, without a pause
        start, stop = intervals[0]
        spans = clock.span(start, stop)
    else:
        spans = ", ".join([clock.span(a, b) for a, b in intervals])
    return f"{spans} ({service.minutes} min)"


def plural(count: int | Decimal, word: str) -> str:
    number = plain(count) if isinstance(count, Decimal) else str(count)
    return f"{number} {word}" if count == 1 else f"{number} {word}s"
