"""The Chairside coding engine: encounter document in, claim lines out.

`derive(document)` implements the coding contract 1.1 (shared/contract/README.md):
it takes the encounter document as a dict and returns the result as a dict, or
`{"errors": [...]}` for an invalid document. It imports no Django and touches
no database; the reference tables it consults ship with it (tables.py).

The order of operations of coding-rules.md, section N, and where each step is:

| step | what (rules) | modules |
| --- | --- | --- |
| -  | read the document; times, amounts, policy | parsing, intervals, amounts |
| 1  | bound the encounter: visits, continuation | order, hierarchy |
| 2  | oral, KVO, missing stops (R59-R65, R93-R98) | classification |
| 3  | family, push or infusion, one infusate (R1-R17) | classification |
| 4  | overlaps per access, hydration (R36, R53-R57) | hydration, sequencing |
| 5  | the initial service per access (R40-R47) | hierarchy |
| 6  | subsequent and stand-alone services (R18-R58) | sequencing, injections |
| 7  | units: initial, sequential, hydration hours (R29-R33) | units |
| 8  | dates: the midnight policy (R70) | units |
| 9  | edits (R60, R88-R90); E/M and G0463 (R73-R75, R101) | edits, em |
| 10 | drug lines: units, JW/JZ, NDC, 340B (R78-R86, R100) | drugs |
| -  | PO/PN (R99), the four-modifier cap | modifiers |
| -  | lines and findings as JSON; the JSON Schema | result, schema |
"""

from datetime import date
from typing import Any, Final

from chairside_engine.order import code_encounter
from chairside_engine.parsing import parse
from chairside_engine.tables import Reference, packaged

__all__ = ["VERSION", "compiled", "date_of_service", "derive"]

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


def compiled() -> bool:
    """Whether this install runs the engine compiled by mypyc (engine/setup.py)
    or interpreted, with the same answers."""
    from chairside_engine import parsing

    return not parsing.__file__.endswith(".py")
