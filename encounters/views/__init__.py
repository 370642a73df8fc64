"""Views of the chair-side screens, one module per screen."""

from encounters.views.administration import (
    correct_time,
    edit_administration,
    pause_administration,
    resume_administration,
    start_administration,
    stop_administration,
)
from encounters.views.board import board, check_in
from encounters.views.encounter import (
    add_administration,
    add_site,
    drugs,
    encounter,
    mark_documented,
    send_to_coding,
)

__all__ = [
    "add_administration",
    "add_site",
    "board",
    "check_in",
    "correct_time",
    "drugs",
    "edit_administration",
    "encounter",
    "mark_documented",
    "pause_administration",
    "resume_administration",
    "send_to_coding",
    "start_administration",
    "stop_administration",
]
