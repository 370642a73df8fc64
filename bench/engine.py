"""Engine throughput on one core: `uv run python bench/engine.py`.

Prints encounters per second for a typical encounter (5 administrations, one
site) and a busy one (30 administrations, 2 sites, overlaps), and the ratio of
derive time to json.loads + json.dumps of the same document. Targets: 20,000
typical encounters a second; a busy one costs at most 8 typical ones. The
first line says whether the engine ran compiled by mypyc (engine/setup.py, when
`uv sync` builds it) or interpreted.
"""

import json
import sys
import timeit
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chairside_engine import compiled, derive


def typical() -> dict[str, Any]:
    """FOLFOX-like day: premedication pushes, chemotherapy, leucovorin, hydration."""
    return {
        "setting": "facility",
        "timezone": "America/Chicago",
        "date_of_service": "2026-11-23",
        "payer": "medicare",
        "sites": [{"id": "A", "label": "port"}],
        "administrations": [
            {
                "id": "1",
                "method": "infusion",
                "site": "A",
                "drug": {"name": "normal saline", "category": "hydration"},
                "start": "08:30",
                "stop": "09:15",
            },
            {
                "id": "2",
                "method": "push",
                "site": "A",
                "drug": {
                    "name": "ondansetron",
                    "category": "therapeutic",
                    "hcpcs": "J2405",
                    "billing_unit": {"amount": 1, "unit": "mg"},
                },
                "dose": {"amount": 16, "unit": "mg"},
                "start": "08:40",
            },
            {
                "id": "3",
                "method": "push",
                "site": "A",
                "drug": {"name": "dexamethasone", "category": "therapeutic"},
                "start": "08:45",
            },
            {
                "id": "4",
                "method": "infusion",
                "site": "A",
                "drug": {
                    "name": "oxaliplatin",
                    "category": "chemotherapy",
                    "hcpcs": "J9263",
                    "billing_unit": {"amount": 0.5, "unit": "mg"},
                    "single_dose_container": True,
                },
                "dose": {"amount": 170, "unit": "mg"},
                "wasted": {"amount": 0, "unit": "mg"},
                "start": "09:15",
                "stop": "11:17",
            },
            {
                "id": "5",
                "method": "infusion",
                "site": "A",
                "drug": {"name": "leucovorin", "category": "therapeutic"},
                "start": "09:15",
                "stop": "11:17",
            },
        ],
    }


def busy() -> dict[str, Any]:
    """30 administrations on two sites, many overlapping, a long observation day."""
    names = [
        "vancomycin",
        "cefepime",
        "ondansetron",
        "morphine",
        "pantoprazole",
        "magnesium",
        "potassium",
        "normal saline",
        "famotidine",
        "lorazepam",
    ]
    admins = []
    for n in range(30):
        name = names[n % len(names)]
        start = 6 * 60 + n * 25
        item: dict[str, Any] = {
            "id": str(n + 1),
            "method": "push" if n % 3 == 0 else "infusion",
            "site": "A" if n % 4 else "B",
            "drug": {
                "name": name,
                "category": "hydration" if name == "normal saline" else "therapeutic",
            },
            "start": f"{start // 60:02d}:{start % 60:02d}",
        }
        if item["method"] == "infusion":
            stop = start + 20 + (n * 7) % 90
            item["stop"] = f"{stop // 60:02d}:{stop % 60:02d}"
        admins.append(item)
    return {
        "setting": "facility",
        "timezone": "America/Chicago",
        "date_of_service": "2026-11-23",
        "sites": [
            {"id": "A", "label": "right PIV"},
            {"id": "B", "label": "left PIV", "separate_access_reason": "incompatible"},
        ],
        "administrations": admins,
    }


def per_second(function: Any, repeat: int = 7) -> float:
    number = 2000
    best = min(timeit.repeat(function, number=number, repeat=repeat))
    return number / best


def main() -> None:
    small, large = typical(), busy()
    assert "errors" not in derive(small)
    assert "errors" not in derive(large)
    text = json.dumps(small)
    typical_rate = per_second(lambda: derive(small))
    busy_rate = per_second(lambda: derive(large))
    json_rate = per_second(lambda: json.dumps(json.loads(text)))
    print(
        "engine:",
        "compiled by mypyc" if compiled() else "interpreted (no C compiler at build)",
    )
    print(f"typical encounter (5 administrations, 1 site): {typical_rate:,.0f} /s")
    print(f"busy encounter (30 administrations, 2 sites):  {busy_rate:,.0f} /s")
    print(f"busy / typical cost: {typical_rate / busy_rate:.1f}x (target <= 8)")
    print(
        "derive / (json.loads + json.dumps) of the typical document: "
        f"{json_rate / typical_rate:.1f}x"
    )


if __name__ == "__main__":
    main()
