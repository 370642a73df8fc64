"""The drug category of every formulary code, from a mapping reviewed by hand.

The CMS files say what a code is, not which family of administration codes it
earns; that is a coding judgement (coding-rules.md R1-R10), so it is written
down once in reference/data/drug_categories.csv, each row with its basis. A code
the mapping leaves blank, or does not list, "needs review": it is never
guessed, and the engine's document says so (see coding/documents.py).
"""

import csv
from functools import cache
from pathlib import Path
from typing import Any

from reference.models import DrugCategory

MAPPING = Path(__file__).resolve().parent / "data" / "drug_categories.csv"


@cache
def reviewed_categories() -> dict[str, tuple[str, str]]:
    """HCPCS code -> (category or "" for needs review, basis)."""
    with MAPPING.open(newline="", encoding="utf-8") as handle:
        rows = {
            row["code"]: (row["category"], row["basis"])
            for row in csv.DictReader(handle)
        }
    unknown = {
        cat for cat, _ in rows.values() if cat and cat not in DrugCategory.values
    }
    if unknown:
        raise ValueError(f"{MAPPING.name} has unknown categories: {sorted(unknown)}")
    return rows


def apply_categories(drug_model: Any = None) -> int:
    """Write the reviewed category onto every Drug row; return how many changed.

    Takes the (historical) model so a data migration can call it too.
    """
    if drug_model is None:
        from reference.models import Drug as drug_model
    mapping = reviewed_categories()
    changed = []
    for drug in drug_model.objects.only("pk", "hcpcs", "category"):
        category = mapping.get(drug.hcpcs, ("", ""))[0]
        if drug.category != category:
            drug.category = category
            changed.append(drug)
    drug_model.objects.bulk_update(changed, ["category"], batch_size=500)
    return len(changed)
