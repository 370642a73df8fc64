"""The Chairside coding engine: encounter document in, claim lines out.

`derive(document)` implements the coding contract (shared/contract/README.md):
it takes the encounter document as a dict and returns the result as a dict, or
`{"errors": [...]}` for an invalid document. It imports no Django and touches
no database; the reference tables it consults ship with it (see reference.py).
"""

from datetime import date
from typing import Any, Final

from coding.engine.claim import code_encounter
from coding.engine.document import parse
from coding.engine.reference import Reference, packaged

__all__ = ["VERSION", "date_of_service", "derive"]

VERSION: Final = "1.1.0"


def derive(document: Any, *, reference: Reference | None = None) -> dict[str, Any]:
    encounter, errors = parse(document)
    if encounter is None:
        return {
            "errors": [{"path": path, "message": message} for path, message in errors]
        }
    tables = reference or packaged()
    lines, findings = code_encounter(encounter, tables)
    return {
        "payer": encounter.payer,
        "lines": [line.to_dict() for line in lines],
        "findings": [finding.to_dict() for finding in findings],
        "engine": {"version": VERSION, "reference": tables.editions_dict()},
    }


def date_of_service(document: Any) -> date | None:
    """The date a valid document's services are on: its date_of_service, else
    the local date of its earliest start; None when the document is invalid."""
    encounter, _ = parse(document)
    return None if encounter is None else encounter.date_of_service
