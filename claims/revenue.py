"""UB-04 revenue codes for the lines of an institutional (837I) claim.

The National Uniform Billing Committee's revenue centres for an infusion
suite: IV therapy (026x), chemotherapy administration (033x), drugs that need
their HCPCS code (0636), IV solutions (0258) and the clinic (0510).
"""

from decimal import Decimal

# Drug administration codes by family (CPT 96360-96549).
CHEMOTHERAPY_IV = {"96409", "96411", "96413", "96415", "96416", "96417", "G0498"}
CHEMOTHERAPY_INJECTED = {"96401", "96402"}
CHEMOTHERAPY_OTHER = {"96420", "96422", "96423", "96425", "96440", "96446", "96450"}
CHEMOTHERAPY_OTHER |= {"96521", "96522", "96523", "96542", "96549"}
# Hydration solutions billed as drugs (J7030-J7131 and friends).
IV_SOLUTIONS = {"J7030", "J7040", "J7042", "J7050", "J7060", "J7070", "J7120", "J7131"}


def revenue_code(code: str, kind: str) -> str:
    if kind == "drug":
        return "0258" if code in IV_SOLUTIONS else "0636"
    if kind == "em":
        return "0510"
    if code in CHEMOTHERAPY_IV:
        return "0335"
    if code in CHEMOTHERAPY_INJECTED:
        return "0331"
    if code in CHEMOTHERAPY_OTHER:
        return "0332"
    if code.startswith("963"):
        return "0260"
    return "0510"


# NDC units of measure (R85): gram, milligram, millilitre, unit; micrograms have
# none of their own and go as milligrams. The CTP segment carries the dose in one
# of these: dose unit -> (qualifier, factor to that unit).
NDC_UNITS = {
    "mg": ("ME", Decimal(1)),
    "g": ("GR", Decimal(1)),
    "mL": ("ML", Decimal(1)),
    "units": ("UN", Decimal(1)),
    "mcg": ("ME", Decimal("0.001")),
}
