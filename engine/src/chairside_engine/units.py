"""Time-based units (section N's unit table) and the date each unit falls on.

R31: an additional hour needs more than 30 minutes beyond the last counted hour,
so a run of T minutes earns max(0, floor((T - 31) / 60)) add-on units: the k-th
unit is earned by minute 31 + 60k (91, 151, 211 ...).
R32: hydration reported after another initial service earns floor((H + 29) / 60)
units of 96361 once H reaches 31: the k-th unit is earned by minute 31 + 60(k-1).
R70: a run that crosses midnight is one run; its units go on its start date, or
(policy `midnight: actual_date`) each on the date its qualifying minute fell.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from chairside_engine.amounts import ONE
from chairside_engine.classification import Service
from chairside_engine.intervals import Clock, Interval, instant_of_minute
from chairside_engine.policy import Policy
from chairside_engine.result import ADMINISTRATION, Line
from chairside_engine.wording import plural, when


def addon_hours(run_minutes: int) -> int:
    return max(0, (run_minutes - 31) // 60)  # R31


def addon_qualifying_minute(unit: int) -> int:
    return 31 + 60 * unit


def secondary_hydration_units(hydration_minutes: int) -> int:
    return (hydration_minutes + 29) // 60 if hydration_minutes >= 31 else 0  # R32


def secondary_qualifying_minute(unit: int) -> int:
    return 31 + 60 * (unit - 1)


def repeat_hours(run_minutes: int) -> int:
    """R37 (a): a later bag of the same drug, reported with the hour add-on."""
    return 1 + addon_hours(run_minutes)


def repeat_qualifying_minute(unit: int) -> int:
    return 1 if unit == 1 else addon_qualifying_minute(unit - 1)


def units_by_date(
    count: int,
    qualifying_minute: Callable[[int], int],
    intervals: tuple[Interval, ...] | list[Interval],
    clock: Clock,
    start_date: date,
    actual_date: bool,
) -> list[tuple[date, Decimal]]:
    """Split `count` units over the dates they are reported on (R70)."""
    if count <= 0:
        return []
    if not actual_date or not intervals:
        return [(start_date, Decimal(count))]
    runs: dict[date, int] = {}
    for unit in range(1, count + 1):
        moment = instant_of_minute(list(intervals), qualifying_minute(unit))
        day = clock.date_of(moment)
        runs[day] = runs.get(day, 0) + 1
    return [(day, Decimal(n)) for day, n in sorted(runs.items())]


def hour_lines(
    code: str,
    service: Service,
    count: int,
    qualifying_minute: Callable[[int], int],
    clock: Clock,
    policy: Policy,
    explanation: str,
    modifiers: tuple[str, ...] = (),
) -> list[Line]:
    """`count` units of `code` earned over `service`'s run, a line per date."""
    return [
        Line(
            code=code,
            units=units,
            modifiers=modifiers,
            kind=ADMINISTRATION,
            date=day,
            administrations=service.admins,
            explanation=explanation,
        )
        for day, units in units_by_date(
            count,
            qualifying_minute,
            service.intervals,
            clock,
            clock.date_of(service.start),
            policy.midnight == "actual_date",
        )
    ]


def timed_service(
    code: str,
    addon: str | None,
    service: Service,
    explanation: str,
    clock: Clock,
    policy: Policy,
    modifiers: tuple[str, ...] = (),
) -> list[Line]:
    """A time-based service: its own code, then its hour add-on by R31."""
    day = clock.date_of(service.start)
    lines = [
        Line(
            code=code,
            units=ONE,
            modifiers=modifiers,
            kind=ADMINISTRATION,
            date=day,
            administrations=service.admins,
            explanation=explanation,
        )
    ]
    count = addon_hours(service.minutes) if addon else 0
    if addon and count:
        sentence = (
            f"{service.names} ran {when(service, clock)}: "
            f"{plural(count, 'additional hour')}, one for each hour after the first "
            "that runs more than 30 minutes (R31)."
        )
        lines += hour_lines(
            addon, service, count, addon_qualifying_minute, clock, policy, sentence
        )
    return lines
