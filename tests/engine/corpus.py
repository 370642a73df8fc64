"""The differential corpus: documents whose answers must not change when the
engine is refactored.

Three kinds, all deterministic: the published scenarios (read where they are),
each of their values replaced in turn by junk, and generated encounters that use
every method, policy key and contract field. `answers()` digests each result
(lines, findings, errors; not the engine's version); `corpus.sha256` holds the
digests of the engine the corpus was recorded on, and
tests/engine/test_differential.py compares. After an intended change of
answers, record again:

    DJANGO_SETTINGS_MODULE=config.settings uv run python -m tests.engine.corpus --write

(the settings say where the published scenarios are).
"""

import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chairside_engine import derive
from chairside_engine.parsing import DEPARTMENTS, METHODS
from chairside_engine.policy import CATEGORIES, CHOICES, FLAGS
from tests.engine.test_robustness import JUNK, paths, replaced
from tests.engine.test_scenarios import CASES

RECORD = Path(__file__).with_name("corpus.sha256")
GENERATED = 6000
SEED = 20261204
DRUGS: tuple[tuple[str, str, str | None, float, str], ...] = (
    ("oxaliplatin", "chemotherapy", "J9263", 0.5, "mg"),
    ("fluorouracil", "chemotherapy", "J9190", 500, "mg"),
    ("leucovorin", "therapeutic", "J0640", 50, "mg"),
    ("ondansetron", "therapeutic", "J2405", 1, "mg"),
    ("dexamethasone", "therapeutic", "J1100", 1, "mg"),
    ("infliximab", "biologic", "J1745", 10, "mg"),
    ("omalizumab", "biologic", "J2357", 5, "mg"),
    ("leuprolide", "hormonal_antineoplastic", "J9217", 7.5, "mg"),
    ("normal saline", "hydration", None, 1, "mL"),
    ("iron sucrose", "therapeutic", "J1756", 1, "mg"),
)
ZONES = ("America/Chicago", "UTC", "America/New_York", "Europe/London")


def documents() -> Iterator[Any]:
    cases = [case["document"] for case in CASES]
    yield from cases
    for document in cases:
        for path in paths(document):
            for value in JUNK:
                yield replaced(document, path, value)
    rng = random.Random(SEED)
    for _ in range(GENERATED):
        yield generated(rng)


def _time(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def generated(rng: random.Random) -> dict[str, Any]:
    setting = rng.choice(("facility", "office"))
    sites = [{"id": s, "label": f"site {s}"} for s in "ABC"[: rng.randint(1, 3)]]
    if len(sites) > 1 and rng.random() < 0.5:
        sites[-1]["separate_access_reason"] = "incompatible drugs"
    overnight = rng.random() < 0.05
    admins = []
    for number in range(1, rng.randint(1, 9)):
        name, category, hcpcs, per, unit = rng.choice(DRUGS)
        method = rng.choice(
            ("infusion",) * 6 + ("push",) * 3 + METHODS  # mostly IV, every method
        )
        start = rng.randint(6 * 60, 17 * 60)
        item: dict[str, Any] = {"id": str(number), "method": method}
        if overnight:
            item["start"] = f"2026-03-0{2 + start // 1440}T{_time(start + 420)}"
        else:
            item["start"] = _time(start)
        if method in ("infusion", "push", "prolonged_pump"):
            item["site"] = rng.choice(sites)["id"]
        if method not in ("port_flush", "pump_refill"):
            item["drug"] = {"name": name, "category": category}
            if hcpcs and rng.random() < 0.7:
                item["drug"] |= {
                    "hcpcs": hcpcs,
                    "billing_unit": {"amount": per, "unit": unit},
                    "single_dose_container": rng.random() < 0.5,
                }
                if rng.random() < 0.3:
                    item["drug"]["acquired_340b"] = True
                item["dose"] = {"amount": rng.randint(1, 800), "unit": unit}
                if rng.random() < 0.4:
                    item["wasted"] = {"amount": rng.randint(0, 40), "unit": unit}
        if rng.random() < 0.8:
            run = rng.choice((0, 10, 15, 16, 30, 31, 60, 90, 91, 150, 151, 240, 600))
            if overnight:
                item["stop"] = f"2026-03-0{2 + (start + run) // 1440}T" + _time(
                    start + run + 420
                )
            elif start + run < 24 * 60:
                item["stop"] = _time(start + run)
        elif rng.random() < 0.5:
            item["rate"] = {"amount": rng.choice((50, 100, 250)), "unit": "mL/h"}
            item["volume_infused"] = {
                "amount": rng.choice((50, 100, 500)),
                "unit": "mL",
            }
        for flag, chance in (
            ("kvo", 0.05),
            ("continuous_presence", 0.1),
            ("primary_reason", 0.1),
            ("discontinued", 0.05),
        ):
            if rng.random() < chance:
                item[flag] = True
        if rng.random() < 0.15:
            item["bag"] = rng.choice(("b1", "b2"))
        if rng.random() < 0.1:
            item["visit"] = "2"
        if method == "intralesional":
            item["lesions"] = rng.randint(1, 12)
        if method in ("prolonged_pump", "pump_refill") and rng.random() < 0.5:
            item["pump"] = "implantable"
        admins.append(item)
    policy: dict[str, Any] = {}
    for key, values in CHOICES.items():
        if rng.random() < 0.2:
            policy[key] = rng.choice(values)
    for key in FLAGS:
        if rng.random() < 0.1:
            policy[key] = rng.random() < 0.5
    if rng.random() < 0.1:
        policy["concurrent_min_overlap"] = rng.choice((0, 16, 30))
    if rng.random() < 0.1:
        name, _, hcpcs, _, _ = rng.choice(DRUGS)
        policy["drug_overrides"] = {
            hcpcs or name: {"category": rng.choice(CATEGORIES), "force_push": True}
        }
    doc: dict[str, Any] = {
        "setting": setting,
        "timezone": rng.choice(ZONES),
        "date_of_service": "2026-03-02",
        "payer": "corpus",
        "policy": policy,
        "sites": sites,
        "administrations": admins,
    }
    if overnight:
        del doc["date_of_service"]
    if rng.random() < 0.05:
        doc["continuation"] = True
    if rng.random() < 0.3:
        doc["em"] = {
            "code": rng.choice(("99202", "99211", "99213", "99215")),
            "separately_identifiable": rng.random() < 0.7,
        }
    if setting == "facility" and rng.random() < 0.3:
        doc["department"] = rng.choice(DEPARTMENTS)
    if rng.random() < 0.2:
        doc["modifier_340b"] = rng.choice(("JG", "TB"))
    return doc


def digest(result: dict[str, Any]) -> str:
    answer = {key: value for key, value in result.items() if key != "engine"}
    text = json.dumps(answer, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def answers() -> list[str]:
    return [digest(derive(document)) for document in documents()]


def recorded() -> list[str]:
    return RECORD.read_text().split()


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.engine.corpus --write")
    digests = answers()
    RECORD.write_text("\n".join(digests) + "\n")
    print(f"{len(digests)} answers recorded in {RECORD}")
