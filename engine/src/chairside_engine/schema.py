"""JSON Schema (draft 2020-12) of the contract's document and result.

Built from the same constants the parser uses, so the two cannot drift apart;
the parser stays the authority (it also checks what a schema cannot, such as a
stop before its start).
"""

from typing import Any, Final

from chairside_engine.parsing import (
    ADMIN_KEYS,
    DEPARTMENTS,
    DRUG_KEYS,
    EM_CODES,
    ENCOUNTER_KEYS,
    METHODS,
    MODIFIERS_340B,
    SITE_KEYS,
)
from chairside_engine.policy import CATEGORIES, CHOICES, FLAGS

DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"
UNITS: Final = ["g", "mg", "mcg", "units", "mL", "mEq"]


def _object(
    properties: dict[str, Any], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _amount(minimum_exclusive: bool) -> dict[str, Any]:
    amount: dict[str, Any] = {"type": "number"}
    amount["exclusiveMinimum" if minimum_exclusive else "minimum"] = 0
    return _object({"amount": amount, "unit": {"type": "string"}}, ("amount", "unit"))


TIME: Final[dict[str, Any]] = {
    "type": "string",
    "description": "HH:MM on date_of_service, or an ISO 8601 date-time",
}
TEXT: Final[dict[str, Any]] = {"type": "string", "minLength": 1}


def document_schema() -> dict[str, Any]:
    policy: dict[str, Any] = {k: {"enum": list(v)} for k, v in CHOICES.items()}
    policy |= {key: {"type": "boolean"} for key in FLAGS}
    policy["concurrent_min_overlap"] = {"type": "integer", "minimum": 0}
    policy["drug_overrides"] = {
        "type": "object",
        "additionalProperties": _object(
            {"category": {"enum": list(CATEGORIES)}, "force_push": {"type": "boolean"}}
        ),
    }
    drug = {
        "name": TEXT,
        "category": {"enum": list(CATEGORIES)},
        "hcpcs": {"type": "string", "pattern": "^[A-Za-z0-9]{5}$"},
        "billing_unit": _amount(True),
        "ndc": {"type": "string"},
        "single_dose_container": {"type": "boolean"},
        "acquired_340b": {"type": "boolean"},
    }
    assert set(drug) == DRUG_KEYS
    administration = {
        "id": TEXT,
        "method": {"enum": list(METHODS)},
        "site": TEXT,
        "visit": TEXT,
        "bag": TEXT,
        "drug": _object(drug, ("name", "category")),
        "dose": _amount(True),
        "wasted": _amount(False),
        "start": TIME,
        "stop": {"anyOf": [TIME, {"type": "null"}]},
        "rate": _amount(True),
        "volume_infused": _amount(True),
        "kvo": {"type": "boolean"},
        "continuous_presence": {"type": "boolean"},
        "primary_reason": {"type": "boolean"},
        "discontinued": {"type": "boolean"},
        "lesions": {"type": "integer", "minimum": 1},
        "pump": {"enum": ["portable", "implantable"]},
    }
    assert set(administration) == ADMIN_KEYS
    site = {
        "id": TEXT,
        "label": {"type": "string"},
        "separate_access_reason": {"type": "string"},
    }
    assert set(site) == SITE_KEYS
    encounter = {
        "setting": {"enum": ["facility", "office"]},
        "timezone": {"type": "string"},
        "date_of_service": {"type": "string", "format": "date"},
        "payer": {"type": "string"},
        "policy": _object(policy),
        "continuation": {"type": "boolean"},
        "sites": {"type": "array", "items": _object(site, ("id",))},
        "administrations": {
            "type": "array",
            "items": _object(administration, ("id", "method")),
        },
        "em": _object(
            {
                "code": {"enum": sorted(EM_CODES)},
                "separately_identifiable": {"type": "boolean"},
            },
            ("code", "separately_identifiable"),
        ),
        "department": {"enum": list(DEPARTMENTS)},
        "modifier_340b": {"enum": list(MODIFIERS_340B)},
    }
    assert set(encounter) == ENCOUNTER_KEYS
    return {
        "$schema": DRAFT,
        "title": "Chairside encounter document (coding contract v1.1)",
        **_object(encounter, ("setting",)),
    }


def result_schema() -> dict[str, Any]:
    line = _object(
        {
            "code": TEXT,
            "units": {"type": "number", "exclusiveMinimum": 0},
            "modifiers": {"type": "array", "items": {"type": "string"}},
            "kind": {"enum": ["administration", "drug", "em"]},
            "date": {"type": "string", "format": "date"},
            "administrations": {"type": "array", "items": {"type": "string"}},
            "explanation": TEXT,
            "ndc": {"type": "string", "pattern": "^[0-9]{11}$"},
        },
        (
            "code",
            "units",
            "modifiers",
            "kind",
            "date",
            "administrations",
            "explanation",
        ),
    )
    finding = _object(
        {
            "severity": {"enum": ["error", "warning", "info"]},
            "code": {"type": "string", "pattern": "^[a-z0-9_]+(\\.[a-z0-9_]+)+$"},
            "message": TEXT,
            "administrations": {"type": "array", "items": {"type": "string"}},
        },
        ("severity", "code", "message", "administrations"),
    )
    error = _object({"path": {"type": "string"}, "message": TEXT}, ("path", "message"))
    derived = _object(
        {
            "payer": {"type": ["string", "null"]},
            "lines": {"type": "array", "items": line},
            "findings": {"type": "array", "items": finding},
            "engine": _object(
                {
                    "version": TEXT,
                    "reference": {
                        "type": "object",
                        "additionalProperties": _object(
                            {"source": TEXT, "effective": TEXT}, ("source", "effective")
                        ),
                    },
                },
                ("version", "reference"),
            ),
        },
        ("payer", "lines", "findings", "engine"),
    )
    invalid = _object(
        {"errors": {"type": "array", "items": error, "minItems": 1}}, ("errors",)
    )
    return {
        "$schema": DRAFT,
        "title": "Chairside derive result (coding contract v1.1)",
        "oneOf": [derived, invalid],
    }
