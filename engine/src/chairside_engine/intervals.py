"""Clock times and intervals: drip-to-drip minutes (R27-R28).

Times are kept as whole seconds since the epoch, so that a run across midnight
or a daylight-saving change measures what really elapsed; they are shown in the
encounter's time zone. An interval is a (start, stop) pair; a run of one
infusate may be several intervals (a paused bag, R38).
"""

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

Interval = tuple[int, int]

# Every HH:MM of a day, in order, and its seconds after midnight: reading or
# writing a time on the date of service is then one lookup.
OF_DAY: Final = {
    f"{hour:02d}:{minute:02d}": hour * 3600 + minute * 60
    for hour in range(24)
    for minute in range(60)
}
BY_MINUTE: Final = tuple(OF_DAY)


class Clock:
    """Reads and writes times in the encounter's zone on its date of service."""

    __slots__ = ("_day", "_fixed", "_local_cache", "zone")

    def __init__(self, zone: ZoneInfo, day: date | None) -> None:
        self.zone = zone
        self._local_cache: dict[int, datetime] = {}
        self.day = day

    @property
    def day(self) -> date | None:
        return self._day

    @day.setter
    def day(self, day: date | None) -> None:
        # The date of service is inferred from the times when not given.
        self._day = day
        self._fixed = None if day is None else _day_span(self.zone, day)

    def at(self, text: str) -> int:
        """Seconds since the epoch for `HH:MM` or an ISO 8601 date-time.

        Raises ValueError with a message fit for the user.
        """
        of_day = OF_DAY.get(text)
        if of_day is not None:
            if self._fixed is not None:
                return self._fixed[0] + of_day
            if self._day is None:
                raise ValueError("date_of_service is needed to read HH:MM times")
            return self.local_seconds(self._day, of_day // 3600, of_day % 3600 // 60)
        if len(text) == 5 and text[2] == ":":
            if self._day is None:
                raise ValueError("date_of_service is needed to read HH:MM times")
            digits = text[:2].isdigit() and text[3:].isdigit()
            raise ValueError(
                f"{text!r} is not a time of day"
                if digits
                else f"{text!r} is not a time written HH:MM"
            )
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{text!r} is neither HH:MM nor an ISO 8601 date-time"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return int(moment.timestamp())

    def local_seconds(self, day: date, hour: int, minute: int) -> int:
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)
        return int(moment.timestamp())

    def local(self, seconds: int) -> datetime:
        # Explanations and dates ask for the same few instants many times.
        moment = self._local_cache.get(seconds)
        if moment is None:
            moment = datetime.fromtimestamp(seconds, UTC).astimezone(self.zone)
            self._local_cache[seconds] = moment
        return moment

    def date_of(self, seconds: int) -> date:
        fixed = self._fixed
        if fixed is not None and fixed[0] <= seconds < fixed[1]:
            return self._day  # type: ignore[return-value]
        return self.local(seconds).date()

    def show(self, seconds: int) -> str:
        """HH:MM, with the date in front when it is not the date of service."""
        fixed = self._fixed
        if fixed is not None and fixed[0] <= seconds < fixed[1]:
            return BY_MINUTE[(seconds - fixed[0]) // 60]
        moment = self.local(seconds)
        if moment.date() == self._day:
            return f"{moment.hour:02d}:{moment.minute:02d}"
        return f"{moment.date().isoformat()} {moment.hour:02d}:{moment.minute:02d}"

    def span(self, start: int, stop: int) -> str:
        return f"{self.show(start)}-{self.show(stop)}"


@lru_cache(maxsize=4096)
def _day_span(zone: ZoneInfo, day: date) -> tuple[int, int, int] | None:
    """(first second, last second + 1, UTC offset) of a day whose offset holds
    all day, else None. Most times then need no time-zone lookup; a zone's
    offsets on a day never change, so every encounter of the day shares this."""
    first = datetime(day.year, day.month, day.day, tzinfo=zone)
    last = first.replace(hour=23, minute=59, second=59)
    offset = first.utcoffset()
    if offset is None or offset != last.utcoffset():
        return None
    return (
        int(first.timestamp()),
        int(last.timestamp()) + 1,
        int(offset.total_seconds()),
    )


def minutes(seconds: int) -> int:
    """Whole minutes; a partial minute is not rounded up (R28)."""
    return seconds // 60


def union(intervals: list[Interval]) -> list[Interval]:
    """The sorted, merged cover of some intervals."""
    out: list[Interval] = []
    for start, stop in sorted(intervals):
        if stop <= start:
            continue
        if out and start <= out[-1][1]:
            if stop > out[-1][1]:
                out[-1] = (out[-1][0], stop)
        else:
            out.append((start, stop))
    return out


def total(intervals: list[Interval]) -> int:
    return sum(stop - start for start, stop in intervals)


def subtract(base: list[Interval], cut: list[Interval]) -> list[Interval]:
    """What of `base` (merged) lies outside `cut` (merged)."""
    out: list[Interval] = []
    for start, stop in base:
        pos = start
        for c_start, c_stop in cut:
            if c_stop <= pos or c_start >= stop:
                continue
            if c_start > pos:
                out.append((pos, c_start))
            pos = max(pos, c_stop)
            if pos >= stop:
                break
        if pos < stop:
            out.append((pos, stop))
    return out


def overlap(a: list[Interval], b: list[Interval]) -> int:
    """Seconds during which both (merged) interval lists run."""
    seconds = 0
    for a_start, a_stop in a:
        for b_start, b_stop in b:
            low, high = max(a_start, b_start), min(a_stop, b_stop)
            if high > low:
                seconds += high - low
    return seconds


def instant_of_minute(intervals: list[Interval], minute: int) -> int:
    """When the `minute`-th minute (1-based) of a run's drip time began."""
    remaining = (minute - 1) * 60
    for start, stop in intervals:
        if remaining < stop - start:
            return start + remaining
        remaining -= stop - start
    return intervals[-1][1] if intervals else 0
