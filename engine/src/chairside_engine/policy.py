"""A payer's policy choices: the contract's policy keys with their defaults.

Section M of coding-rules.md explains why each key exists; the contract fixes the
names, the values and the defaults (the first value of each is the default).
"""

from dataclasses import dataclass, field
from typing import Any, Final

from chairside_engine.quoting import quoted

CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "initial_service": ("primary_reason", "hierarchy"),  # R42-R44
    "biologic_injection": ("therapeutic", "chemotherapy"),  # R6-R8
    "biologic_infusion": ("chemotherapy", "therapeutic"),  # R6-R8
    "missing_stop": ("push", "derive", "not_billable"),  # R93-R94
    "hydration_segments": ("sum", "separate"),  # R35-R36
    "repeat_infusion": ("additional_hour", "sum", "push"),  # R37
    "distinct_modifier": ("59", "XS", "XU"),  # R46
    "separate_visit_modifier": ("59", "XE"),  # R47
    "hydration_modifier": ("none", "59"),  # R90
    "midnight": ("start_date", "actual_date"),  # R70
    "prolonged_pump_code": ("96416", "G0498"),  # R26
    "discontinued_modifier": ("none", "53"),  # R39
    "unit_rounding": ("ceil", "decimal"),  # R78-R79
    "mue": ("warn", "cap"),  # R88-R89
    "facility_visit_code": ("G0463", "as_given"),  # R101
}
FLAGS: Final[dict[str, bool]] = {
    "waste_modifiers": True,  # R80-R83
    "ndc_required": False,  # R84-R86
    "allow_99211_with_admin": False,  # R73
}
CATEGORIES: Final = (
    "chemotherapy",
    "hormonal_antineoplastic",
    "biologic",
    "therapeutic",
    "hydration",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DrugOverride:
    category: str | None = None
    force_push: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    initial_service: str = "primary_reason"
    biologic_injection: str = "therapeutic"
    biologic_infusion: str = "chemotherapy"
    missing_stop: str = "push"
    hydration_segments: str = "sum"
    repeat_infusion: str = "additional_hour"
    distinct_modifier: str = "59"
    separate_visit_modifier: str = "59"
    hydration_modifier: str = "none"
    midnight: str = "start_date"
    prolonged_pump_code: str = "96416"
    discontinued_modifier: str = "none"
    unit_rounding: str = "ceil"
    mue: str = "warn"
    facility_visit_code: str = "G0463"
    waste_modifiers: bool = True
    ndc_required: bool = False
    allow_99211_with_admin: bool = False
    concurrent_min_overlap: int = 0  # R56
    # HCPCS code (upper case) or drug name (lower case) -> override; R8, R17
    drug_overrides: dict[str, DrugOverride] = field(default_factory=dict)

    def override_for(self, hcpcs: str | None, name: str) -> DrugOverride | None:
        if not self.drug_overrides:
            return None
        if hcpcs and hcpcs in self.drug_overrides:
            return self.drug_overrides[hcpcs]
        return self.drug_overrides.get(name.lower())


DEFAULT: Final = Policy()


def parse(raw: Any, errors: list[tuple[str, str]]) -> Policy:
    if raw is None:
        return DEFAULT
    if not isinstance(raw, dict):
        errors.append(("policy", "policy must be an object"))
        return DEFAULT
    if not raw:
        return DEFAULT
    values: dict[str, Any] = {}
    for key, value in raw.items():
        path = f"policy.{key}"
        if key in CHOICES:
            if value not in CHOICES[key]:
                allowed = ", ".join(CHOICES[key])
                errors.append((path, f"{quoted(value)} is not one of: {allowed}"))
            else:
                values[key] = value
        elif key in FLAGS:
            if not isinstance(value, bool):
                errors.append((path, "must be true or false"))
            else:
                values[key] = value
        elif key == "concurrent_min_overlap":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors.append((path, "must be a whole number of minutes, 0 or more"))
            else:
                values[key] = value
        elif key == "drug_overrides":
            values[key] = _overrides(value, path, errors)
        else:
            errors.append((path, f"unknown policy key {quoted(key)}"))
    return Policy(**values)


def _overrides(
    raw: Any, path: str, errors: list[tuple[str, str]]
) -> dict[str, DrugOverride]:
    if not isinstance(raw, dict):
        errors.append((path, "must be an object keyed by HCPCS code or drug name"))
        return {}
    out: dict[str, DrugOverride] = {}
    for key, value in raw.items():
        here = f"{path}.{key}"
        if not isinstance(value, dict):
            errors.append((here, "must be an object with category and/or force_push"))
            continue
        unknown = set(value) - {"category", "force_push"}
        for name in sorted(unknown):
            errors.append((f"{here}.{name}", f"unknown key {quoted(name)}"))
        category = value.get("category")
        if category is not None and category not in CATEGORIES:
            errors.append(
                (
                    f"{here}.category",
                    f"{quoted(category)} is not one of: {', '.join(CATEGORIES)}",
                )
            )
            category = None
        force_push = value.get("force_push", False)
        if not isinstance(force_push, bool):
            errors.append((f"{here}.force_push", "must be true or false"))
            force_push = False
        out[override_key(key)] = DrugOverride(category=category, force_push=force_push)
    return out


def override_key(key: str) -> str:
    """How a drug-override key is matched: HCPCS codes in upper case, drug
    names in lower case (contract)."""
    key = key.strip()
    hcpcs = len(key) == 5 and key[0].isalpha() and key[1:].isdigit()
    return key.upper() if hcpcs else key.lower()
