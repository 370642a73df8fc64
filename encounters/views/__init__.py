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
from encounters.views.patients import (
    add_coverage,
    edit_coverage,
    edit_patient,
    end_coverage_on,
    import_patients_file,
    patient,
    patients,
    register_patient,
)

__all__ = [
    "add_administration",
    "add_coverage",
    "add_site",
    "board",
    "check_in",
    "correct_time",
    "drugs",
    "edit_administration",
    "edit_coverage",
    "edit_patient",
    "encounter",
    "end_coverage_on",
    "import_patients_file",
    "mark_documented",
    "patient",
    "patients",
    "pause_administration",
    "register_patient",
    "resume_administration",
    "send_to_coding",
    "start_administration",
    "stop_administration",
]
