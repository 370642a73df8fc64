"""Which codes Chairside keeps from CMS's national files.

CMS's tables cover every code in medicine; an infusion centre codes and edits
against a few hundred of them. Keeping only those makes a national file of
half a million rows a table of a few thousand.
"""

import re

DRUG_ADMINISTRATION = range(96360, 96550)
OFFICE_VISITS = range(99202, 99216)
# Level II codes for administration and the hospital clinic visit (G0463).
LEVEL_II_SERVICES = frozenset(
    {"G0463", "C8957", "G0498", "Q0081", "Q0083", "Q0084", "Q0085"}
)
# Vascular access codes that NCCI pairs with the administration codes.
VASCULAR_ACCESS = frozenset({"36000", "36410", "36591", "36592", "36593"})
# HCPCS Level II drugs: J and Q codes, and C9000-C9999 for pass-through drugs.
DRUG = re.compile(r"[JQ][0-9]{4}|C9[0-9]{3}")
CPT = re.compile(r"[0-9]{5}")


def usable_code(code: str) -> bool:
    """Whether Chairside codes or edits against `code`."""
    code = code.strip().upper()
    if code in LEVEL_II_SERVICES or code in VASCULAR_ACCESS:
        return True
    if CPT.fullmatch(code):
        number = int(code)
        return number in DRUG_ADMINISTRATION or number in OFFICE_VISITS
    return DRUG.fullmatch(code) is not None
