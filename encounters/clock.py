"""The time a tap records.

Every Start, Pause, Resume and Stop takes the server's time from here, never
from the browser. It is one seam on purpose (like Django's
PasswordResetTokenGenerator._now()): the browser test lets an infusion run for
an hour in a moment by moving this clock and the page's clock together.
"""

from datetime import datetime, timedelta

from django.utils import timezone


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return timezone.now() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta

    def reset(self) -> None:
        self.offset = timedelta(0)


clock = Clock()
