"""ICD-10-CM diagnoses: what a code means and whether a claim may carry it,
from the `simple-icd-10-cm` package (the CDC's current code set)."""

import simple_icd_10_cm as icd

from encounters.models import Refusal


def normalise(raw: str) -> str:
    """`c189`, `C18.9 ` and `C189` all become `C18.9`."""
    code = raw.strip().upper().replace(" ", "")
    if not code:
        return ""
    return icd.add_dot(icd.remove_dot(code)) if icd.is_valid_item(code) else code


def describe(raw: str) -> tuple[str, str]:
    """(code, description) of a billable code, or a Refusal saying why not."""
    code = normalise(raw)
    if not code:
        raise Refusal("Enter an ICD-10-CM code, for example C18.9.")
    if not icd.is_valid_item(code):
        raise Refusal(f"{code} is not an ICD-10-CM code.")
    if not icd.is_leaf(code):
        # A category with subcodes is not billable: the claim needs the most
        # specific code (ICD-10-CM Official Guidelines I.B.2).
        children = ", ".join(icd.get_children(code)[:4])
        raise Refusal(
            f"{code} ({icd.get_description(code)}) is a category, not a billable "
            f"code; choose a more specific one such as {children}."
        )
    return code, icd.get_description(code)
