"""FHIR R4 Claim resources from finalised claims, in a collection Bundle.

`fhir.resources` ships FHIR R5, R4B and STU3 models; R4B's Claim is the R4
Claim (R4B changed other resources), so the files are checked against it.
"""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from claims.models import Claim, ClaimLine

CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "urn:oid:2.16.840.1.113883.6.285"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NDC = "http://hl7.org/fhir/sid/ndc"
MODIFIERS = "urn:oid:2.16.840.1.113883.6.285"  # CPT and HCPCS Level II modifiers
REVENUE = "https://www.nubc.org/CodeSystem/RevenueCodes"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
RELATED = "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship"
CONTROL = "urn:chairside:claim"
MRN = "urn:chairside:mrn"
UCUM = {"ME": "mg", "GR": "g", "ML": "mL", "UN": "{unit}", "F2": "[iU]"}


def coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return {"coding": [out]}


def item(line: ClaimLine) -> dict[str, Any]:
    system = HCPCS if line.code[:1].isalpha() else CPT
    out: dict[str, Any] = {
        "sequence": line.number,
        "diagnosisSequence": line.pointers[:4] or [1],
        "productOrService": coding(system, line.code),
        "servicedDate": line.date.isoformat(),
        "quantity": {"value": float(line.units)},
        "unitPrice": {"value": float(line.charge), "currency": "USD"},
        "net": {"value": float(line.charge), "currency": "USD"},
    }
    if line.modifiers:
        out["modifier"] = [coding(MODIFIERS, m) for m in line.modifiers]
    if line.revenue_code:
        out["revenue"] = coding(REVENUE, line.revenue_code)
    if line.ndc and line.ndc_quantity is not None:
        # R84-R85: the NDC and the dose in its unit, as a detail of the line.
        out["detail"] = [
            {
                "sequence": 1,
                "productOrService": coding(NDC, line.ndc),
                "quantity": {
                    "value": float(line.ndc_quantity),
                    "unit": line.ndc_unit,
                    "system": "http://unitsofmeasure.org",
                    "code": UCUM.get(line.ndc_unit, line.ndc_unit),
                },
            }
        ]
    return out


def resource(claim: Claim) -> dict[str, Any]:
    parties = claim.parties
    patient, payer = parties["patient"], parties["payer"]
    lines = list(claim.lines.all())
    total = float(claim.total_charge)
    kind = "institutional" if claim.institutional else "professional"
    # Exports take finalised claims, dated when they were finalised.
    assert claim.date_of_service is not None
    assert claim.finalised_at is not None
    out: dict[str, Any] = {
        "resourceType": "Claim",
        "id": claim.control_number.lower(),
        "identifier": [{"system": CONTROL, "value": claim.control_number}],
        "status": "active",
        "type": coding(CLAIM_TYPE, kind),
        "use": "claim",
        "patient": {
            "identifier": {"system": MRN, "value": patient["mrn"]},
            "display": patient["name"],
        },
        "billablePeriod": {
            "start": claim.date_of_service.isoformat(),
            "end": claim.date_of_service.isoformat(),
        },
        "created": claim.finalised_at.isoformat(),
        "provider": {"display": parties["location"]["name"]},
        "priority": coding(PRIORITY, "normal"),
        "insurer": {"display": payer["name"]},
        "diagnosis": [
            {
                "sequence": d["rank"],
                "diagnosisCodeableConcept": coding(
                    ICD10CM, d["code"], d["description"]
                ),
            }
            for d in claim.diagnoses
        ],
        "insurance": [
            {
                "sequence": 1,
                "focal": True,
                "coverage": {"display": f"{payer['name']} ({patient['mrn']})"},
            }
        ],
        "item": [item(line) for line in lines],
        "total": {"value": total, "currency": "USD"},
    }
    if claim.replaces is not None:
        # Frequency code 7: this claim replaces the earlier version.
        out["related"] = [
            {
                "claim": {
                    "identifier": {
                        "system": CONTROL,
                        "value": claim.replaces.control_number,
                    }
                },
                "relationship": coding(RELATED, "prior"),
            }
        ]
    return out


def bundle(claims: Sequence[Claim], *, now: datetime) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now.isoformat(),
        "entry": [
            {
                "fullUrl": f"urn:chairside:claim:{c.control_number}",
                "resource": resource(c),
            }
            for c in claims
        ],
    }


def claims_fhir(claims: Sequence[Claim], *, now: datetime) -> str:
    """The Bundle as JSON, checked against the FHIR model before it leaves."""
    document = bundle(claims, now=now)
    Bundle.model_validate(document)
    return json.dumps(document, indent=2)
